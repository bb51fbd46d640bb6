"""The state commands through click's CliRunner: thin, masked, errors as messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from statesync.cli import main
from statesync.errors import StateError
from statesync.kinds import INVESTOR
from statesync.state import ChangeStatus, open_state

DOC = {"name": {"fullName": "Ada Lovelace"}, "primaryTaxId": "123456789", "dob": "12/10/1815"}


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'state.db'}"


@pytest.fixture
def seeded(url: str) -> str:
    """The URL of a state holding one investor and one applied change to it."""
    with open_state(url) as opened:
        run = opened.begin_run("apply", commit="0123456789abcdef", user="alice")
        change = opened.record_change(
            run,
            "Investor",
            "INV-1",
            "update",
            [{"op": "replace", "path": "/primaryTaxId", "value": "•••••6789"}],
        )
        opened.set_change_status(change, ChangeStatus.INTENT)
        opened.record_sent(change, "job-1")
        opened.record_job_status("job-1", "Completed", "batch-7", None, None)
        opened.complete_change(change, INVESTOR, "INV-1", DOC, run)
        opened.end_run(run, "completed")
    return url


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_state_list_shows_each_resource(seeded: str) -> None:
    code, output = run("state", "list", "--state", seeded)
    assert code == 0, output
    header, row = output.splitlines()[:2]
    assert header.split("\t")[:3] == ["KIND", "EXTERNAL ID", "VERSION"]
    assert row.split("\t")[:3] == ["Investor", "INV-1", "1"]


def test_state_url_comes_from_the_environment_too(
    seeded: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STATESYNC_STATE", seeded)
    code, output = run("state", "list")
    assert code == 0 and "INV-1" in output


def test_state_show_masks_sensitive_values(seeded: str) -> None:
    code, output = run("state", "show", "INV-1", "--state", seeded)
    assert code == 0, output
    document = json.loads(output.split("\n", 1)[1])
    assert document == {
        "name": {"fullName": "Ada Lovelace"},
        "primaryTaxId": "(sensitive)",
        "dob": "(sensitive)",
    }
    assert "hmac-sha256" not in output and "123456789" not in output


def test_state_show_of_an_unknown_investor_fails(seeded: str) -> None:
    code, output = run("state", "show", "INV-9", "--state", seeded)
    assert code == 1 and "holds no Investor 'INV-9'" in output


def test_state_rm_forgets_the_investor_and_records_it(seeded: str) -> None:
    code, output = run("state", "rm", "INV-1", "--state", seeded)
    assert code == 0, output
    with open_state(seeded) as after:
        assert after.get("Investor", "INV-1") is None
        assert [r.operation for r in after.runs()] == ["apply", "state rm"]
        assert after.history("INV-1")[-1].action == "release"
    code, output = run("state", "rm", "INV-1", "--state", seeded)
    assert code == 1 and "holds no Investor" in output
    with open_state(seeded) as after:
        assert after.runs()[-1].outcome == "failed"


def test_state_rm_refuses_while_the_state_is_locked(seeded: str) -> None:
    with open_state(seeded) as other, other.lock("apply") as held:
        code, output = run("state", "rm", "INV-1", "--state", seeded)
    assert code == 1
    assert f"statesync force-unlock {held.lock_id}" in output
    with open_state(seeded) as after:
        assert after.get("Investor", "INV-1") is not None


def test_history_text_and_json(seeded: str) -> None:
    code, output = run("history", "INV-1", "--state", seeded)
    assert code == 0, output
    row = output.splitlines()[1].split("\t")
    assert row[1:4] == ["INV-1", "update", "completed (job Completed)"]
    assert row[5:] == ["0123456789ab", "alice", "replace /primaryTaxId = •••••6789"]

    code, output = run("history", "--format", "json", "--state", seeded)
    assert code == 0, output
    [entry] = json.loads(output)
    assert (entry["externalId"], entry["commit"], entry["batchId"]) == (
        "INV-1",
        "0123456789abcdef",
        "batch-7",
    )
    code, output = run("history", "INV-2", "--format", "json", "--state", seeded)
    assert json.loads(output) == []


def test_history_of_an_investor_without_one_says_so(seeded: str) -> None:
    result = CliRunner().invoke(main, ["history", "INV-2", "--state", seeded])
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr == "No change to INV-2 has reached SEI (the ledger holds none).\n"


def test_force_unlock_releases_the_lock(url: str) -> None:
    with open_state(url) as holder:
        lock = holder.lock("apply")
        held = lock.__enter__()
        code, output = run("force-unlock", held.lock_id, "--state", url)
        assert code == 0, output
        assert f"Released lock {held.lock_id}: apply by {held.user}" in output
        code, output = run("force-unlock", held.lock_id, "--state", url)
        assert code == 1 and "the state is not locked" in output
        with pytest.raises(StateError, match="force-unlocked"):
            lock.__exit__(None, None, None)


def test_every_state_command_has_help() -> None:
    for args in (["state", "list"], ["state", "show"], ["state", "rm"], ["history"]):
        code, output = run(*args, "--help")
        assert code == 0 and "--state URL" in output
    code, output = run("force-unlock", "--help")
    assert code == 0 and "crashed" in output


@pytest.mark.parametrize("state_url", ["nope://", "mysql://alice:hunter2@db/state"])
def test_a_state_url_of_an_unsupported_database_is_an_error_not_a_traceback(
    state_url: str,
) -> None:
    result = CliRunner().invoke(main, ["state", "list", "--state", state_url])
    assert result.exit_code == 1, result.output
    assert "Error: cannot use the state URL" in result.output
    assert "the state runs on SQLite or PostgreSQL" in result.output
    assert "hunter2" not in result.output


@pytest.mark.parametrize(
    ("state_url", "shown"),
    [
        ("alice:hunter2@db/state", "alice:***@db/state"),
        ("postgresql://alice:hunter2@db:port/state", "postgresql://alice:***@db:port/state"),
    ],
)
def test_a_malformed_state_url_is_an_error_without_its_password(state_url: str, shown: str) -> None:
    result = CliRunner().invoke(main, ["state", "list", "--state", state_url])
    assert result.exit_code == 1, result.output
    assert result.output == f"Error: not a database URL: {shown!r}\n"
