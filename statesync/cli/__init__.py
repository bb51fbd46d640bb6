"""The ``statesync`` command: a thin shell over the library; the only place that exits."""

from __future__ import annotations

import click

from statesync import __version__
from statesync.cli.specs_cmds import schema, validate


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="statesync")
def main() -> None:
    """Declarative, desired-state sync of investor records to SEI's KYC API.

    Keep every investor as a YAML spec in git; `statesync plan` shows which fields of which
    investors will change, `statesync apply` sends the minimal change per investor to SEI,
    follows each job to its end and records everything in the ledger.
    """


main.add_command(validate)
main.add_command(schema)
