"""The state: what statesync believes SEI holds for each resource, with its serial and lineage."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from statesync.errors import StateError
from statesync.kinds import Document, ResourceKind, digest
from statesync.state import schema as t
from statesync.state import secrets
from statesync.state.ledger import Ledger
from statesync.state.lock import locker_for
from statesync.state.migrate import migrate
from statesync.state.records import ChangeStatus, LockInfo, StoredResource

#: The action removing a resource records: statesync stops managing it, SEI is untouched (the
#: same word as the plan's ``Action.RELEASE``).
RELEASE = "release"


class StateStore(Ledger):
    """Resources, serial and lineage, the ledger, and the lock, in one database.

    Open it with :func:`statesync.state.open_state`.
    """

    def __init__(self, engine: Engine, db_path: Path | None) -> None:
        super().__init__(engine)
        self._db_path = db_path
        self._locker = locker_for(engine)
        self._key: bytes | None = None
        with self._tx() as conn:
            migrate(conn)
            lineage = conn.execute(sa.select(t.meta.c.lineage)).scalar_one_or_none()
            if lineage is None:
                lineage = str(uuid.uuid4())
                conn.execute(
                    t.meta.insert().values(
                        id=1, lineage=lineage, serial=0, created_at=datetime.now(UTC)
                    )
                )
        self._lineage: str = lineage

    def __enter__(self) -> StateStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release the database connections."""
        self._engine.dispose()

    @property
    def lineage(self) -> str:
        """Fixed when the state was created: a saved plan for another state is refused."""
        return self._lineage

    @property
    def serial(self) -> int:
        """Bumped by every resource write or removal (not by runs), read afresh each time."""
        with self._tx() as conn:
            serial: int = conn.execute(sa.select(t.meta.c.serial)).scalar_one()
        return serial

    def redact(self, kind: ResourceKind, document: Document) -> Document:
        """The document with every non-null sensitive value replaced by its keyed digest."""
        return secrets.redact(self._secret_key(), kind, document)

    def resources(self, kind_name: str) -> dict[str, StoredResource]:
        """Every stored resource of a kind, by external id."""
        with self._tx() as conn:
            rows = conn.execute(
                sa.select(t.resources)
                .where(t.resources.c.kind == kind_name)
                .order_by(t.resources.c.external_id)
            ).all()
        return {row.external_id: _stored(row) for row in rows}

    def get(self, kind_name: str, external_id: str) -> StoredResource | None:
        """One stored resource, or ``None`` when the state does not manage it."""
        with self._tx() as conn:
            row = conn.execute(
                sa.select(t.resources).where(
                    t.resources.c.kind == kind_name, t.resources.c.external_id == external_id
                )
            ).first()
        return None if row is None else _stored(row)

    def put_resource(
        self, kind: ResourceKind, external_id: str, document: Document, run_id: str | None
    ) -> StoredResource:
        """Store what SEI now holds (redacted here); bumps the resource's version and the serial."""
        redacted = self.redact(kind, document)  # before the transaction: it may read the key
        with self._tx() as conn:
            return self._put(conn, kind, external_id, redacted, run_id)

    def complete_change(
        self,
        change_id: int,
        kind: ResourceKind,
        external_id: str,
        document: Document,
        run_id: str | None,
    ) -> StoredResource:
        """A change's job completed: the resource and the ``completed`` status in one
        transaction, so the state and the ledger never disagree after a crash."""
        redacted = self.redact(kind, document)  # before the transaction: it may read the key
        with self._tx() as conn:
            stored = self._put(conn, kind, external_id, redacted, run_id)
            self._move(conn, change_id, ChangeStatus.COMPLETED)
        return stored

    @staticmethod
    def _put(
        conn: Connection,
        kind: ResourceKind,
        external_id: str,
        redacted: Document,
        run_id: str | None,
    ) -> StoredResource:
        key = (t.resources.c.kind == kind.name, t.resources.c.external_id == external_id)
        version = conn.execute(sa.select(t.resources.c.version).where(*key)).scalar()
        values: dict[str, Any] = {
            "document": redacted,
            "digest": digest(redacted),
            "version": (version or 0) + 1,
            "run_id": run_id,
            "updated_at": datetime.now(UTC),
        }
        if version is None:
            conn.execute(
                t.resources.insert().values(kind=kind.name, external_id=external_id, **values)
            )
        else:
            conn.execute(t.resources.update().where(*key).values(**values))
        _bump_serial(conn)
        return StoredResource(kind=kind.name, external_id=external_id, **values)

    def remove_resource(self, kind_name: str, external_id: str, run_id: str) -> None:
        """Stop managing a resource (SEI keeps it); the ledger records it as a ``release``."""
        with self._tx() as conn:
            deleted = conn.execute(
                t.resources.delete().where(
                    t.resources.c.kind == kind_name, t.resources.c.external_id == external_id
                )
            )
            if deleted.rowcount != 1:
                raise StateError(f"the state holds no {kind_name} {external_id!r}")
            self._insert_change(
                conn,
                ChangeStatus.COMPLETED,
                run_id=run_id,
                kind=kind_name,
                external_id=external_id,
                action=RELEASE,
                patch=[],
            )
            _bump_serial(conn)

    @contextmanager
    def lock(self, operation: str, *, timeout: float = 0.0) -> Iterator[LockInfo]:
        """Hold the state lock for a block; raises StateLockedError naming the holder."""
        info = self._locker.acquire(operation, timeout)
        try:
            yield info
        finally:
            self._locker.release(info)

    def force_unlock(self, lock_id: str) -> LockInfo:
        """Release a lock whose holder crashed; returns who held it."""
        return self._locker.force_unlock(lock_id)

    def _secret_key(self) -> bytes:
        """The secrets key, checked on first use against the one the state was written with."""
        if self._key is not None:
            return self._key
        key = secrets.load_key(self._db_path)
        check = secrets.key_check(key)
        with self._tx() as conn:
            stored = conn.execute(sa.select(t.meta.c.key_check)).scalar_one()
            if stored is None:
                conn.execute(t.meta.update().values(key_check=check))
            elif stored != check:
                raise StateError(
                    "the state key differs from the one this state was written with: "
                    f"set {secrets.KEY_ENV} to that key"
                    + (
                        f" or restore {secrets.key_file_for(self._db_path)}"
                        if self._db_path is not None
                        else ""
                    )
                )
        self._key = key
        return key


def _bump_serial(conn: sa.Connection) -> None:
    conn.execute(t.meta.update().values(serial=t.meta.c.serial + 1))


def _stored(row: Any) -> StoredResource:
    return StoredResource(
        kind=row.kind,
        external_id=row.external_id,
        document=row.document,
        digest=row.digest,
        version=row.version,
        run_id=row.run_id,
        updated_at=row.updated_at,
    )
