"""Sending changes and following their jobs to the end, with the ledger written before and after.

For every change: the intent is recorded before anything is sent; the 202's job key right
after; then the job is polled with backoff, every new status recorded, until it ends. Only a
``Completed`` job writes the state. Changes run concurrently up to the environment's
parallelism, on one event loop (async I/O, no thread per request).
"""

from __future__ import annotations

import asyncio
import contextvars
import time
from collections.abc import Sequence
from dataclasses import dataclass

import httpx

from statesync.apply.hooks import ApplyHooks
from statesync.errors import NotFoundError, RemoteError, UncertainDeliveryError
from statesync.kinds import KINDS, Document
from statesync.masking import mask_patch
from statesync.plans import Action, Change
from statesync.plans.diff import leaves
from statesync.remote.client import Accepted, RequestRecord, SeiClient
from statesync.remote.config import Credentials, Environment
from statesync.state import ChangeRecord, ChangeStatus, StateStore


@dataclass(frozen=True)
class ApplyOptions:
    """Timings of one apply."""

    #: How long a job may stay in progress before it is recorded as unknown.
    job_timeout: float = 300.0
    #: After an interrupt: how long jobs already sent are still polled.
    interrupt_grace: float = 10.0
    #: How long a send whose answer was lost is looked for in SEI's record before it is
    #: declared never delivered and planned again.
    confirm_wait: float = 30.0


@dataclass(frozen=True)
class Outcome:
    """How one change ended in this apply."""

    kind: str
    key: str
    action: str
    status: str  # a ChangeStatus value, "released", or "skipped"
    job_key: str | None = None
    messages: tuple[str, ...] = ()


class Executor:
    """Runs changes through its own client, writing the ledger and the state as jobs end.

    Use as ``async with Executor(...) as executor``; every HTTP attempt the client makes is
    written to the ledger against the change it belongs to.
    """

    def __init__(
        self,
        store: StateStore,
        run_id: str,
        env: Environment,
        credentials: Credentials,
        *,
        hooks: ApplyHooks | None = None,
        options: ApplyOptions | None = None,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self.store = store
        self.run_id = run_id
        self.client = SeiClient(env, credentials, http=http, on_request=self.record_request)
        self.hooks = hooks or ApplyHooks()
        self.options = options or ApplyOptions()
        self._change_id: contextvars.ContextVar[int | None] = contextvars.ContextVar(
            "change_id", default=None
        )
        self._stop = asyncio.Event()
        self._stop_deadline = float("inf")

    async def __aenter__(self) -> Executor:
        await self.client.__aenter__()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.client.__aexit__(None, None, None)

    def record_request(self, record: RequestRecord) -> None:
        """The client's per-attempt report, written to the ledger against the current change."""
        self.store.record_request(
            self.run_id,
            self._change_id.get(),
            record.method,
            record.path,
            record.status_code,
            record.tracking_id,
            record.attempt,
            record.latency_ms,
            record.error,
        )

    def interrupt(self) -> None:
        """Stop sending; keep following jobs already sent for the grace period."""
        if not self._stop.is_set():
            self._stop.set()
            self._stop_deadline = time.monotonic() + self.options.interrupt_grace

    @property
    def interrupted(self) -> bool:
        return self._stop.is_set()

    async def apply(self, changes: Sequence[Change]) -> list[Outcome]:
        """Apply every change; returns their outcomes in the given order."""
        slots = asyncio.Semaphore(self.client.env.parallelism)
        self.hooks.started(sum(1 for c in changes if c.action.sends))
        return list(await asyncio.gather(*(self._apply_one(c, slots) for c in changes)))

    async def settle(self, records: Sequence[ChangeRecord]) -> list[Outcome]:
        """Follow changes an earlier, interrupted or timed-out apply left unfinished."""
        return list(await asyncio.gather(*(self._settle_one(r) for r in records)))

    async def _apply_one(self, change: Change, slots: asyncio.Semaphore) -> Outcome:
        if change.action is Action.RELEASE:
            self.store.remove_resource(change.kind, change.key, self.run_id)
            return Outcome(change.kind, change.key, change.action.value, "released")
        if not change.action.sends:
            return Outcome(change.kind, change.key, change.action.value, "skipped")
        async with slots:
            if self._stop.is_set():
                self.hooks.skipped(change, "interrupted before it was sent")
                return Outcome(change.kind, change.key, change.action.value, "skipped")
            kind = KINDS[change.kind]
            change_id = self.store.record_change(
                self.run_id,
                change.kind,
                change.key,
                change.action.value,
                mask_patch(kind, list(change.patch)),
                target=self.store.redact(kind, change.target or {}),
            )
            self._change_id.set(change_id)
            self.store.set_change_status(change_id, ChangeStatus.INTENT)
            self.hooks.sending(change)
            try:
                accepted: Accepted | None = await self._send(change)
            except UncertainDeliveryError as exc:
                self.store.set_change_status(change_id, ChangeStatus.UNKNOWN)
                self.hooks.unknown(change, str(exc))
                accepted = None
            except RemoteError as exc:
                self.store.set_change_status(change_id, ChangeStatus.FAILED)
                self.hooks.failed(change, [str(exc)])
                return self._outcome(change, ChangeStatus.FAILED, None, (str(exc),))
            if accepted is not None:
                self.store.record_sent(change_id, accepted.job_key)
                self.hooks.sent(change, accepted.job_key)
        if accepted is None:
            return await self._confirm(change, change_id, change.target or {})
        return await self._follow(change, change_id, accepted.job_key, change.target or {})

    async def _send(self, change: Change) -> Accepted:
        kind = KINDS[change.kind]
        try:
            return await self.client.patch_investor(kind, change.key, list(change.patch))
        except NotFoundError:
            if change.action is not Action.ADOPT:
                raise
        # Adopting an investor SEI does not have yet: create it with every managed value.
        return await self.client.create_investor(change.key, change.target or {}, kind)

    async def _follow(
        self, change: Change, change_id: int, job_key: str, target: Document
    ) -> Outcome:
        """Poll a job with backoff until it ends, the job timeout passes, or the grace ends."""
        self._change_id.set(change_id)
        env = self.client.env
        deadline = time.monotonic() + self.options.job_timeout
        delay = env.job_poll_initial
        last: str | None = None
        while True:
            try:
                status = await self.client.job_status(job_key)
            except RemoteError as exc:
                status = None
                reason = f"job status unavailable: {exc}"
            if status is not None:
                if status.status != last:
                    last = status.status
                    self.store.record_job_status(
                        job_key,
                        status.status,
                        status.batch_id,
                        status.message,
                        status.validation_messages,
                    )
                    self.hooks.job_status(change, status.status)
                if status.succeeded:
                    self.store.complete_change(
                        change_id, KINDS[change.kind], change.key, target, self.run_id
                    )
                    self.hooks.completed(change)
                    return self._outcome(change, ChangeStatus.COMPLETED, job_key)
                if status.failed:
                    messages = [m for m in [status.message, *status.validation_messages] if m]
                    self.store.set_change_status(change_id, ChangeStatus.FAILED)
                    self.hooks.failed(change, messages)
                    return self._outcome(change, ChangeStatus.FAILED, job_key, tuple(messages))
                reason = f"job {job_key} still {status.status!r}"
            now = time.monotonic()
            limit = min(deadline, self._stop_deadline)
            if now >= limit:
                why = "interrupted" if now >= self._stop_deadline else "job timeout"
                message = f"{reason} at {why}; `statesync jobs resume` follows it"
                self.store.set_change_status(change_id, ChangeStatus.UNKNOWN)
                self.hooks.unknown(change, message)
                return self._outcome(change, ChangeStatus.UNKNOWN, job_key, (message,))
            await asyncio.sleep(max(0.0, min(delay, limit - now)))
            delay = min(delay * 2, env.job_poll_max)

    async def _settle_one(self, record: ChangeRecord) -> Outcome:
        change = Change(record.kind, record.external_id, Action(record.action))
        target = record.target or {}
        if record.job_key is not None:
            outcome = await self._follow(change, record.id, record.job_key, target)
        else:
            if record.status is ChangeStatus.INTENT:
                self.store.set_change_status(record.id, ChangeStatus.UNKNOWN)
            outcome = await self._confirm(change, record.id, target)
        self.hooks.settled(record.external_id, outcome.status)
        return outcome

    async def _confirm(self, change: Change, change_id: int, target: Document) -> Outcome:
        """A send whose answer was lost: look for its values in SEI's record before resending.

        SEI has no idempotency key, so this is the only proof that a send landed. If the values
        never show up within ``confirm_wait``, the send is taken as never delivered: the change
        fails here and the next plan sends it again. If SEI's record cannot be read at all, the
        change stays unknown for ``statesync jobs resume`` to confirm: it is not sent again.
        """
        self._change_id.set(change_id)
        kind = KINDS[change.kind]
        # A fresh plan's target is plain, a resumed one's redacted: compare both redacted.
        wanted = self.store.redact(kind, target)
        deadline = time.monotonic() + self.options.confirm_wait
        delay = self.client.env.job_poll_initial
        while True:
            unreadable: str | None = None
            try:
                live = await self.client.get_investor(change.key, kind)
            except NotFoundError:
                live = None
            except RemoteError as exc:
                live, unreadable = None, str(exc)
            if live is not None and _holds(self.store.redact(kind, live), wanted):
                self.store.complete_change(change_id, kind, change.key, target, self.run_id)
                self.hooks.completed(change)
                return self._outcome(change, ChangeStatus.COMPLETED)
            now = time.monotonic()
            if now >= self._stop_deadline:
                message = (
                    "interrupted before the send's lost answer could be confirmed; "
                    "`statesync jobs resume` confirms it"
                )
                self.store.set_change_status(change_id, ChangeStatus.UNKNOWN)
                self.hooks.unknown(change, message)
                return self._outcome(change, ChangeStatus.UNKNOWN, None, (message,))
            if now >= deadline and unreadable is not None:
                message = (
                    f"the send's answer was lost and SEI's record could not be read "
                    f"({unreadable}); `statesync jobs resume` confirms it"
                )
                self.store.set_change_status(change_id, ChangeStatus.UNKNOWN)
                self.hooks.unknown(change, message)
                return self._outcome(change, ChangeStatus.UNKNOWN, None, (message,))
            if now >= deadline:
                message = (
                    "the send's answer was lost and SEI does not hold its values: not delivered"
                )
                self.store.set_change_status(change_id, ChangeStatus.FAILED)
                self.hooks.failed(change, [message])
                return self._outcome(change, ChangeStatus.FAILED, None, (message,))
            await asyncio.sleep(max(0.0, min(delay, deadline - now, self._stop_deadline - now)))
            delay = min(delay * 2, self.client.env.job_poll_max)

    @staticmethod
    def _outcome(
        change: Change,
        status: ChangeStatus,
        job_key: str | None = None,
        messages: tuple[str, ...] = (),
    ) -> Outcome:
        return Outcome(
            change.kind, change.key, change.action.value, status.value, job_key, messages
        )


def _holds(live: Document, target: Document) -> bool:
    """Whether SEI's record holds every value of the target document."""
    flat = dict(leaves(live))
    return all(flat.get(path) == value for path, value in leaves(target))
