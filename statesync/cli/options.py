"""Options and error reporting every command shares, so each reads and behaves the same."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from statesync.errors import SpecError, StatesyncError
from statesync.kinds import KINDS
from statesync.state import STATE_ENV

F = TypeVar("F", bound=Callable[..., Any])


def as_click_error(exc: StatesyncError) -> click.ClickException:
    """A statesync error as the CLI's message (exit 1); spec problems one per line first."""
    if isinstance(exc, SpecError):
        for diagnostic in exc.diagnostics:
            click.echo(str(diagnostic), err=True)
        count = len(exc.diagnostics)
        problems = "1 problem" if count == 1 else f"{count} problems"
        return click.ClickException(f"{problems} in the specs: nothing planned, nothing sent.")
    return click.ClickException(str(exc))


def state_option(command: F) -> F:
    """``--state URL`` (or ``STATESYNC_STATE``): which state database to use."""
    return click.option(
        "--state",
        "state_url",
        metavar="URL",
        envvar=STATE_ENV,
        help="State database URL (default: sqlite:///state.db in the working directory).",
    )(command)


def kind_option(command: F) -> F:
    """``--kind``: the resource kind an external id belongs to."""
    return click.option(
        "--kind",
        "kind_name",
        type=click.Choice(sorted(KINDS)),
        default="Investor",
        show_default=True,
        help="Kind of the resource.",
    )(command)


def specs_option(help: str) -> Callable[[F], F]:
    """``--specs DIR`` (default ``specs``)."""
    return click.option(
        "--specs",
        "specs_dir",
        default="specs",
        show_default=True,
        type=click.Path(path_type=Path),
        help=help,
    )


def lock_timeout_option(command: F) -> F:
    """``--lock-timeout``: how long to wait for another run to release the state lock."""
    return click.option(
        "--lock-timeout",
        type=click.FloatRange(min=0),
        default=0.0,
        show_default=True,
        help="Seconds to wait for the state lock.",
    )(command)


def color_option(command: F) -> F:
    """``--no-color`` (NO_COLOR works too, and piped output has none)."""
    return click.option(
        "--no-color", "no_color", is_flag=True, help="No colours (also: the NO_COLOR variable)."
    )(command)
