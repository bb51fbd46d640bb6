"""``statesync apply``, ``statesync demo`` and saved plans as a person runs them: on a pipe (log
lines, --auto-approve required; in process through CliRunner, which is no terminal either) and
as real processes on a pseudo-terminal (the question, the bar) and for the demo."""

from __future__ import annotations

import itertools
import json
import os
import pty
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from statesync.cli import main
from statesync.emulator.process import RunningEmulator
from statesync.state import open_state
from statesync.state import schema as t

from .support import (
    CLI,
    REPO,
    accepted_counts,
    body,
    cli,
    environ,
    mismatches,
    run,
    write_specs,
)

pytestmark = pytest.mark.e2e

RUN_ID = re.compile(r"Run ([0-9a-f-]{36})")


def on_a_terminal(cwd: Path, *args: str, answer: str, timeout: float = 60) -> tuple[int, str]:
    """Run ``statesync`` with a pseudo-terminal for stdin and stdout; type ``answer``."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [*CLI, *args],
        cwd=cwd,
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env={**environ(), "TERM": "xterm", "COLUMNS": "120"},
    )
    os.close(follower)
    os.write(leader, answer.encode() + b"\n")
    chunks: list[bytes] = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: every holder of the terminal's other end has exited
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return process.wait(timeout=timeout), b"".join(chunks).decode("utf-8", "replace")


def test_apply_without_a_terminal_needs_auto_approve(
    workdir: Path, emulator: RunningEmulator
) -> None:
    result = CliRunner().invoke(main, ["apply"], input="yes\n")

    assert result.exit_code == 2
    assert "--auto-approve" in result.stderr
    assert emulator.admin.received() == []


@pytest.mark.parametrize("answer", ["no", "y"])
def test_any_answer_but_yes_cancels_with_nothing_sent(
    workdir: Path, emulator: RunningEmulator, answer: str
) -> None:
    code, output = on_a_terminal(workdir, "apply", answer=answer)

    assert code == 0, output
    assert "Do you want to apply these changes?" in output
    assert "Apply cancelled; nothing was sent." in output
    assert emulator.admin.received() == []
    with open_state(f"sqlite:///{workdir / 'state.db'}") as store:
        (run,) = [r for r in store.runs() if r.operation == "apply"]
        assert run.outcome == "cancelled"


def test_yes_on_a_terminal_applies_with_a_progress_bar(
    workdir: Path, emulator: RunningEmulator
) -> None:
    code, output = on_a_terminal(workdir, "apply", answer="yes")

    assert code == 0, output
    assert "Applying" in output and "completed 2" in output
    assert "\x1b[" in output, "a terminal gets the live bar's control codes"
    assert accepted_counts(emulator) == {"INV-1001": 1, "INV-1002": 1}


def test_auto_approve_prints_log_lines_the_summary_and_the_run_id(
    workdir: Path, emulator: RunningEmulator
) -> None:
    result = run("apply", "--auto-approve")

    assert result.exit_code == 0, result.stdout + result.stderr
    out = result.stdout
    assert "\x1b[" not in out, "no terminal: no control codes, no progress bar"
    assert "Applying 2 change(s)…" in out
    assert re.search(r"^Investor INV-1001: sent \(adopt\), job \S+$", out, re.M)
    assert re.search(r"^Investor INV-1002: completed$", out, re.M)
    assert "Apply finished: 2 completed, 0 failed, 0 unknown, 0 released." in out
    assert "900-" not in out + result.stderr, "a tax id reached the output"
    match = RUN_ID.search(out)
    assert match
    with open_state(f"sqlite:///{workdir / 'state.db'}") as store:
        (applied,) = [r for r in store.runs() if r.operation == "apply"]
    assert applied.id == match.group(1) and applied.outcome == "completed"
    assert mismatches(emulator, workdir / "specs") == {}

    again = run("apply", "--auto-approve")
    assert again.exit_code == 0
    assert "No changes. Investor records match the specs." in again.stdout


def test_a_failed_job_exits_one_and_the_next_plan_shows_a_retry(
    workdir: Path, emulator: RunningEmulator
) -> None:
    emulator.admin.fault(
        "job", outcome="fail", message="Missing W-9 on file", path="/v1/investors/INV-1002"
    )

    result = run("apply", "--auto-approve")

    assert result.exit_code == 1, result.stdout + result.stderr
    assert "Investor INV-1002: FAILED: Missing W-9 on file" in result.stdout
    assert "Apply finished: 1 completed, 1 failed" in result.stdout
    match = RUN_ID.search(result.stdout)
    assert match

    plan = run("plan", "--no-color")

    assert plan.exit_code == 0, plan.stderr
    assert f"retry: the last attempt failed in run {match.group(1)}" in plan.stdout
    assert "Missing W-9 on file" in plan.stdout
    assert "INV-1001" not in plan.stdout


def test_a_saved_plan_applies_exactly_its_changes(workdir: Path, emulator: RunningEmulator) -> None:
    assert run("plan", "--out", "plan.json").exit_code == 0
    # Specs that move on after the plan was saved do not change what it applies.
    write_specs(workdir / "specs", [body("INV-1001"), body("INV-1002"), body("INV-1003")])

    result = run("apply", "plan.json")

    assert result.exit_code == 0, result.stdout + result.stderr
    assert accepted_counts(emulator) == {"INV-1001": 1, "INV-1002": 1}
    plan = run("plan", "--format", "json")
    actions = {r["externalId"]: r["action"] for r in json.loads(plan.stdout)["resources"]}
    assert actions == {"INV-1001": "noop", "INV-1002": "noop", "INV-1003": "adopt"}


def test_a_saved_plan_is_refused_once_the_state_moved(
    workdir: Path, emulator: RunningEmulator
) -> None:
    assert run("plan", "--out", "plan.json").exit_code == 0
    assert run("apply", "--auto-approve", "--target", "INV-1001").exit_code == 0

    result = run("apply", "plan.json")

    assert result.exit_code == 1
    assert "the saved plan is stale" in result.stderr
    assert "statesync plan --out FILE" in result.stderr
    assert accepted_counts(emulator) == {"INV-1001": 1}


def test_a_saved_plan_of_another_state_is_refused(workdir: Path, emulator: RunningEmulator) -> None:
    assert run("plan", "--out", "plan.json").exit_code == 0

    result = run("apply", "plan.json", "--state", f"sqlite:///{workdir / 'other.db'}")

    assert result.exit_code == 1
    assert "made against another state" in result.stderr
    assert emulator.admin.received() == []


def test_a_saved_plan_of_an_incompatible_version_is_refused(
    workdir: Path, emulator: RunningEmulator
) -> None:
    assert run("plan", "--out", "plan.json").exit_code == 0
    saved = json.loads((workdir / "plan.json").read_text())
    saved["tool_version"] = "99.0.0"
    (workdir / "plan.json").write_text(json.dumps(saved))

    result = run("apply", "plan.json")

    assert result.exit_code == 1
    assert "was made by statesync 99.0.0" in result.stderr
    assert emulator.admin.received() == []


def test_the_demo_runs_to_the_end_and_leaves_nothing_to_do(tmp_path: Path) -> None:
    shutil.copytree(REPO / "specs", tmp_path / "specs")

    result = cli(tmp_path, "demo", timeout=120)

    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "state.db").exists()
    assert "No changes. Investor records match the specs." in result.stdout
    assert "statesync history" in result.stdout
    # The ledger the demo left is read as any other: a second plan finds nothing to change.
    again = cli(tmp_path, "plan", "--detailed-exitcode")
    assert again.returncode == 0, again.stdout + again.stderr


def test_rate_limit_and_parallelism_flags_pace_the_requests(
    workdir: Path, emulator: RunningEmulator
) -> None:
    result = run("apply", "--auto-approve", "--rate-limit", "10", "--parallelism", "1")

    assert result.exit_code == 0, result.stdout + result.stderr
    engine = sa.create_engine(f"sqlite:///{workdir / 'state.db'}")
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(t.requests.c.at, t.requests.c.latency_ms).order_by(t.requests.c.id)
        ).all()
    engine.dispose()
    assert len(rows) >= 5  # a token, two PATCHes, a poll each
    starts = sorted(r.at.timestamp() - r.latency_ms / 1000 for r in rows)
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert min(gaps) >= 0.1 - 0.05, gaps  # unpaced, they are milliseconds apart
