"""Apply as an adversarial user runs it: flags that must not be ignored, SEI unreachable."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result

from statesync import api
from statesync.cli import main
from statesync.emulator.process import RunningEmulator, free_port
from statesync.remote.config import Environment
from statesync.state import open_state
from statesync.state import schema as t

from .support import body, write_config, write_specs

pytestmark = pytest.mark.e2e


@pytest.fixture
def workdir(
    tmp_path: Path,
    emulator: RunningEmulator,
    emulator_env: Environment,
    monkeypatch: pytest.MonkeyPatch,
) -> Path:
    """A specs repo aimed at the test emulator, two investors, the state in ./state.db."""
    write_specs(tmp_path / "specs", [body("INV-1001"), body("INV-1002")])
    write_config(tmp_path, emulator_env)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


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
