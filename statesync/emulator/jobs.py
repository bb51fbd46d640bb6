"""Asynchronous jobs: a PATCH or POST is accepted at once and applied later, all or nothing.

Jobs settle lazily: whenever the emulator is asked anything, every job whose delay has passed
runs, in the order it was submitted. Nobody can observe the emulator between requests, so this
is indistinguishable from a background worker, and it keeps runs deterministic.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from pydantic import ValidationError

from statesync.emulator.book import Book, Record
from statesync.kinds import INVESTOR
from statesync.kinds.base import Document
from statesync.kinds.investor import Investor, investor_checks
from statesync.remote.models import COMPLETED, FAILED, IN_PROGRESS
from statesync.remote.wire import Op


@dataclass
class Job:
    """One submitted change and where it stands."""

    key: str
    action: Literal["patch", "create"]
    external_id: str
    #: Leaf ops in canonical form (a create carries the whole document as ops on an empty one).
    ops: list[Op]
    due: float
    batch_id: str
    tracking_id: str
    #: SEI's internal id for the investor a create makes.
    record_id: str = ""
    #: A scripted outcome: ``"fail"`` ends Failed with ``forced_message``, ``"stuck"`` never ends.
    forced: Literal["fail", "stuck"] | None = None
    forced_message: str = ""
    status: str = IN_PROGRESS
    message: str = "Request is being processed"
    validation_messages: list[str] = field(default_factory=list)

    def shown(self) -> dict[str, Any]:
        """The job as ``GET /v1/jobs/insight/status/{key}`` answers."""
        return {
            "status": self.status,
            "batchId": self.batch_id,
            "message": self.message,
            "validationMessage": list(self.validation_messages),
        }


def apply_ops(document: Document, ops: list[Op]) -> Document:
    """``document`` with leaf ``ops`` applied: a value sets a field, ``remove`` clears it.

    Addresses left with every field cleared are dropped: the wire form can only remove an
    address by clearing all of it.
    """
    out = copy.deepcopy(document)
    for op in ops:
        segments = op["path"][1:].split("/")
        segments = [s.replace("~1", "/").replace("~0", "~") for s in segments]
        value = None if op["op"] == "remove" else op["value"]
        target = out
        for segment in segments[:-1]:
            inner = target.get(segment)
            if not isinstance(inner, dict):
                inner = {}
                target[segment] = inner
            target = inner
        target[segments[-1]] = value
    for name in INVESTOR.keyed_lists:
        entries = out.get(name)
        if isinstance(entries, dict):
            out[name] = {k: v for k, v in entries.items() if any(x is not None for x in v.values())}
    return out


def problems_of(external_id: str, document: Document) -> list[str]:
    """Every rule the Investor model and its checks find broken, as validation messages.

    A sensitive field's message never repeats its value: it would reach logs and ledgers.
    """
    listed = INVESTOR.to_listed(document)
    shown = {INVESTOR.key_field: external_id, **listed}
    problems: list[tuple[tuple[str | int, ...], str]] = []
    try:
        Investor.model_validate(shown)
    except ValidationError as exc:
        problems.extend((tuple(err["loc"]), err["msg"]) for err in exc.errors())
    problems.extend(investor_checks(shown))
    return [_message(loc, msg, listed) for loc, msg in problems]


def _message(loc: tuple[str | int, ...], msg: str, listed: Document) -> str:
    parts: list[str] = []
    for index, part in enumerate(loc):
        if isinstance(part, int) and index > 0:
            entries = listed.get(str(loc[index - 1]))
            key = INVESTOR.keyed_lists.get(str(loc[index - 1]))
            if isinstance(entries, list) and key and part < len(entries):
                parts[-1] += f"[{entries[part].get(key)}]"
                continue
        parts.append(str(part))
    where = ".".join(parts)
    if any(str(part) in INVESTOR.sensitive_fields for part in loc):
        return f"{where}: invalid value (not shown: sensitive field)"
    return f"{where}: {msg}"


class Jobs:
    """Submitted jobs by key, settled in submission order."""

    def __init__(self) -> None:
        self.by_key: dict[str, Job] = {}

    def submit(self, job: Job) -> None:
        self.by_key[job.key] = job

    def settle(self, book: Book, now: float, when: datetime) -> None:
        """Run every due job: validate the merged record, then apply all of it or none."""
        for job in self.by_key.values():
            if job.status != IN_PROGRESS or job.forced == "stuck" or now < job.due:
                continue
            if job.forced == "fail":
                self._fail(job, job.forced_message, [job.forced_message])
                continue
            record = book.investors.get(job.external_id)
            if job.action == "create" and record is not None:
                self._fail(
                    job, "Investor already exists", [f"externalId: {job.external_id!r} exists"]
                )
                continue
            if job.action == "patch" and record is None:
                self._fail(
                    job, "Investor not found", [f"externalId: {job.external_id!r} not found"]
                )
                continue
            merged = apply_ops(record.document if record else {}, job.ops)
            problems = problems_of(job.external_id, merged)
            if problems:
                self._fail(job, "Validation failed: nothing was changed", problems)
                continue
            if record is None:
                book.investors[job.external_id] = Record(
                    job.external_id, job.record_id, merged, when
                )
            else:
                record.document = merged
                record.change_date = when
            job.status = COMPLETED
            job.message = "Request processed successfully"

    @staticmethod
    def _fail(job: Job, message: str, problems: list[str]) -> None:
        job.status = FAILED
        job.message = message
        job.validation_messages = problems
