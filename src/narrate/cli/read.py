"""``narrate read`` and ``narrate plan``: one review."""

from __future__ import annotations

import json
from contextlib import ExitStack
from pathlib import Path

import click

from ..atomic import remove_stale_temporaries
from ..settings import Settings
from .app import cli
from .format import minutes, plural
from .options import DEFAULT_OUT_DIR, narration_options, source_path
from .progress import read_progress


@cli.command()
@click.argument("review", required=False, metavar="[REVIEW]")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="MP3 to write [default: audio/<slug-of-title>.mp3].",
)
@click.option("--title", help="Title [default: from the review or its file name].")
@click.option(
    "--json", "as_json", is_flag=True, help="Print path, duration, chapters, tags as JSON."
)
@click.option("--check", "audit_after", is_flag=True,
              help="Audit the MP3 against the profile (as narrate check does); a failed check "
                   "keeps the file and exits with 1.")  # fmt: skip
@narration_options
@click.pass_context
def read(ctx: click.Context, review: str | None, output: Path | None, title: str | None,
         as_json: bool, audit_after: bool, settings: Settings) -> None:  # fmt: skip
    """Narrate REVIEW (a .txt, .md or .html file, or - for stdin) into one MP3.

    With no REVIEW, narrates the bundled sample review.
    """
    from ..pipeline import narrate, output_name
    from ..segment import load_document
    from ..tags import read_tags, tags_as_dict

    settings = settings.with_overrides(tags={"title": title})
    with ExitStack() as stack:
        doc = load_document(source_path(stack, review), settings, title=title)
    target = output or DEFAULT_OUT_DIR / output_name(doc.title)
    # What a killed earlier run left beside the target (never a live process's file).
    remove_stale_temporaries(target.parent, older_than=24 * 3600)
    with read_progress(ctx.obj["quiet"]) as on_clip:  # a bar only for a person at a terminal
        result = narrate(doc, target, settings, on_clip=on_clip)
    if as_json:
        info = tags_as_dict(read_tags(result.output))
        click.echo(json.dumps({
            "path": str(result.output),
            "duration": round(result.duration, 3),
            "chapters": [
                {"title": c.title, "start": round(c.start, 3), "end": round(c.end, 3)}
                for c in result.timeline.chapters
            ],
            "tags": info,
            "side_files": [str(p) for p in result.side_files],
            "clips": {"synthesized": result.clips_synthesized, "cached": result.clips_cached},
            "profile": settings.audio.profile,
            "loudness": result.delivery.measured.as_dict() if result.delivery else None,
        }, ensure_ascii=False, indent=2))  # fmt: skip
    else:
        click.echo(str(result.output))
    if not ctx.obj["quiet"]:
        click.echo(
            f"{result.title}: {minutes(result.duration)} ({result.duration:.1f} s), "
            f"{plural(result.chapters, 'chapter')} -> {result.output}",
            err=True,
        )
    if audit_after:
        from .check import audit_own_output

        if not audit_own_output(result.output, settings, quiet=ctx.obj["quiet"]):
            ctx.exit(1)


@cli.command()
@click.argument("review", required=False, metavar="[REVIEW]")
@click.option("--title", help="Title [default: from the review or its file name].")
@click.option("--json", "as_json", is_flag=True,
              help="Machine-readable output: the chapters with their speech, and the post's "
                   "metadata.")  # fmt: skip
@click.option("--speech", "as_speech", is_flag=True,
              help="Print exactly what the engine will be given: one sentence a line, "
                   "chapter by chapter.")  # fmt: skip
@narration_options
def plan(review: str | None, title: str | None, as_json: bool, as_speech: bool,
         settings: Settings) -> None:  # fmt: skip
    """Show the segments REVIEW becomes, without synthesizing anything."""
    from ..segment import load_document
    from ..segment.plan import plan_metadata, plan_rows, speech_text

    with ExitStack() as stack:
        doc = load_document(source_path(stack, review), settings, title=title)
    rows = plan_rows(doc, settings)
    if as_json:
        click.echo(json.dumps({"title": doc.title, "language": doc.language,
                               "metadata": plan_metadata(doc, settings), "segments": rows},
                              ensure_ascii=False, indent=2))  # fmt: skip
        return
    if as_speech:
        click.echo(speech_text(doc))
        return
    click.echo(f"# {doc.title}")
    click.echo(f"{'#':>3}  {'sentences':>9}  {'chars':>6}  {'est.':>6}  title")
    for r in rows:
        click.echo(
            f"{r['index']:>3}  {r['sentences']:>9}  {r['chars']:>6}  "
            f"{minutes(r['est_seconds']):>6}  {r['title']}"
        )
    total = sum(r["est_seconds"] for r in rows)
    click.echo(f"total: {plural(len(rows), 'chapter')}, about {minutes(total)}")
