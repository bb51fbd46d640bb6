"""The state's contract as small Protocols, composed like Terraform's statemgr.

Code that only reads the state (plan) asks for a ``StateReader``; apply asks for ``FullState``.
``tests/state/test_conformance.py`` is the suite every implementation must pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

from statesync.kinds import Document, ResourceKind
from statesync.state.records import (
    ChangeRecord,
    ChangeStatus,
    Failure,
    HistoryEntry,
    LockInfo,
    RunRecord,
    StoredResource,
)


class StateReader(Protocol):
    """What a plan needs: the stored resources, and the serial and lineage to pin a plan to."""

    @property
    def lineage(self) -> str: ...

    @property
    def serial(self) -> int: ...

    def redact(self, kind: ResourceKind, document: Document) -> Document: ...

    def resources(self, kind_name: str) -> dict[str, StoredResource]: ...

    def get(self, kind_name: str, external_id: str) -> StoredResource | None: ...


class StateWriter(Protocol):
    """Recording what SEI now holds, or that a resource is no longer managed."""

    def put_resource(
        self, kind: ResourceKind, external_id: str, document: Document, run_id: str | None
    ) -> StoredResource: ...

    def remove_resource(self, kind_name: str, external_id: str, run_id: str) -> None: ...

    def complete_change(
        self,
        change_id: int,
        kind: ResourceKind,
        external_id: str,
        document: Document,
        run_id: str | None,
    ) -> StoredResource: ...


class StateLocker(Protocol):
    """One writer at a time."""

    def lock(self, operation: str, *, timeout: float = 0.0) -> AbstractContextManager[LockInfo]: ...

    def force_unlock(self, lock_id: str) -> LockInfo: ...


class LedgerWriter(Protocol):
    """Appending runs, changes, requests and jobs."""

    def begin_run(
        self,
        operation: str,
        *,
        specs_digest: str | None = None,
        commit: str | None = None,
        user: str | None = None,
    ) -> str: ...

    def end_run(self, run_id: str, outcome: str) -> None: ...

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
    ) -> int: ...

    def set_change_status(self, change_id: int, status: ChangeStatus | str) -> None: ...

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
    ) -> int: ...

    def record_sent(self, change_id: int, job_key: str) -> None: ...

    def record_job_status(
        self,
        job_key: str,
        status: str,
        batch_id: str | None,
        message: str | None,
        validation_messages: Sequence[str] | str | None,
    ) -> None: ...


class LedgerReader(Protocol):
    """Querying the ledger: what is unfinished, what failed, the audit trail."""

    def unfinished_changes(self, kind_name: str | None = None) -> list[ChangeRecord]: ...

    def last_failure(self, kind_name: str, external_id: str) -> Failure | None: ...

    def history(self, external_id: str | None = None) -> list[HistoryEntry]: ...

    def runs(self) -> list[RunRecord]: ...


class FullState(StateReader, StateWriter, StateLocker, LedgerWriter, LedgerReader, Protocol):
    """Everything apply needs, and everything ``StateStore`` provides."""

    def close(self) -> None: ...
