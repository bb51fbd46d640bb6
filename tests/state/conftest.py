"""State backends for tests: SQLite always, PostgreSQL when STATESYNC_TEST_POSTGRES_URL is set."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from statesync.state import FullState, open_state

POSTGRES_URL = os.environ.get("STATESYNC_TEST_POSTGRES_URL")
TEST_KEY = "test-key-0123456789abcdef"


def _empty_postgres(url: str) -> str:
    """Drop everything in the test database's public schema, so each test starts empty."""
    engine = sa.create_engine(sa.make_url(url).set(drivername="postgresql+psycopg"))
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()
    return url


@pytest.fixture(autouse=True)
def _no_state_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The developer's own state settings must not leak into tests."""
    monkeypatch.delenv("STATESYNC_STATE", raising=False)
    monkeypatch.delenv("STATESYNC_STATE_KEY", raising=False)


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param(
            "postgres",
            marks=[
                pytest.mark.postgres,
                pytest.mark.skipif(
                    POSTGRES_URL is None, reason="STATESYNC_TEST_POSTGRES_URL unset"
                ),
            ],
        ),
    ]
)
def state_url(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> str:
    """An empty state database on each backend (PostgreSQL needs its key from the environment)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'state.db'}"
    assert POSTGRES_URL is not None
    monkeypatch.setenv("STATESYNC_STATE_KEY", TEST_KEY)
    return _empty_postgres(POSTGRES_URL)


@pytest.fixture
def store(state_url: str) -> Iterator[FullState]:
    """An open state on each backend, typed as the full contract the conformance suite checks."""
    with open_state(state_url) as opened:
        yield opened
