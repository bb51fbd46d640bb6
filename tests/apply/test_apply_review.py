"""Apply as an adversarial user runs it: flags that must not be ignored, SEI unreachable or
unreadable while an answer is confirmed."""

from __future__ import annotations

import io
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy as sa
from rich.console import Console

from statesync import api
from statesync.apply import ApplyHooks, ApplyOptions
from statesync.demo import run_demo
from statesync.emulator.process import RunningEmulator, free_port
from statesync.remote.config import Environment
from statesync.state import ChangeStatus, open_state
from statesync.state import schema as t

from .support import (
    REPO,
    accepted_counts,
    body,
    mismatches,
    run,
    unfinished,
    write_specs,
)

pytestmark = pytest.mark.e2e


def test_target_with_a_saved_plan_is_refused_and_nothing_is_sent(
    workdir: Path, emulator: RunningEmulator
) -> None:
    assert run("plan", "--out", "plan.json").exit_code == 0

    result = run("apply", "plan.json", "--target", "INV-1001")

    assert result.exit_code == 1
    assert "--target cannot be used with a saved plan" in result.stderr
    assert emulator.admin.received() == []


def test_sei_unreachable_fails_every_change_after_one_round_of_token_retries(
    emulator_env: Environment, state_url: str, specs: Path
) -> None:
    write_specs(specs, [body(f"NEW-{6000 + n}") for n in range(6)])
    down = replace(emulator_env, base_url=f"http://127.0.0.1:{free_port()}", max_attempts=3)

    result = api.apply(specs, state_url=state_url, env=down)

    assert not result.ok
    assert {o.status for o in result.outcomes} == {"failed"}
    assert all("ConnectError" in o.messages[0] for o in result.outcomes)
    engine = sa.create_engine(state_url)
    with engine.connect() as conn:
        tried = conn.execute(sa.select(t.requests.c.path, t.requests.c.status_code)).all()
    engine.dispose()
    # The changes waited on one token request: it was tried max_attempts times, not per change.
    assert tried == [("/v2/oauthtoken", None)] * 3
    with open_state(state_url) as store:
        assert store.resources("Investor") == {}
        assert all(e.job_key is None for e in store.history())
        assert [r.outcome for r in store.runs()] == ["incomplete"]


def test_a_lost_answer_sei_cannot_be_read_for_stays_unknown_and_the_others_complete(
    emulator: RunningEmulator, emulator_env: Environment, state_url: str, specs: Path
) -> None:
    write_specs(specs, [body("INV-1001"), body("INV-1002")])
    # SEI takes INV-1001's PATCH but answers after the client gave up; every read then fails.
    emulator.admin.fault(
        "hang", seconds=1.0, process=True, method="PATCH", path="/v1/investors/INV-1001"
    )
    emulator.admin.fault("status", status=503, count=10_000, method="GET", path="/v1/investors")
    env = replace(emulator_env, read_timeout=0.3, max_attempts=2)

    result = api.apply(specs, state_url=state_url, env=env, options=ApplyOptions(confirm_wait=0.3))

    assert {o.key: o.status for o in result.outcomes} == {
        "INV-1001": "unknown",
        "INV-1002": "completed",
    }
    (lost,) = [o for o in result.outcomes if o.key == "INV-1001"]
    assert "could not be read" in lost.messages[0] and "jobs resume" in lost.messages[0]
    assert unfinished(state_url) == [("INV-1001", ChangeStatus.UNKNOWN)]
    with open_state(state_url) as store:
        assert [r.outcome for r in store.runs()] == ["incomplete"]

    emulator.admin.clear_faults()
    resumed = api.resume_jobs(state_url=state_url, env=env, options=ApplyOptions(confirm_wait=5.0))

    assert [(o.key, o.status) for o in resumed.settled] == [("INV-1001", "completed")]
    assert accepted_counts(emulator) == {"INV-1001": 1, "INV-1002": 1}
    assert mismatches(emulator, specs) == {}


def test_the_demo_uses_the_emulators_credentials_not_those_set_for_sei(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(REPO / "specs", tmp_path / "specs")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("STATESYNC_APP_KEY", "an-sei-app-key")
    monkeypatch.setenv("STATESYNC_APP_SECRET", "an-sei-app-secret")
    console = Console(file=io.StringIO(), width=120)

    ok = run_demo(console, ApplyHooks(), job_delay_ms=0)

    assert ok, console.file.getvalue()
    assert "No changes. Investor records match the specs." in console.file.getvalue()
