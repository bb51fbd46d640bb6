"""What the state and the ledger hand back: plain frozen records, no database types."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from statesync.kinds import Document


class ChangeStatus(StrEnum):
    """Where a change stands: apply records ``intent`` before sending and ``sent`` (with the job
    key) after SEI's 202, so a crash in between is visible and a resumed apply knows what to do."""

    PLANNED = "planned"
    INTENT = "intent"
    SENT = "sent"
    COMPLETED = "completed"
    FAILED = "failed"
    UNKNOWN = "unknown"


#: The moves a change may make; ``unknown`` (a send whose answer was lost, or a job not ended
#: in time) is settled by polling or sending again, and stays ``unknown`` while it cannot be.
TRANSITIONS: dict[ChangeStatus, frozenset[ChangeStatus]] = {
    ChangeStatus.PLANNED: frozenset({ChangeStatus.INTENT}),
    ChangeStatus.INTENT: frozenset({ChangeStatus.SENT, ChangeStatus.FAILED, ChangeStatus.UNKNOWN}),
    ChangeStatus.SENT: frozenset(
        {ChangeStatus.COMPLETED, ChangeStatus.FAILED, ChangeStatus.UNKNOWN}
    ),
    ChangeStatus.UNKNOWN: frozenset(
        {ChangeStatus.SENT, ChangeStatus.COMPLETED, ChangeStatus.FAILED, ChangeStatus.UNKNOWN}
    ),
    ChangeStatus.COMPLETED: frozenset(),
    ChangeStatus.FAILED: frozenset(),
}

#: Changes a resumed apply must still poll or send.
UNFINISHED = frozenset({ChangeStatus.INTENT, ChangeStatus.SENT, ChangeStatus.UNKNOWN})

#: Changes that reached SEI, or may have: what the audit trail shows.
ATTEMPTED = frozenset(
    {ChangeStatus.SENT, ChangeStatus.COMPLETED, ChangeStatus.FAILED, ChangeStatus.UNKNOWN}
)


@dataclass(frozen=True)
class StoredResource:
    """What the state believes SEI holds for one resource (sensitive values as keyed digests)."""

    kind: str
    external_id: str
    document: Document
    digest: str
    version: int
    run_id: str | None
    updated_at: datetime


@dataclass(frozen=True)
class LockInfo:
    """Who holds the state lock, for what, since when."""

    lock_id: str
    operation: str
    user: str
    host: str
    pid: int
    since: datetime

    def holder_gone(self) -> bool:
        """Whether the holder ran on this host and its process has ended (a stale lock)."""
        if self.host != socket.gethostname():
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False


@dataclass(frozen=True)
class RunRecord:
    """One plan, apply or state command, with the state serial before and after it."""

    id: str
    operation: str
    started_at: datetime
    ended_at: datetime | None
    outcome: str | None
    user: str | None
    commit: str | None
    specs_digest: str | None
    serial_before: int
    serial_after: int | None


@dataclass(frozen=True)
class ChangeRecord:
    """One change to one resource in one run, with its latest status and job, if any.

    ``target`` is the redacted document the resource holds once the change is applied: what a
    resumed apply writes to the state when it finds the change completed.
    """

    id: int
    run_id: str
    kind: str
    external_id: str
    action: str
    patch: list[dict[str, Any]]
    detail: dict[str, Any] | None
    target: Document | None
    status: ChangeStatus
    job_key: str | None
    created_at: datetime


@dataclass(frozen=True)
class Failure:
    """The latest settled change of a resource, when it failed: what the plan shows."""

    run_id: str
    change_id: int
    message: str | None
    validation_messages: list[str]


@dataclass(frozen=True)
class HistoryEntry:
    """One change that reached SEI (or may have), with its run, commit and job outcome."""

    change_id: int
    kind: str
    external_id: str
    at: datetime
    run_id: str
    operation: str
    user: str | None
    commit: str | None
    action: str
    patch: list[dict[str, Any]]
    status: ChangeStatus
    job_key: str | None
    job_status: str | None
    batch_id: str | None
    job_message: str | None
    validation_messages: list[str]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (the patch is already masked)."""
        return {
            "changeId": self.change_id,
            "kind": self.kind,
            "externalId": self.external_id,
            "at": self.at.isoformat(),
            "runId": self.run_id,
            "operation": self.operation,
            "user": self.user,
            "commit": self.commit,
            "action": self.action,
            "patch": self.patch,
            "status": self.status.value,
            "jobKey": self.job_key,
            "jobStatus": self.job_status,
            "batchId": self.batch_id,
            "jobMessage": self.job_message,
            "validationMessages": self.validation_messages,
        }
