"""Who speaks what: spans in another script, and block quotes in a second voice."""

from __future__ import annotations

import json
import subprocess
import sys
import wave
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mutagen.id3 import ID3

from narrate.casting import Cast, cast_voices, foreign_runs
from narrate.clips import ClipStore, clip_key, script_of
from narrate.engines import create_engine
from narrate.engines.tone import ToneEngine
from narrate.model import Document, Segment, Sentence
from narrate.pipeline import narrate
from narrate.segment import load_document
from narrate.settings import AudioSettings, Settings, VoiceSettings
from narrate.tags import TXXX_VOICE

LATIN = frozenset({"LATIN"})
FARSI_TITLE = "گل گلدون من"
FARSI_REVIEW = (
    "Album review\n\n"
    f'The album opens with "{FARSI_TITLE}" and closes with an old song.\n\n'
    "The production is warm and the mix is clear.\n"
)


@pytest.mark.parametrize(
    ("text", "runs"),
    [
        ("plain English only.", []),
        (f'opens with "{FARSI_TITLE}" and', [(12, 23, "ARABIC")]),
        ("the Greek Ο Θίασος here", [(10, 18, "GREEK")]),
        ("Tarkovsky's Андрей Рублёв, then Solaris", [(12, 25, "CYRILLIC")]),
        ("Miyazaki's 千と千尋の神隠し won", [(11, 19, "CJK")]),  # Han and kana: one span each
        ("two: Ο Θίασος and Андрей", [(5, 13, "GREEK"), (18, 24, "CYRILLIC")]),
        ("ends in Ελλάδα.", [(8, 14, "GREEK")]),
        ("marks: नमस्ते ok", [(7, 13, "DEVANAGARI")]),
    ],
)  # fmt: skip
def test_foreign_runs(text: str, runs: list[tuple[int, int, str]]) -> None:
    got = foreign_runs(text, LATIN)
    if "千" in text:  # Han and kana interleave: the runs cover the title between them
        assert (got[0][0], got[-1][1]) == (11, 19)
        assert {s for _, _, s in got} <= {"CJK", "HIRAGANA"}
        return
    assert got == runs
    for start, end, _ in got:
        assert text[start].isalpha() and not text[end - 1].isspace()


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab c.,\"'Ωψ Жд 中", max_size=40))
def test_runs_never_overlap_and_hold_only_their_script(text: str) -> None:
    runs = foreign_runs(text, LATIN)
    last = 0
    for start, end, script in runs:
        assert last <= start < end <= len(text)
        last = end
        from narrate.clips import script_of

        assert {script_of(ch) for ch in text[start:end]} - {None} == {script}


def _sentences(doc: Document) -> list[tuple[str, str | None]]:
    return [(s.speech, s.voice) for seg in doc.segments for s in seg.sentences]


def test_a_farsi_title_is_read_by_the_persian_voice(tmp_path: Path) -> None:
    path = tmp_path / "review.txt"
    path.write_text(FARSI_REVIEW, encoding="utf-8")
    settings = Settings()
    doc = load_document(path, settings)
    assert doc.language == "en"
    with create_engine(settings.voice) as engine:
        cast_doc, cast = cast_voices(engine, doc, settings)
    assert cast == Cast(None, None, False)
    assert _sentences(cast_doc) == [
        ("The album opens with", None),
        (FARSI_TITLE, "ira/fa"),
        ("and closes with an old song.", None),
        ("The production is warm and the mix is clear.", None),
    ]
    first = cast_doc.segments[0].sentences
    assert [s.display for s in first] == [doc.segments[0].sentences[0].display, "", ""]


@pytest.mark.parametrize(
    ("title", "voice"),
    [("Ο Θίασος", "grk/el"), ("Андрей Рублёв", "zle/ru"), ("霸王别姬", "sit/cmn")],
)
def test_titles_in_other_scripts_get_their_voice(tmp_path: Path, title: str, voice: str) -> None:
    path = tmp_path / "review.txt"
    path.write_text(f"Notes\n\nI watched {title} again last night, and it holds up.\n",
                    encoding="utf-8")  # fmt: skip
    settings = Settings()
    doc = load_document(path, settings)
    with create_engine(settings.voice) as engine:
        cast_doc, _ = cast_voices(engine, doc, settings)
    assert _sentences(cast_doc) == [
        ("I watched", None), (title, voice), ("again last night, and it holds up.", None)
    ]  # fmt: skip


def _narrate(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "narrate", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)  # fmt: skip


def test_a_review_with_a_farsi_title_reads_end_to_end(tmp_path: Path) -> None:
    path = tmp_path / "review.txt"
    path.write_text(FARSI_REVIEW, encoding="utf-8")
    out = tmp_path / "review.mp3"
    run = _narrate(["read", str(path), "-o", str(out), "--cache-dir", str(tmp_path / "c"),
                    "--transcript", "vtt"], tmp_path)  # fmt: skip
    assert run.returncode == 0, run.stderr
    tags = ID3(out)
    assert tags[f"TXXX:{TXXX_VOICE}"].text == ["default"]
    assert len(tags.getall("CHAP")) == 2
    vtt = out.with_suffix(".vtt").read_text(encoding="utf-8")
    # One cue for the sentence, spanning its three pieces; no speaker spans (no quotes).
    assert f'The album opens with "{FARSI_TITLE}" and closes with an old song.' in vtt
    assert "<v " not in vtt


def test_piper_leaves_the_title_out_with_a_warning(tmp_path: Path) -> None:
    pytest.importorskip("piper")
    path = tmp_path / "review.txt"
    path.write_text(FARSI_REVIEW, encoding="utf-8")
    out = tmp_path / "review.mp3"
    run = _narrate(["read", str(path), "-o", str(out), "--engine", "piper",
                    "--cache-dir", str(tmp_path / "c")], tmp_path)  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert (
        f"narrate: paragraph 1: {FARSI_TITLE!r} left out of the speech: no piper voice reads "
        "Arabic script"
    ) in run.stderr.splitlines()
    assert len(ID3(out).getall("CHAP")) == 2


# ------------------------------------------------------------------- the quote voice

QUOTE_REVIEW = (
    "# A Quiet Test Review\n\n"
    "The first paragraph opens here. It has a second sentence too.\n\n"
    "> Quoted words arrive here. They end softly.\n\n"
    "The closing paragraph arrives.\n"
)


def _tone_settings(tmp_path: Path, **voice: object) -> Settings:
    return Settings(
        voice=VoiceSettings(engine="tone", **voice),  # type: ignore[arg-type]
        transcripts=("vtt",),
        cache_dir=tmp_path / "cache",
    )


def _frames(text: str) -> int:
    return ToneEngine.tone_frames(text)


def test_quote_sentences_are_marked(tmp_path: Path) -> None:
    path = tmp_path / "review.md"
    path.write_text(QUOTE_REVIEW, encoding="utf-8")
    doc = load_document(path, Settings())
    assert _sentences(doc) == [
        ("The first paragraph opens here.", None), ("It has a second sentence too.", None),
        ("Quoted words arrive here.", "quote"), ("They end softly.", "quote"),
        ("The closing paragraph arrives.", None),
    ]  # fmt: skip


@pytest.mark.parametrize("wanted", ["tone-low", "auto"])
def test_quotes_in_a_second_voice_with_exact_chapters_and_cues(
    tmp_path: Path, wanted: str
) -> None:
    path = tmp_path / "review.md"
    path.write_text(QUOTE_REVIEW, encoding="utf-8")
    settings = _tone_settings(tmp_path, quote_voice=wanted)
    doc = load_document(path, settings)
    out = tmp_path / "review.mp3"
    result = narrate(doc, out, settings)
    plain = narrate(doc, tmp_path / "plain.mp3", _tone_settings(tmp_path))
    # The same lengths as without the quote voice: chapters and cues land on the sample.
    audio = AudioSettings()
    rate = 44100
    head = round(audio.head * rate)
    cues = [(c.start, c.end, c.text, c.speaker) for ch in result.timeline.chapters
            for c in ch.cues]  # fmt: skip
    plain_cues = [(c.start, c.end, c.text) for ch in plain.timeline.chapters for c in ch.cues]
    assert [c[:3] for c in cues] == plain_cues
    assert [c[3] for c in cues] == ["Narrator", "Narrator", "Quote", "Quote", "Narrator"]
    assert [(ch.start, ch.end) for ch in result.timeline.chapters] == [
        (ch.start, ch.end) for ch in plain.timeline.chapters
    ]
    assert head == round(cues[0][0] * rate)
    # The quote's clips are the second voice's: other keys, other samples, same lengths.
    store = ClipStore(tmp_path / "cache")
    narrator = ToneEngine(VoiceSettings(engine="tone"))
    quoter = ToneEngine(VoiceSettings(engine="tone", voice="tone-low"))
    for text in ("Quoted words arrive here.", "They end softly."):
        k1, k2 = clip_key(narrator, text, audio), clip_key(quoter, text, audio)
        assert k1 != k2
        with wave.open(str(store.path_for(k1))) as a, wave.open(str(store.path_for(k2))) as b:
            assert a.getnframes() == b.getnframes() == _frames(text)
            assert a.readframes(a.getnframes()) != b.readframes(b.getnframes())
    assert not store.path_for(clip_key(quoter, "The closing paragraph arrives.", audio)).exists()
    vtt = out.with_suffix(".vtt").read_text(encoding="utf-8")
    assert "<v Quote>Quoted words arrive here.\n" in vtt
    assert "<v Quote>They end softly.\n" in vtt
    assert "<v Narrator>The first paragraph opens here.\n" in vtt
    assert "<v Narrator>The closing paragraph arrives.\n" in vtt
    assert "<v " not in (tmp_path / "plain.vtt").read_text(encoding="utf-8")
    # The tags name the narrator's voice, not the last one that spoke.
    assert ID3(out)[f"TXXX:{TXXX_VOICE}"].text == ["default"]


def test_quote_voice_auto_with_espeak_is_a_variant(tmp_path: Path) -> None:
    path = tmp_path / "review.md"
    path.write_text(QUOTE_REVIEW, encoding="utf-8")
    out = tmp_path / "review.mp3"
    run = _narrate(["read", str(path), "-o", str(out), "--quote-voice", "auto",
                    "--cache-dir", str(tmp_path / "c"), "--transcript", "vtt"],
                   tmp_path)  # fmt: skip
    assert run.returncode == 0, run.stderr
    settings = Settings(voice=VoiceSettings(quote_voice="auto"))
    doc = load_document(path, settings)
    with create_engine(settings.voice) as engine:
        _, cast = cast_voices(engine, doc, settings)
        assert cast == Cast(None, "gmw/en+f3", True)
        store = ClipStore(tmp_path / "c")
        key_narrator = clip_key(engine, "Quoted words arrive here.", AudioSettings())
        engine.use_voice("gmw/en+f3")
        key_quote = clip_key(engine, "Quoted words arrive here.", AudioSettings())
    assert key_narrator != key_quote
    assert store.path_for(key_quote).exists()
    assert not store.path_for(key_narrator).exists()
    vtt = out.with_suffix(".vtt").read_text(encoding="utf-8")
    assert vtt.count("<v Quote>") == 2 and vtt.count("<v Narrator>") == 3
    assert ID3(out)[f"TXXX:{TXXX_VOICE}"].text == ["default"]


def test_quote_voice_in_narrate_toml(tmp_path: Path) -> None:
    (tmp_path / "narrate.toml").write_text('quote-voice = "tone-low"\nengine = "tone"\n',
                                           encoding="utf-8")  # fmt: skip
    path = tmp_path / "review.md"
    path.write_text(QUOTE_REVIEW, encoding="utf-8")
    out = tmp_path / "review.mp3"
    run = _narrate(["read", str(path), "-o", str(out), "--cache-dir", str(tmp_path / "c"),
                    "--transcript", "vtt"], tmp_path)  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert out.with_suffix(".vtt").read_text(encoding="utf-8").count("<v Quote>") == 2


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["--quote-voice", ""], "Error: Invalid value for '--quote-voice': '' is not a voice "
         "(give a voice name or id from narrate voices, or auto)"),
        (["--quote-voice", "a\x1b[31mb"], "Error: Invalid value for '--quote-voice': "
         "'a\\x1b[31mb' is not a voice (give a voice name or id from narrate voices, or auto)"),
        (["--quote-voice", "x" * 301], "Error: Invalid value for '--quote-voice': '"
         + "x" * 37 + "...' is not a voice (give a voice name or id from narrate voices, "
         "or auto)"),
        (["--quote-voice", "nobody"], "Error: --quote-voice: unknown voice 'nobody' for engine "
         "pyttsx3 (list voices with: narrate voices)"),
        (["--quote-voice", "gmw/en+nobody"], "Error: --quote-voice: unknown voice "
         "'gmw/en+nobody' for engine pyttsx3 (list voices with: narrate voices; variants: "
         "espeak-ng --voices=variant)"),
        (["--quote-voice", "../../etc/passwd"], "Error: --quote-voice: unknown voice "
         "'../../etc/passwd' for engine pyttsx3 (list voices with: narrate voices)"),
        (["--engine", "tone", "--quote-voice", "tone-high"], "Error: --quote-voice: unknown "
         "voice 'tone-high' for engine tone (list voices with: narrate voices --engine tone)"),
    ],
)  # fmt: skip
def test_a_hostile_quote_voice_is_refused_before_synthesis(
    tmp_path: Path, args: list[str], line: str
) -> None:
    path = tmp_path / "review.md"
    path.write_text(QUOTE_REVIEW, encoding="utf-8")
    run = _narrate(["read", str(path), "-o", str(tmp_path / "x.mp3"),
                    "--cache-dir", str(tmp_path / "c"), *args], tmp_path)  # fmt: skip
    assert run.returncode != 0
    assert run.stderr.strip().splitlines()[-1] == line
    assert not (tmp_path / "x.mp3").exists()
    assert not any((tmp_path / "c").rglob("*.wav")) if (tmp_path / "c").exists() else True


def test_piper_quote_voice_auto_without_a_second_voice(tmp_path: Path) -> None:
    pytest.importorskip("piper")
    path = tmp_path / "review.md"
    path.write_text(QUOTE_REVIEW, encoding="utf-8")
    run = _narrate(["read", str(path), "-o", str(tmp_path / "x.mp3"), "--engine", "piper",
                    "--quote-voice", "auto", "--cache-dir", str(tmp_path / "c")],
                   tmp_path)  # fmt: skip
    assert run.returncode != 0
    assert run.stderr.strip().splitlines()[-1] == (
        "Error: --quote-voice auto: no second installed Piper voice speaks en_US language of "
        "en_US-joe-medium; name one with --quote-voice PATH.onnx"
    )


def test_plan_json_shows_the_language(tmp_path: Path) -> None:
    path = tmp_path / "review.md"
    path.write_text(QUOTE_REVIEW, encoding="utf-8")
    run = _narrate(["plan", str(path), "--json"], tmp_path)
    assert json.loads(run.stdout)["language"] == "en"


def test_a_document_of_sentences_no_voice_reads_is_refused(tmp_path: Path) -> None:
    pytest.importorskip("piper")
    doc = Document("T", (Segment(0, "t", "Ελλάδα", (Sentence("Ελλάδα", "Ελλάδα"),)),),
                   source="greek.txt")  # fmt: skip
    from narrate.errors import InputError

    with pytest.raises(InputError) as err:
        narrate(doc, tmp_path / "g.mp3", Settings(voice=VoiceSettings(engine="piper"),
                                                  cache_dir=tmp_path / "c"))  # fmt: skip
    assert str(err.value) == (
        "greek.txt: nothing left to narrate: no voice of piper reads its script"
    )


def test_piper_quote_voice_auto_takes_the_next_speaker(tmp_path: Path) -> None:
    """A multi-speaker voice with no second voice of its language: the next speaker."""
    pytest.importorskip("piper")
    from narrate.engines import piper_engine as pe
    from narrate.errors import UnknownVoiceError

    joe = pe.resolve_voice(None)
    model = tmp_path / "duo.onnx"
    model.symlink_to(joe.model)
    config = dict(joe.config, num_speakers=2, speaker_id_map={"a": 0, "b": 1})
    Path(f"{model}.json").write_text(json.dumps(config), encoding="utf-8")
    engine = pe.PiperEngine(VoiceSettings(engine="piper", voice=str(model)))
    assert engine.quote_voice(str(model)) == f"{model}#1"
    assert engine.find_voice(f"{model}#1").id == f"{model}#1"
    with pytest.raises(UnknownVoiceError) as err:
        engine.find_voice(f"{model}#2")
    assert str(err.value) == f"voice duo has 2 speaker(s): '{model}#2' names speaker 2"
    before = engine.version()
    engine.use_voice(f"{model}#1")
    assert engine.version() == before.replace("/speaker=None/", "/speaker=1/")
    engine.use_voice(str(model))
    assert engine.version() == before


def test_piper_quote_voice_names_a_speaker_the_voice_lacks(tmp_path: Path) -> None:
    pytest.importorskip("piper")
    path = tmp_path / "review.md"
    path.write_text(QUOTE_REVIEW, encoding="utf-8")
    run = _narrate(["read", str(path), "-o", str(tmp_path / "x.mp3"), "--engine", "piper",
                    "--quote-voice", "en_US-joe-medium#1", "--cache-dir", str(tmp_path / "c")],
                   tmp_path)  # fmt: skip
    assert run.returncode != 0
    assert run.stderr.strip().splitlines()[-1] == (
        "Error: --quote-voice: voice en_US-joe-medium has 1 speaker(s): "
        "'en_US-joe-medium#1' names speaker 1"
    )


_WORDS = {
    "LATIN": ["film", "song", "opens", "with", "and", "the", "album", "closes"],
    "ARABIC": ["گل", "گلدون", "من", "آهنگ"],
    "GREEK": ["Ο", "Θίασος", "Ελλάδα"],
    "CYRILLIC": ["Андрей", "Рублёв", "фильм"],
    "HEBREW": ["שיר", "ישן"],
}


@pytest.fixture(scope="module")
def espeak_engine():
    with create_engine(VoiceSettings()) as engine:
        yield engine


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(sorted(_WORDS)).flatmap(
    lambda script: st.tuples(st.just(script), st.sampled_from(_WORDS[script]))),
    min_size=1, max_size=12))  # fmt: skip
def test_no_word_is_lost_or_read_by_a_voice_that_cannot(espeak_engine, words) -> None:
    """Random sentences mixing Latin words with Farsi, Greek, Russian and Hebrew ones: the
    pieces hold every word once, in order, each read by a voice for its script."""
    from narrate.casting import give_foreign_spans
    from narrate.engines.base import scripts_for_language

    speech = " ".join(w for _, w in words) + "."
    doc = Document("T", (Segment(0, "t", speech, (Sentence(speech, speech),)),))
    pieces = give_foreign_spans(espeak_engine, doc).segments[0].sentences
    said = [w for p in pieces for w in p.speech.rstrip(".").split()]
    assert said == [w for _, w in words]
    languages = {v.id: v.languages[0] for v in espeak_engine.voices()}
    for piece in pieces:
        scripts = {s for s in map(script_of, piece.speech) if s}
        if piece.voice is None:
            assert scripts <= {"LATIN"}
        else:
            assert scripts <= scripts_for_language(languages[piece.voice])
    assert pieces[0].display == speech and all(p.display == "" for p in pieces[1:])


def test_piper_reads_quotes_with_a_second_voice_file(tmp_path: Path) -> None:
    """Piper loads the second voice beside the first and switches per sentence."""
    pytest.importorskip("piper")
    from narrate.engines import piper_engine as pe

    joe = pe.resolve_voice(None)
    model = tmp_path / "quoter.onnx"
    model.symlink_to(joe.model)
    Path(f"{model}.json").write_text(json.dumps(joe.config), encoding="utf-8")
    path = tmp_path / "review.md"
    path.write_text(QUOTE_REVIEW, encoding="utf-8")
    settings = Settings(voice=VoiceSettings(engine="piper", quote_voice=str(model)),
                        transcripts=("vtt",), cache_dir=tmp_path / "c")  # fmt: skip
    doc = load_document(path, settings)
    out = tmp_path / "review.mp3"
    with create_engine(settings.voice) as engine:
        result = narrate(doc, out, settings, engine=engine)
        audio = AudioSettings()
        narrator_key = clip_key(engine, "Quoted words arrive here.", audio)
        engine.use_voice(str(model))
        quote_key = clip_key(engine, "Quoted words arrive here.", audio)
    assert narrator_key != quote_key
    store = ClipStore(tmp_path / "c")
    assert store.path_for(quote_key).exists() and not store.path_for(narrator_key).exists()
    assert result.clips_synthesized == 5
    vtt = out.with_suffix(".vtt").read_text(encoding="utf-8")
    assert vtt.count("<v Quote>") == 2 and vtt.count("<v Narrator>") == 3
    assert ID3(out)[f"TXXX:{TXXX_VOICE}"].text == ["en_US-joe-medium"]
