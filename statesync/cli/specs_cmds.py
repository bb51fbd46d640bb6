"""``statesync validate`` and ``statesync schema``: the spec language's own commands."""

from __future__ import annotations

import json
from pathlib import Path

import click

from statesync.errors import SpecError
from statesync.kinds import KINDS
from statesync.schema import spec_schema
from statesync.specs import load_specs


@click.command()
@click.argument("specs_dir", default="specs", type=click.Path(path_type=Path))
def validate(specs_dir: Path) -> None:
    """Check every spec under SPECS_DIR (default: specs/) without contacting SEI.

    Exits 0 with a one-line summary when all specs are valid, or 1 with one
    `file:line:column: error: field: message` line per problem on stderr.
    """
    try:
        specs = load_specs(specs_dir)
    except SpecError as exc:
        for diagnostic in exc.diagnostics:
            click.echo(str(diagnostic), err=True)
        count = len(exc.diagnostics)
        click.echo(f"{count} problem{'s' if count != 1 else ''} found in {specs_dir}.", err=True)
        raise SystemExit(1) from None
    noun = "spec" if len(specs.specs) == 1 else "specs"
    click.echo(f"{len(specs.specs)} {noun} in {specs.files} file(s) under {specs_dir} are valid.")


@click.command()
@click.option("--kind", type=click.Choice(sorted(KINDS)), help="Only this kind's document schema.")
def schema(kind: str | None) -> None:
    """Print the JSON Schema of a spec document (for editors and yaml-language-server)."""
    click.echo(json.dumps(spec_schema(kind), indent=2))
