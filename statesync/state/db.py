"""Engines for state URLs, and transactions that surface database failures as StateError."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from statesync.errors import StateError

#: Seconds a SQLite writer waits for another process's transaction before giving up.
SQLITE_BUSY_TIMEOUT = 30.0


def normalise_url(url: str) -> sa.URL:
    """Parse a state URL; plain ``postgresql://`` means psycopg 3, the driver statesync ships."""
    try:
        parsed = sa.make_url(url)
    except (ArgumentError, ValueError):  # ValueError: a port that is no number
        # The URL may carry a password; the message must not.
        shown = re.sub(r":[^:/@]*@", ":***@", url)
        raise StateError(f"not a database URL: {shown!r}") from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def sqlite_path(url: sa.URL) -> Path | None:
    """The file of a SQLite URL; ``None`` for other databases and in-memory SQLite."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def create_file(path: Path) -> None:
    """Create an empty database file readable by its owner only (it holds the ledger)."""
    if not path.parent.is_dir():
        raise StateError(f"cannot create the state database {path}: {path.parent} is no directory")
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        return
    except OSError as exc:
        raise StateError(f"cannot create the state database {path}: {exc}") from exc


def make_engine(url: sa.URL) -> Engine:
    """An engine whose SQLite transactions all begin IMMEDIATE.

    Taking the write lock up front means two processes never both read and then both try to
    write (which SQLite resolves by failing one of them); the second one waits instead.
    """
    if url.get_backend_name() != "sqlite":
        try:
            return sa.create_engine(url)
        except (NoSuchModuleError, ImportError) as exc:
            shown = url.render_as_string(hide_password=True)
            raise StateError(
                f"cannot use the state URL {shown}: the state runs on SQLite or PostgreSQL ({exc})"
            ) from None
    engine = sa.create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT})

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # let the "begin" hook below issue BEGIN
        dbapi_connection.execute("PRAGMA foreign_keys = ON")

    @sa.event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def inserted_id(result: sa.CursorResult[Any]) -> int:
    """The integer primary key an INSERT just made."""
    key = result.inserted_primary_key
    assert key is not None and isinstance(key[0], int)
    return key[0]


class Database:
    """An engine and the one way to use it: short transactions, failures as StateError."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @contextmanager
    def _tx(self) -> Iterator[Connection]:
        try:
            with self._engine.begin() as connection:
                yield connection
        except SQLAlchemyError as exc:
            raise StateError(f"state database error: {exc}") from exc
