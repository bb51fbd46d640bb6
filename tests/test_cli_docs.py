"""Every command is documented: help text of its own, and a line in the README's tour."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from statesync.cli import main

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, command in sorted(group.commands.items()):
        path = (*prefix, name)
        yield path
        if isinstance(command, click.Group):
            yield from _commands(command, path)


COMMANDS = list(_commands(main))


def test_every_command_is_listed() -> None:
    names = {" ".join(path) for path in COMMANDS}
    expected = {"validate", "schema", "plan", "show", "apply", "jobs resume", "state list"}
    expected |= {"state show", "state rm", "history", "force-unlock", "emulator serve", "demo"}
    assert expected <= names


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    command: click.Command = main
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    assert command.help and len(command.help.strip()) > 20, f"{' '.join(path)} has no help text"


@pytest.mark.parametrize(
    "path", [p for p in COMMANDS if not isinstance(main.commands[p[0]], click.Group) or len(p) > 1]
)
def test_every_command_is_in_the_readme(path: tuple[str, ...]) -> None:
    assert f"statesync {' '.join(path)}" in README, (
        f"README does not show statesync {' '.join(path)}"
    )
