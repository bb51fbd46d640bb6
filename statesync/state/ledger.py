"""The ledger: runs, changes, requests and jobs, appended and never rewritten.

The only row rewritten in place is a job's latest status; every status seen is also appended
to ``job_statuses``, and a change's status is the latest of its ``change_events``.
"""

from __future__ import annotations

import uuid
from abc import ABC, abstractmethod
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from statesync.errors import StateError
from statesync.kinds import KINDS, Document, ResourceKind
from statesync.masking import mask_document, mask_patch
from statesync.state import schema as t
from statesync.state.db import Database, inserted_id
from statesync.state.provenance import current_user
from statesync.state.records import (
    ATTEMPTED,
    TRANSITIONS,
    UNFINISHED,
    ChangeRecord,
    ChangeStatus,
    Failure,
    HistoryEntry,
    RunRecord,
)

_SETTLED = (ChangeStatus.COMPLETED.value, ChangeStatus.FAILED.value)

#: Change ids to look up: a few known ones, or a query (no limit on how many it selects).
_Ids = Sequence[int] | sa.Select[tuple[int]]


def _now() -> datetime:
    return datetime.now(UTC)


def _messages(value: Sequence[str] | str | None) -> list[str] | None:
    if value is None:
        return None
    return [value] if isinstance(value, str) else list(value)


def _latest_events() -> sa.Subquery:
    """Each change's latest status event (the highest event id)."""
    latest = (
        sa.select(t.change_events.c.change_id, sa.func.max(t.change_events.c.id).label("event_id"))
        .group_by(t.change_events.c.change_id)
        .subquery()
    )
    return (
        sa.select(latest.c.change_id, t.change_events.c.status)
        .join(t.change_events, t.change_events.c.id == latest.c.event_id)
        .subquery()
    )


class Ledger(Database, ABC):
    """Append-only records of what every run planned, sent and learned."""

    @abstractmethod
    def redact(self, kind: ResourceKind, document: Document) -> Document:
        """Sensitive values as keyed digests; the store, which holds the key, provides it."""

    def begin_run(
        self,
        operation: str,
        *,
        specs_digest: str | None = None,
        commit: str | None = None,
        user: str | None = None,
    ) -> str:
        """Open a run; its id ties changes and requests together. The user defaults to ``USER``."""
        run_id = str(uuid.uuid4())
        with self._tx() as conn:
            serial = conn.execute(sa.select(t.meta.c.serial)).scalar_one()
            conn.execute(
                t.runs.insert().values(
                    id=run_id,
                    operation=operation,
                    started_at=_now(),
                    user=user if user is not None else current_user(),
                    commit=commit,
                    specs_digest=specs_digest,
                    serial_before=serial,
                )
            )
        return run_id

    def end_run(self, run_id: str, outcome: str) -> None:
        """Close a run with its outcome and the serial it left the state at."""
        with self._tx() as conn:
            serial = conn.execute(sa.select(t.meta.c.serial)).scalar_one()
            updated = conn.execute(
                t.runs.update()
                .where(t.runs.c.id == run_id, t.runs.c.ended_at.is_(None))
                .values(ended_at=_now(), outcome=outcome, serial_after=serial)
            )
            if updated.rowcount != 1:
                raise StateError(f"run {run_id} is unknown or has already ended")

    def record_change(
        self,
        run_id: str,
        kind_name: str,
        external_id: str,
        action: str,
        patch: list[dict[str, Any]],
        *,
        detail: dict[str, Any] | None = None,
        target: Document | None = None,
    ) -> int:
        """Record a planned change; returns its id.

        The patch comes masked; it is masked again (masking is idempotent) so no caller can
        put a tax id or date of birth into the ledger by mistake. ``target`` (the document once
        applied) is stored redacted, as the state stores documents.
        """
        kind = KINDS.get(kind_name)
        if kind is not None:
            patch = mask_patch(kind, patch)
            detail = None if detail is None else mask_document(kind, detail)
        if target is not None:
            if kind is None:
                raise StateError(f"cannot redact the target of unknown kind {kind_name!r}")
            target = self.redact(kind, target)
        with self._tx() as conn:
            return self._insert_change(
                conn,
                ChangeStatus.PLANNED,
                run_id=run_id,
                kind=kind_name,
                external_id=external_id,
                action=action,
                patch=patch,
                detail=detail,
                target=target,
            )

    def set_change_status(self, change_id: int, status: ChangeStatus | str) -> None:
        """Move a change on (planned → intent → sent → completed | failed | unknown)."""
        with self._tx() as conn:
            self._move(conn, change_id, ChangeStatus(status))

    @classmethod
    def _move(cls, conn: Connection, change_id: int, new: ChangeStatus) -> None:
        """Append a status, in the caller's transaction, if the change may move there."""
        current = conn.execute(
            sa.select(t.change_events.c.status)
            .where(t.change_events.c.change_id == change_id)
            .order_by(t.change_events.c.id.desc())
            .limit(1)
        ).scalar_one_or_none()
        if current is None:
            raise StateError(f"change {change_id} is unknown")
        if new not in TRANSITIONS[ChangeStatus(current)]:
            raise StateError(f"change {change_id} cannot move from {current} to {new}")
        cls._append_event(conn, change_id, new)

    def record_request(
        self,
        run_id: str,
        change_id: int | None,
        method: str,
        path: str,
        status_code: int | None,
        tracking_id: str | None,
        attempt: int,
        latency_ms: float,
        error: str | None,
    ) -> int:
        """Record one HTTP request (each retry is its own row, with its attempt number)."""
        with self._tx() as conn:
            return inserted_id(
                conn.execute(
                    t.requests.insert().values(
                        run_id=run_id,
                        change_id=change_id,
                        method=method,
                        path=path,
                        status_code=status_code,
                        tracking_id=tracking_id,
                        attempt=attempt,
                        latency_ms=latency_ms,
                        error=error,
                        at=_now(),
                    )
                )
            )

    def record_sent(self, change_id: int, job_key: str) -> None:
        """SEI took the change: its job key and the ``sent`` status in one transaction, so a
        crash can never leave the one without the other."""
        with self._tx() as conn:
            self._insert_job(conn, change_id, job_key)
            self._move(conn, change_id, ChangeStatus.SENT)

    @staticmethod
    def _insert_job(conn: Connection, change_id: int, job_key: str) -> None:
        now = _now()
        conn.execute(
            t.jobs.insert().values(
                job_key=job_key, change_id=change_id, created_at=now, updated_at=now
            )
        )

    def record_job_status(
        self,
        job_key: str,
        status: str,
        batch_id: str | None,
        message: str | None,
        validation_messages: Sequence[str] | str | None,
    ) -> None:
        """Append a status seen for a job and keep it as the job's latest."""
        now = _now()
        values = {
            "status": status,
            "batch_id": batch_id,
            "message": message,
            "validation_messages": _messages(validation_messages),
        }
        with self._tx() as conn:
            updated = conn.execute(
                t.jobs.update().where(t.jobs.c.job_key == job_key).values(updated_at=now, **values)
            )
            if updated.rowcount != 1:
                raise StateError(f"job {job_key} is unknown: record_sent it first")
            conn.execute(t.job_statuses.insert().values(job_key=job_key, at=now, **values))

    def unfinished_changes(self, kind_name: str | None = None) -> list[ChangeRecord]:
        """Changes left in intent, sent or unknown: what a resumed apply must poll or send."""
        latest = _latest_events()
        query = (
            sa.select(t.changes, latest.c.status)
            .join(latest, latest.c.change_id == t.changes.c.id)
            .where(latest.c.status.in_([s.value for s in UNFINISHED]))
            .order_by(t.changes.c.id)
        )
        if kind_name is not None:
            query = query.where(t.changes.c.kind == kind_name)
        with self._tx() as conn:
            rows = conn.execute(query).all()
            jobs = self._latest_jobs(conn, query.with_only_columns(t.changes.c.id))
        return [_change(row, jobs.get(row.id)) for row in rows]

    def last_failure(self, kind_name: str, external_id: str) -> Failure | None:
        """The resource's latest settled change, if it failed, with SEI's validation messages.

        A failure followed by a completed change is history, not something to show.
        """
        latest = _latest_events()
        with self._tx() as conn:
            row = conn.execute(
                sa.select(t.changes.c.id, t.changes.c.run_id, latest.c.status)
                .join(latest, latest.c.change_id == t.changes.c.id)
                .where(
                    t.changes.c.kind == kind_name,
                    t.changes.c.external_id == external_id,
                    latest.c.status.in_(_SETTLED),
                )
                .order_by(t.changes.c.id.desc())
                .limit(1)
            ).first()
            if row is None or row.status != ChangeStatus.FAILED:
                return None
            job = self._latest_jobs(conn, [row.id]).get(row.id)
            message = job.message if job is not None else None
            if message is None:
                message = conn.execute(
                    sa.select(t.requests.c.error)
                    .where(t.requests.c.change_id == row.id, t.requests.c.error.is_not(None))
                    .order_by(t.requests.c.id.desc())
                    .limit(1)
                ).scalar_one_or_none()
        messages = job.validation_messages if job is not None else None
        return Failure(
            run_id=row.run_id,
            change_id=row.id,
            message=message,
            validation_messages=list(messages or []),
        )

    def history(self, external_id: str | None = None) -> list[HistoryEntry]:
        """Every change that reached SEI (or may have), oldest first: the audit trail."""
        query = sa.select(
            t.changes,
            t.runs.c.operation,
            t.runs.c.user,
            t.runs.c.commit,
        ).join(t.runs, t.runs.c.id == t.changes.c.run_id)
        if external_id is not None:
            query = query.where(t.changes.c.external_id == external_id)
        ids = query.with_only_columns(t.changes.c.id)
        with self._tx() as conn:
            rows = conn.execute(query.order_by(t.changes.c.id)).all()
            events = _events_by_change(conn, ids)
            jobs = self._latest_jobs(conn, ids)
            answered = set(
                conn.execute(
                    sa.select(t.requests.c.change_id)
                    .where(t.requests.c.change_id.in_(ids), t.requests.c.status_code.is_not(None))
                    .distinct()
                ).scalars()
            )
        entries: list[HistoryEntry] = []
        for row in rows:
            seen = events.get(row.id, [])
            reached = [at for status, at in seen if status in ATTEMPTED]
            if not reached or _never_reached(seen, row.id in answered):
                continue
            job = jobs.get(row.id)
            entries.append(
                HistoryEntry(
                    change_id=row.id,
                    kind=row.kind,
                    external_id=row.external_id,
                    at=reached[0],
                    run_id=row.run_id,
                    operation=row.operation,
                    user=row.user,
                    commit=row.commit,
                    action=row.action,
                    patch=row.patch,
                    status=seen[-1][0],
                    job_key=job.job_key if job is not None else None,
                    job_status=job.status if job is not None else None,
                    batch_id=job.batch_id if job is not None else None,
                    job_message=job.message if job is not None else None,
                    validation_messages=list(
                        (job.validation_messages if job is not None else None) or []
                    ),
                )
            )
        entries.sort(key=lambda entry: (entry.at, entry.change_id))
        return entries

    def runs(self) -> list[RunRecord]:
        """Every run, oldest first."""
        with self._tx() as conn:
            rows = conn.execute(sa.select(t.runs).order_by(t.runs.c.started_at, t.runs.c.id)).all()
        return [
            RunRecord(
                id=row.id,
                operation=row.operation,
                started_at=row.started_at,
                ended_at=row.ended_at,
                outcome=row.outcome,
                user=row.user,
                commit=row.commit,
                specs_digest=row.specs_digest,
                serial_before=row.serial_before,
                serial_after=row.serial_after,
            )
            for row in rows
        ]

    @classmethod
    def _insert_change(cls, conn: Connection, status: ChangeStatus, **values: Any) -> int:
        """A change row and its first status, in the caller's transaction."""
        change_id = inserted_id(
            conn.execute(t.changes.insert().values(created_at=_now(), **values))
        )
        cls._append_event(conn, change_id, status)
        return change_id

    @staticmethod
    def _append_event(conn: Connection, change_id: int, status: ChangeStatus) -> None:
        conn.execute(
            t.change_events.insert().values(change_id=change_id, status=status.value, at=_now())
        )

    @staticmethod
    def _latest_jobs(conn: Connection, change_ids: _Ids) -> dict[int, Row[Any]]:
        """The most recent job of each change (a change sent again has more than one)."""
        rows = conn.execute(
            sa.select(t.jobs)
            .where(t.jobs.c.change_id.in_(change_ids))
            .order_by(t.jobs.c.created_at, t.jobs.c.job_key)
        ).all()
        return {row.change_id: row for row in rows}


def _never_reached(seen: list[tuple[ChangeStatus, datetime]], answered: bool) -> bool:
    """A change that failed before SEI answered anything about it (no token, no connection):
    it is not part of the audit trail of what reached SEI. One that was sent, or whose answer
    was lost (unknown), may have reached it and stays."""
    statuses = {status for status, _ in seen}
    return (
        seen[-1][0] is ChangeStatus.FAILED
        and not answered
        and not statuses & {ChangeStatus.SENT, ChangeStatus.UNKNOWN}
    )


def _events_by_change(
    conn: Connection, change_ids: _Ids
) -> dict[int, list[tuple[ChangeStatus, datetime]]]:
    events: dict[int, list[tuple[ChangeStatus, datetime]]] = {}
    rows = conn.execute(
        sa.select(t.change_events)
        .where(t.change_events.c.change_id.in_(change_ids))
        .order_by(t.change_events.c.id)
    ).all()
    for row in rows:
        events.setdefault(row.change_id, []).append((ChangeStatus(row.status), row.at))
    return events


def _change(row: Row[Any], job: Row[Any] | None) -> ChangeRecord:
    return ChangeRecord(
        id=row.id,
        run_id=row.run_id,
        kind=row.kind,
        external_id=row.external_id,
        action=row.action,
        patch=row.patch,
        detail=row.detail,
        target=row.target,
        status=ChangeStatus(row.status),
        job_key=job.job_key if job is not None else None,
        created_at=row.created_at,
    )
