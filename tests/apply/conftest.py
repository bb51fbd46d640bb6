"""Fixtures of the apply suite: a fresh state and specs directory per test, no developer env."""

from __future__ import annotations

from pathlib import Path

import pytest


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
