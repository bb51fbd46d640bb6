"""``statesync plan`` and ``statesync show``: what applying the specs would change."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.console import Console

from statesync import api
from statesync.cli.options import color_option, state_option
from statesync.plans import Plan, load_plan, save_plan
from statesync.views import plan_to_json, render_markdown, render_text

FORMATS = ("text", "markdown", "json")


def render(plan: Plan, output: str, *, color: bool = True) -> None:
    """Print a plan in one of the views; text goes through rich (no colour when piped)."""
    if output == "json":
        click.echo(json.dumps(plan_to_json(plan), indent=2, ensure_ascii=False))
    elif output == "markdown":
        click.echo(render_markdown(plan))
    else:
        console = Console(highlight=False, soft_wrap=True, no_color=not color or None)
        console.print(render_text(plan))


format_option = click.option(
    "--format",
    "output",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="text for a terminal, markdown for a pull-request comment, json for tools.",
)


@click.command()
@click.argument("specs_dir", default="specs", type=click.Path(path_type=Path))
@state_option
@format_option
@color_option
@click.option(
    "--target",
    "targets",
    multiple=True,
    metavar="EXTERNAL_ID",
    help="Plan only this resource (repeatable).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Save the plan to FILE for `statesync apply FILE` (mode 0600: it holds real values).",
)
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 0 when nothing changes, 2 when there are changes, 1 on error.",
)
def plan(
    specs_dir: Path,
    state_url: str | None,
    output: str,
    no_color: bool,
    targets: tuple[str, ...],
    out: Path | None,
    detailed_exitcode: bool,
) -> None:
    """Show which fields of which investors applying SPECS_DIR (default: specs/) would change.

    Nothing is sent to SEI. The plan is recorded in the ledger as a run.
    """
    result = api.plan(specs_dir, state_url=state_url, targets=targets)
    if out is not None:
        save_plan(result, out)
    render(result, output, color=not no_color)
    if out is not None:
        click.echo(
            f"\nSaved the plan to {out}; apply exactly it with: statesync apply {out}", err=True
        )
    if detailed_exitcode and result.has_changes:
        sys.exit(2)


@click.command()
@click.argument("plan_file", type=click.Path(dir_okay=False, path_type=Path))
@format_option
@color_option
def show(plan_file: Path, output: str, no_color: bool) -> None:
    """Show a saved plan as `statesync plan` would."""
    result = load_plan(plan_file)
    render(result, output, color=not no_color)
