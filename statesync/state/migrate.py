"""Bring a state database to the schema this code knows, and refuse one that is newer."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from statesync.errors import StateError

MIGRATIONS = Path(__file__).parent / "migrations"
_MIGRATION_LOCK_KEY = 0x53544155


def _config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head() -> str:
    """The newest revision this code ships."""
    heads = ScriptDirectory(str(MIGRATIONS)).get_heads()
    assert len(heads) == 1, f"migrations must form one line, found heads {heads}"
    return heads[0]


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at; ``None`` for an empty database."""
    return MigrationContext.configure(connection).get_current_revision()


def migrate(connection: Connection, revision: str = "head") -> None:
    """Upgrade to ``revision`` inside the caller's transaction.

    A database at a revision this code does not know was written by a newer statesync:
    reading it with older code could drop what it does not understand, so it is refused.
    """
    if connection.dialect.name == "postgresql":
        # Two processes opening a new database must not both create its tables (SQLite's
        # immediate transaction already serialises them).
        connection.execute(sa.select(sa.func.pg_advisory_xact_lock(_MIGRATION_LOCK_KEY)))
    script = ScriptDirectory(str(MIGRATIONS))
    current = current_revision(connection)
    known = {rev.revision for rev in script.walk_revisions()}
    if current is not None and current not in known:
        raise StateError(
            f"the state database is at schema revision {current}, newer than this statesync "
            f"knows (up to {head()}): upgrade statesync to read it"
        )
    command.upgrade(_config(connection), revision)
