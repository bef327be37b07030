"""``narrate check``: audit finished MP3s; one table per file, exit 1 when a check fails."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..profiles import DEFAULT_PROFILE, PROFILES
from ..settings import Settings
from .app import cli

if TYPE_CHECKING:
    from ..check import FileReport

_MARK = {"pass": "pass", "fail": "FAIL", "info": "-", "inconclusive": "inconclusive"}


def report_table(report: FileReport) -> list[str]:
    """The table of one file's checks: check, measured value, limit, result."""
    rows = [("check", "measured", "limit", "result")]
    rows += [(f.check, f.value, f.limit, _MARK[f.status]) for f in report.findings]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = [f"{report.path} (profile {report.profile})"]
    for r in rows:
        lines.append("  " + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False))
                     + "  " + r[3])  # fmt: skip
    for f in report.findings:
        if f.detail and f.status != "pass":
            lines.append(f"  {f.check}: {f.detail}")
    verdict = "ok" if report.ok else f"{len(report.failed)} check(s) failed"
    lines.append(f"  => {verdict}")
    return lines


def audit_own_output(mp3: Path, settings: Settings, *, quiet: bool) -> bool:
    """``read --check``: the profile as the options made it; the table goes to stderr."""
    from ..check import FileReport, audit
    from ..check.content import content_findings, verify_available
    from ..profiles import effective_profile

    report = audit(mp3, effective_profile(settings))
    if verify_available():
        report = FileReport(report.path, report.profile,
                            report.findings + content_findings(mp3, None))  # fmt: skip
    if not quiet or not report.ok:
        for line in report_table(report):
            click.echo(line, err=True)
    return report.ok


def run_checks(paths: list[Path], profile: str, text: Path | None,
               content: bool | None = None) -> list[FileReport]:  # fmt: skip
    """``content``: None checks the words when there is text to check them against."""
    from ..check import FileReport, audit
    from ..profiles import get_profile

    p = get_profile(profile)
    reports = []
    for path in paths:
        report = audit(path, p)
        if content is not False and (text is not None or content or _has_lyrics(path)):
            from ..check.content import content_findings

            report = FileReport(report.path, report.profile,
                                report.findings + content_findings(path, text))  # fmt: skip
        reports.append(report)
    return reports


def _has_lyrics(path: Path) -> bool:
    from ..check.content import verify_available
    from ..tags import read_tags

    return verify_available() and bool(read_tags(path).lyrics)


def print_reports(reports: list[FileReport], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps([r.as_dict() for r in reports], ensure_ascii=False, indent=2))
        return
    for i, report in enumerate(reports):
        if i:
            click.echo("")
        for line in report_table(report):
            click.echo(line)


@cli.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path),
                metavar="FILE.mp3...")
@click.option("--profile", type=click.Choice(list(PROFILES)), default=DEFAULT_PROFILE,
              show_default=True, help="The profile to hold the files to (see: narrate profiles).")
@click.option("--text", type=click.Path(path_type=Path, dir_okay=False), metavar="REVIEW",
              help="The review the audio was made from: check every chapter speaks its "
                   "paragraph [default: the MP3's own lyrics, when narrate[verify] is installed].")
@click.option("--content/--no-content", default=None,
              help="Transcribe every chapter and check its words (some 4 s per minute of "
                   "audio) [default: when there is text to check against].")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def check(ctx: click.Context, files: tuple[Path, ...], profile: str, text: Path | None,
          content: bool | None, as_json: bool) -> None:  # fmt: skip
    """Audit finished MP3s (narrate's or any others) against a delivery profile.

    Prints a table per file: each check, the measured value, the limit and the result.
    Exits with 1 when any check of any file fails.
    """
    if content is False and text is not None:
        raise click.UsageError("--text is the text of the content check: not with --no-content")
    if text is not None or content:
        from ..check.content import require_verify

        require_verify()
    reports = run_checks(list(files), profile, text, content)
    print_reports(reports, as_json)
    if not all(r.ok for r in reports):
        ctx.exit(1)
