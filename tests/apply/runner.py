"""An apply in a process of its own, for the tests that kill it: ``statesync.api.apply`` with
hooks that print every event and can SIGKILL the process at a chosen one.

    python runner.py SPECS STATE_URL BASE_URL [--kill-at EVENT[:DETAIL]] [--key KEY] ...

Each hook prints one line, ``EVENT KEY DETAIL``, flushed, so the parent can follow along;
``--pause-at`` blocks at an event until a line arrives on stdin (the lock is held meanwhile);
``--kill-after`` kills the process that many seconds after start, wherever it is. Besides the
hooks there is one more event, ``answered KEY STATUS``: SEI's answer to a PATCH or POST has
been written to the ledger's requests, but not yet the job key it carries (the narrowest window
in which SEI has a change the ledger does not know was delivered).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import signal
import sys
import threading

from statesync import api
from statesync.apply import ApplyHooks, ApplyOptions, Executor
from statesync.emulator.testing import fast_environment
from statesync.plans import Change
from statesync.remote.client import RequestRecord
from statesync.remote.config import BUILTIN_ENVIRONMENTS


class Scripted(ApplyHooks):
    """Prints each event; kills or pauses the process at the one asked for."""

    def __init__(self, kill_at: str | None, pause_at: str | None, key: str | None) -> None:
        self.kill_at = kill_at
        self.pause_at = pause_at
        self.key = key

    def _event(self, event: str, key: str, detail: str = "") -> None:
        print(f"{event} {key} {detail}".rstrip(), flush=True)
        if self.key is not None and key != self.key:
            return
        point = f"{event}:{detail}"
        if self.kill_at is not None and (self.kill_at in (event, point)):
            os.kill(os.getpid(), signal.SIGKILL)
        if self.pause_at is not None and (self.pause_at in (event, point)):
            self.pause_at = None
            sys.stdin.readline()

    def sending(self, change: Change) -> None:
        self._event("sending", change.key)

    def sent(self, change: Change, job_key: str) -> None:
        self._event("sent", change.key)

    def job_status(self, change: Change, status: str) -> None:
        self._event("job_status", change.key, status)

    def completed(self, change: Change) -> None:
        self._event("completed", change.key)

    def failed(self, change: Change, messages: list[str]) -> None:
        self._event("failed", change.key)

    def unknown(self, change: Change, reason: str) -> None:
        self._event("unknown", change.key)

    def skipped(self, change: Change, reason: str) -> None:
        self._event("skipped", change.key)

    def settled(self, key: str, outcome: str) -> None:
        self._event("settled", key, outcome)

    def answered(self, record: RequestRecord, key: str) -> None:
        if record.method in ("PATCH", "POST"):
            self._event("answered", key, str(record.status_code))


def report_answers(hooks: Scripted) -> None:
    """Make every request the executor records an ``answered`` event too."""
    record_request = Executor.record_request

    def recorded(self: Executor, record: RequestRecord) -> None:
        record_request(self, record)
        change_id = self._change_id.get()
        key = next(
            (c.external_id for c in self.store.unfinished_changes() if c.id == change_id), "-"
        )
        hooks.answered(record, key)

    Executor.record_request = recorded  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("specs")
    parser.add_argument("state_url")
    parser.add_argument("base_url")
    parser.add_argument("--kill-at", help="EVENT or EVENT:DETAIL, e.g. job_status:In Progress")
    parser.add_argument("--pause-at", help="EVENT or EVENT:DETAIL: wait for a line on stdin")
    parser.add_argument("--key", help="only at this investor's event")
    parser.add_argument("--kill-after", type=float, help="SIGKILL this many seconds from start")
    parser.add_argument("--parallelism", type=int, default=4)
    parser.add_argument("--read-timeout", type=float, default=5.0)
    parser.add_argument("--job-timeout", type=float, default=30.0)
    parser.add_argument("--confirm-wait", type=float, default=5.0)
    parser.add_argument("--grace", type=float, default=10.0, help="interrupt grace, seconds")
    parser.add_argument("--resume", action="store_true", help="jobs resume instead of apply")
    args = parser.parse_args()

    if args.kill_after is not None:
        timer = threading.Timer(args.kill_after, os.kill, (os.getpid(), signal.SIGKILL))
        timer.daemon = True
        timer.start()
    env = dataclasses.replace(
        fast_environment(BUILTIN_ENVIRONMENTS["local"]),
        base_url=args.base_url,
        parallelism=args.parallelism,
        read_timeout=args.read_timeout,
    )
    hooks = Scripted(args.kill_at, args.pause_at, args.key)
    report_answers(hooks)
    options = ApplyOptions(
        job_timeout=args.job_timeout, interrupt_grace=args.grace, confirm_wait=args.confirm_wait
    )
    if args.resume:
        result = api.resume_jobs(state_url=args.state_url, env=env, options=options, hooks=hooks)
    else:
        result = api.apply(
            args.specs, state_url=args.state_url, env=env, options=options, hooks=hooks
        )
    outcomes = {o.key: o.status for o in (*result.settled, *result.outcomes)}
    print("result " + json.dumps({"ok": result.ok, "outcomes": outcomes}), flush=True)
    sys.exit(0 if result.ok else 1)


if __name__ == "__main__":
    main()
