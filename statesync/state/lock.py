"""One writer at a time: a lock row on SQLite, an advisory lock on PostgreSQL.

Both record the holder (user, host, pid), the operation and the time, so the process that is
refused can say who holds the lock and how to release it if that holder crashed.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from datetime import UTC, datetime
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from statesync.errors import StateError, StateLockedError
from statesync.state import schema as t
from statesync.state.db import Database
from statesync.state.provenance import current_user
from statesync.state.records import LockInfo

LOCK_NAME = "state"
#: The advisory lock key on PostgreSQL ("STAT"); advisory locks are per database.
ADVISORY_KEY = 0x53544154
_POLL_SECONDS = 0.2


class Locker(Protocol):
    """How a backend takes, releases and breaks the state lock."""

    def acquire(self, operation: str, timeout: float) -> LockInfo: ...

    def release(self, info: LockInfo) -> None: ...

    def force_unlock(self, lock_id: str) -> LockInfo: ...


def _new_lock(operation: str) -> LockInfo:
    return LockInfo(
        lock_id=str(uuid.uuid4()),
        operation=operation,
        user=current_user(),
        host=socket.gethostname(),
        pid=os.getpid(),
        since=datetime.now(UTC),
    )


def _info(row: Any) -> LockInfo:
    return LockInfo(
        lock_id=row.lock_id,
        operation=row.operation,
        user=row.user,
        host=row.host,
        pid=row.pid,
        since=row.since,
    )


def _holder(conn: Connection) -> LockInfo | None:
    row = conn.execute(sa.select(t.locks).where(t.locks.c.name == LOCK_NAME)).first()
    return None if row is None else _info(row)


def locked_error(holder: LockInfo | None, waited: float) -> StateLockedError:
    """The refusal a second writer sees: who holds the lock, and how to recover."""
    waited_text = f" (waited {waited:g}s)" if waited > 0 else ""
    if holder is None:
        return StateLockedError(
            f"the state is locked by another session{waited_text}; try again when it ends"
        )
    since = holder.since.strftime("%Y-%m-%d %H:%M:%S %Z")
    gone = " (that process is no longer running)" if holder.holder_gone() else ""
    return StateLockedError(
        f"the state is locked{waited_text}: {holder.operation} by {holder.user} on "
        f"{holder.host}, pid {holder.pid}{gone}, since {since}, lock id {holder.lock_id}.\n"
        "Wait for it to finish, or pass --lock-timeout to wait. If that run crashed and no "
        "statesync is working on this state, release the lock with:\n"
        f"  statesync force-unlock {holder.lock_id}"
    )


def _no_such_lock(lock_id: str, holder: LockInfo | None) -> StateError:
    held = "the state is not locked" if holder is None else f"the lock is {holder.lock_id}"
    return StateError(f"no lock {lock_id} to release: {held}")


class SqliteLocker(Database):
    """The lock is a row, inserted in an immediate transaction so only one process wins.

    A crashed holder leaves its row behind: ``force_unlock`` removes it.
    """

    def acquire(self, operation: str, timeout: float) -> LockInfo:
        deadline = time.monotonic() + timeout
        while True:
            with self._tx() as conn:
                holder = _holder(conn)
                if holder is None:
                    mine = _new_lock(operation)
                    conn.execute(t.locks.insert().values(name=LOCK_NAME, **vars(mine)))
                    return mine
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise locked_error(holder, timeout)
            time.sleep(min(_POLL_SECONDS, remaining))

    def release(self, info: LockInfo) -> None:
        with self._tx() as conn:
            deleted = conn.execute(t.locks.delete().where(t.locks.c.lock_id == info.lock_id))
        if deleted.rowcount != 1:
            raise StateError(f"lock {info.lock_id} was force-unlocked while this run held it")

    def force_unlock(self, lock_id: str) -> LockInfo:
        with self._tx() as conn:
            holder = _holder(conn)
            if holder is None or holder.lock_id != lock_id:
                raise _no_such_lock(lock_id, holder)
            conn.execute(t.locks.delete().where(t.locks.c.lock_id == lock_id))
        return holder


class PostgresLocker(Database):
    """A session advisory lock, held on a connection of its own for the lock's lifetime.

    PostgreSQL releases it when the holder's session ends, so a crashed holder frees the
    state by itself; the ``locks`` row only names the holder. ``force_unlock`` ends the
    session that holds the advisory lock (a hung holder).
    """

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self._held: dict[str, Connection] = {}

    def acquire(self, operation: str, timeout: float) -> LockInfo:
        deadline = time.monotonic() + timeout
        conn = self._engine.connect()
        try:
            while True:
                got = conn.execute(sa.select(sa.func.pg_try_advisory_lock(ADVISORY_KEY))).scalar()
                if got:
                    mine = _new_lock(operation)
                    conn.execute(t.locks.delete().where(t.locks.c.name == LOCK_NAME))
                    conn.execute(t.locks.insert().values(name=LOCK_NAME, **vars(mine)))
                    conn.commit()
                    self._held[mine.lock_id] = conn
                    return mine
                holder = _holder(conn)
                conn.commit()
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise locked_error(holder, timeout)
                time.sleep(min(_POLL_SECONDS, remaining))
        except SQLAlchemyError as exc:
            conn.close()
            raise StateError(f"state database error while locking: {exc}") from exc
        except BaseException:
            conn.close()
            raise

    def release(self, info: LockInfo) -> None:
        conn = self._held.pop(info.lock_id)
        try:
            conn.execute(t.locks.delete().where(t.locks.c.lock_id == info.lock_id))
            conn.execute(sa.select(sa.func.pg_advisory_unlock(ADVISORY_KEY)))
            conn.commit()
        except SQLAlchemyError as exc:
            raise StateError(
                f"lock {info.lock_id} was force-unlocked while this run held it"
            ) from exc
        finally:
            conn.close()

    def force_unlock(self, lock_id: str) -> LockInfo:
        with self._tx() as conn:
            holder = _holder(conn)
            if holder is None or holder.lock_id != lock_id:
                raise _no_such_lock(lock_id, holder)
            # End whichever session really holds the advisory lock, never a remembered pid
            # that PostgreSQL may since have given to another session.
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks "
                    "WHERE locktype = 'advisory' AND granted AND classid = 0 "
                    "AND objid = :key AND objsubid = 1 AND database = "
                    "(SELECT oid FROM pg_database WHERE datname = current_database())"
                ),
                {"key": ADVISORY_KEY},
            )
            conn.execute(t.locks.delete().where(t.locks.c.lock_id == lock_id))
        return holder


def locker_for(engine: Engine) -> Locker:
    """The lock that fits the database behind ``engine``."""
    if engine.dialect.name == "postgresql":
        return PostgresLocker(engine)
    return SqliteLocker(engine)
