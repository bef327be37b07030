"""``narrate profiles``: the delivery profiles and their numbers."""

from __future__ import annotations

import json

import click

from ..profiles import DEFAULT_PROFILE, PROFILES, Profile
from .app import cli


def _range(lo_hi: tuple[float, float] | None, unit: str) -> str | None:
    return f"{lo_hi[0]:g}..{lo_hi[1]:g} {unit}" if lo_hi else None


def profile_lines(p: Profile) -> list[str]:
    """What a profile promises, one fact a line (for people)."""
    facts = [
        f"MP3 {p.sample_rate / 1000:g} kHz, {'mono' if p.channels == 1 else 'stereo'}, "
        f"CBR {p.bitrate_kbps} kbps",
        _range(p.lufs, "LUFS integrated"),
        f"true peak <= {p.true_peak_max:g} dBTP" if p.true_peak_max is not None else None,
        _range(p.rms, "dBFS RMS"),
        f"peak <= {p.peak_max:g} dBFS" if p.peak_max is not None else None,
        f"noise floor <= {p.noise_floor_max:g} dBFS" if p.noise_floor_max is not None else None,
        _range(p.head_range, "s head silence") or f"head {p.head:g} s",
        _range(p.tail_range, "s tail silence") or f"tail {p.tail:g} s",
        f"at most {p.max_duration / 60:g} min" if p.max_duration else None,
    ]
    if p.loudness is None:
        facts.append("no loudness normalization")
    else:
        unit = "LUFS" if p.loudness.measure == "lufs" else "dBFS RMS"
        facts.append(f"normalized to {p.loudness.level:g} {unit}, limiter at "
                     f"{p.loudness.ceiling:g} dBFS")  # fmt: skip
    return [f for f in facts if f]


@cli.command("profiles")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def profiles_command(as_json: bool) -> None:
    """List the delivery profiles (--profile NAME of read, batch and check)."""
    if as_json:
        click.echo(json.dumps({"default": DEFAULT_PROFILE,
                               "profiles": [p.as_dict() for p in PROFILES.values()]},
                              indent=2))  # fmt: skip
        return
    for p in PROFILES.values():
        default = " (default)" if p.name == DEFAULT_PROFILE else ""
        click.echo(f"{p.name}{default}: {p.summary}")
        for line in profile_lines(p):
            click.echo(f"  {line}")
