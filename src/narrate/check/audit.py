"""``audit``: hold one finished MP3 to a profile, check by check."""

from __future__ import annotations

from pathlib import Path

from ..profiles import REQUIRED_TAGS, Profile
from ..tags import read_tags
from .chapters import chapter_problems
from .level import measure_levels
from .model import FAIL, INFO, PASS, FileReport, Finding, verdict, within
from .stream import probe, scan_frames


def _db(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    return f"-inf {unit}" if value <= -120 else f"{value:.1f} {unit}"


def _range(lo: float | None, hi: float | None, unit: str) -> str:
    if lo is not None and hi is not None:
        return f"{lo:g} .. {hi:g} {unit}"
    if hi is not None:
        return f"<= {hi:g} {unit}"
    return f">= {lo:g} {unit}" if lo is not None else ""


def _finding(check: str, value: float, shown: str, lo: float | None, hi: float | None,
             unit: str) -> Finding:  # fmt: skip
    if lo is None and hi is None:
        return Finding(check, shown, "", INFO)
    return Finding(check, shown, _range(lo, hi, unit), verdict(within(value, lo, hi)))


def format_findings(path: Path, profile: Profile) -> tuple[list[Finding], float, int]:
    """Codec, sample rate, channels, bitrate, duration: (findings, duration, rate)."""
    p = probe(path)
    frames = scan_frames(path)
    out = [
        Finding("codec", p.codec or "?", "mp3", verdict(p.codec == "mp3")),
        Finding("sample rate", f"{p.sample_rate} Hz", f"{profile.sample_rate} Hz",
                verdict(p.sample_rate == profile.sample_rate)),
        Finding("channels", {1: "mono", 2: "stereo"}.get(p.channels, str(p.channels)),
                "mono" if profile.channels == 1 else "stereo",
                verdict(p.channels == profile.channels)),
    ]  # fmt: skip
    mode = frames.mode
    shown = f"{mode} {frames.kbps:.0f} kbps" if mode == "CBR" else (
        f"{mode} {min(frames.bitrates)}-{max(frames.bitrates)} kbps, mean {frames.kbps:.0f}"
        if frames.bitrates else "no MPEG audio frames")  # fmt: skip
    ok = mode == "CBR" and round(frames.kbps) == profile.bitrate_kbps
    detail = "" if ok else (
        f"{len(frames.bitrates)} different frame bitrates" if len(frames.bitrates) > 1
        else "a Xing (VBR) header" if frames.tag == "Xing" else "")  # fmt: skip
    out.append(Finding("bitrate", shown, f"CBR {profile.bitrate_kbps} kbps", verdict(ok), detail))
    hi = profile.max_duration
    out.append(Finding("duration", f"{p.duration:.2f} s", f"<= {hi / 60:g} min" if hi else "> 0 s",
                       verdict(p.duration > 0 and (hi is None or p.duration <= hi))))  # fmt: skip
    return out, p.duration, p.sample_rate


def level_findings(path: Path, profile: Profile, rate: int) -> list[Finding]:
    lv = measure_levels(path, rate)
    m = lv.loudness
    errors = lv.decode_errors
    out = [Finding("decodes cleanly", f"{len(errors)} errors", "0 errors", verdict(not errors),
                   errors[0] if errors else "")]  # fmt: skip
    lufs = profile.lufs or (None, None)
    out.append(_finding("integrated loudness", m.integrated, _db(m.integrated, "LUFS"), *lufs,
                        "LUFS"))  # fmt: skip
    tp = m.true_peak if m.true_peak is not None else 0.0
    out.append(_finding("true peak", tp, _db(tp, "dBTP"), None, profile.true_peak_max, "dBTP"))
    out.append(Finding("loudness range", f"{m.lra:.1f} LU", "", INFO))
    rms = profile.rms or (None, None)
    out.append(_finding("RMS", m.rms, _db(m.rms, "dBFS"), *rms, "dBFS"))
    # A true peak is never below the sample peak: the stricter reading of "peak".
    out.append(_finding("peak", max(tp, m.peak), _db(max(tp, m.peak), "dBFS"), None,
                        profile.peak_max, "dBFS"))  # fmt: skip
    out.append(_finding("noise floor", lv.noise_floor, _db(lv.noise_floor, "dBFS"), None,
                        profile.noise_floor_max, "dBFS"))  # fmt: skip
    head = profile.head_range or (None, None)
    tail = profile.tail_range or (None, None)
    out.append(_finding("head silence", lv.head, f"{lv.head:.2f} s", *head, "s"))
    out.append(_finding("tail silence", lv.tail, f"{lv.tail:.2f} s", *tail, "s"))
    return out


def tag_findings(path: Path, duration: float) -> list[Finding]:
    tags = read_tags(path)
    missing = [name for name in REQUIRED_TAGS if not getattr(tags, name)]
    out = [Finding("required tags", "missing " + ", ".join(missing) if missing else "present",
                   ", ".join(REQUIRED_TAGS), verdict(not missing))]  # fmt: skip
    chapters = chapter_problems(path, duration)
    if chapters.count == 0 and not chapters.problems:
        out.append(Finding("chapters", "none", "", INFO))
    else:
        out.append(Finding("chapters", f"{chapters.count} chapters",
                           "ordered, apart, inside, in CTOC",
                           FAIL if chapters.problems else PASS,
                           "; ".join(chapters.problems)))  # fmt: skip
    return out


def audit(path: Path, profile: Profile) -> FileReport:
    """Every check but the content check, in the order the table shows them."""
    path = Path(path)
    findings, duration, rate = format_findings(path, profile)
    findings += level_findings(path, profile, rate)
    findings += tag_findings(path, duration)
    return FileReport(path, profile.name, tuple(findings))
