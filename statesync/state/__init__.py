"""The state and the ledger: what statesync believes SEI holds, and everything it ever did.

Both live in one SQLAlchemy database: ``state.db`` (SQLite) in the working directory unless
``--state URL`` / ``STATESYNC_STATE`` names another, PostgreSQL included.
"""

from __future__ import annotations

import os

from statesync.state.db import create_file, make_engine, normalise_url, sqlite_path
from statesync.state.protocols import (
    FullState,
    LedgerReader,
    LedgerWriter,
    StateLocker,
    StateReader,
    StateWriter,
)
from statesync.state.provenance import git_commit
from statesync.state.records import (
    ChangeRecord,
    ChangeStatus,
    Failure,
    HistoryEntry,
    LockInfo,
    RunRecord,
    StoredResource,
)
from statesync.state.store import RELEASE, StateStore

STATE_ENV = "STATESYNC_STATE"
DEFAULT_URL = "sqlite:///state.db"


def open_state(url: str | None = None) -> StateStore:
    """Open the state at ``url`` (else ``STATESYNC_STATE``, else ``state.db`` here).

    A new SQLite file is created readable by its owner only; the schema is created or
    upgraded; a database written by a newer statesync is refused.
    """
    parsed = normalise_url(url or os.environ.get(STATE_ENV) or DEFAULT_URL)
    path = sqlite_path(parsed)
    if path is not None:
        create_file(path)
    engine = make_engine(parsed)
    try:
        return StateStore(engine, path)
    except BaseException:
        engine.dispose()
        raise


__all__ = [
    "DEFAULT_URL",
    "RELEASE",
    "STATE_ENV",
    "ChangeRecord",
    "ChangeStatus",
    "Failure",
    "FullState",
    "HistoryEntry",
    "LedgerReader",
    "LedgerWriter",
    "LockInfo",
    "RunRecord",
    "StateLocker",
    "StateReader",
    "StateStore",
    "StateWriter",
    "StoredResource",
    "git_commit",
    "open_state",
]
