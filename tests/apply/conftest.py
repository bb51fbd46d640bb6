"""Fixtures of the apply suite: a fresh state and specs directory per test, no developer env."""

from __future__ import annotations

from pathlib import Path

import pytest

from statesync.emulator.process import RunningEmulator
from statesync.remote.config import Environment

from .support import body, write_config, write_specs


@pytest.fixture(autouse=True)
def _no_developer_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("STATESYNC_STATE", "STATESYNC_STATE_KEY", "STATESYNC_ENV"):
        monkeypatch.delenv(name, raising=False)
    for name in ("STATESYNC_APP_KEY", "STATESYNC_APP_SECRET", "NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def state_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'state.db'}"


@pytest.fixture
def specs(tmp_path: Path) -> Path:
    return tmp_path / "specs"


@pytest.fixture
def workdir(
    tmp_path: Path,
    emulator: RunningEmulator,
    emulator_env: Environment,
    monkeypatch: pytest.MonkeyPatch,
) -> Path:
    """The working directory: a specs repo aimed at the test emulator, two investors, the state
    in ./state.db."""
    write_specs(tmp_path / "specs", [body("INV-1001"), body("INV-1002")])
    write_config(tmp_path, emulator_env)
    monkeypatch.chdir(tmp_path)
    return tmp_path
