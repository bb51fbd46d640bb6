"""The ``statesync`` command: a thin shell over the library; the only place that exits."""

from __future__ import annotations

from typing import Any

import click

from statesync import __version__
from statesync.cli.apply_cmds import apply, jobs
from statesync.cli.demo_cmds import demo
from statesync.cli.emulator_cmds import emulator
from statesync.cli.options import as_click_error
from statesync.cli.plan_cmds import plan, show
from statesync.cli.specs_cmds import schema, validate
from statesync.cli.state_cmds import force_unlock, history, state
from statesync.errors import StatesyncError


class StatesyncGroup(click.Group):
    """The command group whose commands report statesync errors as messages with exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except StatesyncError as exc:
            raise as_click_error(exc) from exc


@click.group(
    cls=StatesyncGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, prog_name="statesync")
def main() -> None:
    """Declarative, desired-state sync of investor records to SEI's KYC API.

    Keep every investor as a YAML spec in git; `statesync plan` shows which fields of which
    investors will change, `statesync apply` sends the minimal change per investor to SEI,
    follows each job to its end and records everything in the ledger.
    """


main.add_command(validate)
main.add_command(schema)
main.add_command(plan)
main.add_command(show)
main.add_command(apply)
main.add_command(jobs)
main.add_command(state)
main.add_command(history)
main.add_command(force_unlock)
main.add_command(emulator)
main.add_command(demo)
