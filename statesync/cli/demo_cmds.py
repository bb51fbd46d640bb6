"""``statesync demo``: the README's first command."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console

from statesync.cli.apply_cmds import hooks_for
from statesync.cli.options import specs_option, state_option
from statesync.demo import DEMO_BOOK, run_demo


@click.command()
@specs_option("The specs to plan and apply.")
@state_option
@click.option(
    "--book",
    default=str(DEMO_BOOK),
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where the emulator keeps its investors between demo runs.",
)
def demo(specs_dir: Path, state_url: str | None, book: Path) -> None:
    """Plan and apply the example specs against a local SEI emulator, end to end.

    Starts the emulator, shows the plan, applies it with a progress bar, plans again to show
    nothing is left, and tells you how to read the ledger. Nothing leaves this machine.
    """
    console = Console(highlight=False, soft_wrap=True)
    ok = run_demo(console, hooks_for(console), specs_dir=specs_dir, state_url=state_url, book=book)
    sys.exit(0 if ok else 1)
