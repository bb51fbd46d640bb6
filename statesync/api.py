"""The Python API of statesync; the ``statesync`` command is a thin shell over it.

    >>> from statesync import api
    >>> plan = api.plan("specs", state_url="sqlite:///state.db")
    >>> print(plan.summary())

Each function opens what it needs (specs, state) and closes it; errors are raised from
``statesync.errors`` and never turned into exit codes here.
"""

from __future__ import annotations

import asyncio
import dataclasses
import signal
from collections.abc import Awaitable, Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from statesync.apply import ApplyHooks, ApplyOptions, Executor, Outcome
from statesync.errors import PlanError, StaleStateError
from statesync.kinds import KINDS
from statesync.masking import mask_patch
from statesync.plans import Failure, Plan, load_plan, make_plan
from statesync.remote.config import (
    Credentials,
    Environment,
    load_environments,
    select_environment,
)
from statesync.specs import SpecSet, load_specs
from statesync.state import ChangeStatus, StateStore, git_commit, open_state

__all__ = [
    "ApplyResult",
    "Confirm",
    "apply",
    "environment",
    "plan",
    "plan_against",
    "record_plan",
    "release",
    "resume_jobs",
]


def plan(
    specs_dir: Path | str = "specs",
    *,
    state_url: str | None = None,
    targets: Collection[str] = (),
    record: bool = True,
) -> Plan:
    """Load the specs, compare them with the state and return the plan.

    With ``record`` (the default) the plan is written to the ledger as a run, with each change
    it found (sensitive values masked), so the audit trail shows what was reviewed.
    """
    specs = load_specs(specs_dir)
    with open_state(state_url) as store:
        return plan_against(store, specs, targets=targets, record=record)


def plan_against(
    store: StateStore,
    specs: SpecSet,
    *,
    targets: Collection[str] = (),
    record: bool = True,
) -> Plan:
    """Plan loaded specs against an open state (apply uses this inside its lock)."""
    known = {name: store.resources(name) for name in KINDS}

    def failure(kind_name: str, key: str) -> Failure | None:
        found = store.last_failure(kind_name, key)
        if found is None:
            return None
        messages = [m for m in [found.message, *found.validation_messages] if m]
        return Failure(found.run_id, tuple(messages))

    result = make_plan(
        specs,
        known,
        store.redact,
        lineage=store.lineage,
        serial=store.serial,
        targets=targets,
        failures=failure,
    )
    if record:
        record_plan(store, result, specs.root)
    return result


def record_plan(store: StateStore, result: Plan, specs_root: Path) -> str:
    """Write a plan to the ledger as a run; returns the run id."""
    run_id = store.begin_run(
        "plan", specs_digest=result.specs_digest, commit=git_commit(specs_root)
    )
    for change in result.actionable:
        kind = KINDS[change.kind]
        store.record_change(
            run_id,
            change.kind,
            change.key,
            change.action.value,
            mask_patch(kind, list(change.patch)),
        )
    store.end_run(run_id, "changes" if result.has_changes else "no-changes")
    return run_id


def release(
    external_id: str,
    *,
    kind_name: str = "Investor",
    state_url: str | None = None,
    lock_timeout: float = 0.0,
) -> str:
    """Stop managing a resource: remove it from the state (SEI keeps it), as a ledger run."""
    with open_state(state_url) as store, store.lock("state rm", timeout=lock_timeout):
        run_id = store.begin_run("state rm")
        try:
            store.remove_resource(kind_name, external_id, run_id)
        except BaseException:
            store.end_run(run_id, "failed")
            raise
        store.end_run(run_id, "completed")
        return run_id


@dataclass(frozen=True)
class ApplyResult:
    """What an apply did: its run, the plan it executed and how each change ended."""

    run_id: str
    plan: Plan | None
    outcomes: tuple[Outcome, ...] = ()
    settled: tuple[Outcome, ...] = ()
    interrupted: bool = False
    cancelled: bool = False

    @property
    def ok(self) -> bool:
        """Every change completed (or needed no call): exit code 0.

        A resource's last outcome counts: an earlier send found undelivered while settling,
        then sent again by this apply and completed, is done.
        """
        done = {ChangeStatus.COMPLETED.value, "released", "skipped"}
        last = {(o.kind, o.key): o for o in (*self.settled, *self.outcomes)}
        return (
            not self.interrupted
            and not self.cancelled
            and all(o.status in done for o in last.values())
            and not any(o.status == "skipped" and o.messages for o in self.outcomes)
        )


#: Asked with the plan before anything is sent; False cancels the apply.
Confirm = Callable[[Plan], bool]


def environment(
    name: str | None = None,
    *,
    config_root: Path | str = ".",
    parallelism: int | None = None,
    rate_limit: float | None = None,
) -> Environment:
    """The environment ``--env NAME`` picks from ``statesync.toml``, with command-line overrides."""
    env = select_environment(load_environments(Path(config_root)), name)
    overrides: dict[str, Any] = {}
    if parallelism is not None:
        overrides["parallelism"] = parallelism
    if rate_limit is not None:
        overrides["rate_limit"] = rate_limit
    return dataclasses.replace(env, **overrides) if overrides else env


def apply(
    specs_dir: Path | str = "specs",
    *,
    plan_file: Path | str | None = None,
    state_url: str | None = None,
    env: Environment | None = None,
    credentials: Credentials | None = None,
    targets: Collection[str] = (),
    options: ApplyOptions | None = None,
    hooks: ApplyHooks | None = None,
    confirm: Confirm | None = None,
    lock_timeout: float = 0.0,
) -> ApplyResult:
    """Apply the specs (or exactly a saved plan) to SEI, holding the state lock throughout.

    First, changes an earlier apply left unfinished are followed to their end, so nothing is
    sent twice. Then the plan is made (or the saved one checked against the state), shown to
    ``confirm``, and executed; every request, job status and outcome goes to the ledger.
    """
    if plan_file is not None and targets:
        # A saved plan is applied exactly as reviewed; narrowing it here would be ignored.
        raise PlanError(
            "--target cannot be used with a saved plan, which applies exactly the changes it "
            "holds: make a targeted plan with `statesync plan --target ID --out FILE`"
        )
    env = env or environment()
    credentials = credentials or Credentials.from_env(env)
    hooks = hooks or ApplyHooks()
    saved = load_plan(Path(plan_file)) if plan_file is not None else None
    specs = load_specs(specs_dir) if saved is None else None
    with open_state(state_url) as store, store.lock("apply", timeout=lock_timeout):
        if saved is not None:
            _check_fresh(saved, store)
        root = specs.root if specs is not None else Path(plan_file or ".")
        run_id = store.begin_run(
            "apply",
            specs_digest=specs.digest if specs else saved.specs_digest if saved else None,
            commit=git_commit(root),
        )
        try:
            result = _apply_locked(
                store, run_id, env, credentials, specs, saved, targets, options, hooks, confirm
            )
        except BaseException:
            store.end_run(run_id, "error")
            raise
        store.end_run(run_id, _run_outcome(result))
        hooks.finished()
        return result


def resume_jobs(
    *,
    state_url: str | None = None,
    env: Environment | None = None,
    credentials: Credentials | None = None,
    options: ApplyOptions | None = None,
    hooks: ApplyHooks | None = None,
    lock_timeout: float = 0.0,
) -> ApplyResult:
    """Follow every unfinished change of earlier applies to its end; send nothing new."""
    env = env or environment()
    credentials = credentials or Credentials.from_env(env)
    with open_state(state_url) as store, store.lock("jobs resume", timeout=lock_timeout):
        run_id = store.begin_run("jobs resume")
        try:
            settled, interrupted = _settle(store, run_id, env, credentials, options, hooks)
        except BaseException:
            store.end_run(run_id, "error")
            raise
        result = ApplyResult(run_id, None, settled=tuple(settled), interrupted=interrupted)
        store.end_run(run_id, _run_outcome(result))
        return result


def _apply_locked(
    store: StateStore,
    run_id: str,
    env: Environment,
    credentials: Credentials,
    specs: SpecSet | None,
    saved: Plan | None,
    targets: Collection[str],
    options: ApplyOptions | None,
    hooks: ApplyHooks,
    confirm: Confirm | None,
) -> ApplyResult:
    _close_dead_runs(store, run_id)
    settled, interrupted = _settle(store, run_id, env, credentials, options, hooks)
    if interrupted:
        # Ctrl-C while following an earlier run's jobs: nothing new is planned or sent.
        return ApplyResult(run_id, None, settled=tuple(settled), interrupted=True)
    if saved is not None:
        _check_fresh(saved, store, settled=bool(settled))
        chosen = saved
    else:
        assert specs is not None
        chosen = plan_against(store, specs, targets=targets, record=False)
    if not chosen.has_changes:
        return ApplyResult(run_id, chosen, settled=tuple(settled))
    if confirm is not None and not confirm(chosen):
        return ApplyResult(run_id, chosen, settled=tuple(settled), cancelled=True)
    # A change whose earlier send is still pending is not sent again: its job may yet complete.
    pending = {(r.kind, r.external_id) for r in store.unfinished_changes()}
    sendable = [c for c in chosen.changes if (c.kind, c.key) not in pending]
    held = [c for c in chosen.changes if (c.kind, c.key) in pending]

    outcomes, interrupted = _execute(
        store, run_id, env, credentials, options, hooks, lambda e: e.apply(sendable)
    )
    reason = "an earlier send of it is still pending: run `statesync jobs resume`"
    for change in held:
        hooks.skipped(change, reason)
        outcomes.append(
            Outcome(change.kind, change.key, change.action.value, "skipped", None, (reason,))
        )
    return ApplyResult(run_id, chosen, tuple(outcomes), tuple(settled), interrupted=interrupted)


def _settle(
    store: StateStore,
    run_id: str,
    env: Environment,
    credentials: Credentials,
    options: ApplyOptions | None,
    hooks: ApplyHooks | None,
) -> tuple[list[Outcome], bool]:
    """Follow the unfinished changes of earlier runs before anything new is planned or sent.

    Returns their outcomes and whether an interrupt came meanwhile.
    """
    unfinished = store.unfinished_changes()
    if not unfinished:
        return [], False

    return _execute(store, run_id, env, credentials, options, hooks, lambda e: e.settle(unfinished))


def _execute(
    store: StateStore,
    run_id: str,
    env: Environment,
    credentials: Credentials,
    options: ApplyOptions | None,
    hooks: ApplyHooks | None,
    work: Callable[[Executor], Awaitable[list[Outcome]]],
) -> tuple[list[Outcome], bool]:
    """Run ``work`` on an executor in its own event loop, Ctrl-C routed to the executor.

    Returns the outcomes and whether an interrupt came meanwhile.
    """

    async def run() -> tuple[list[Outcome], bool]:
        async with Executor(
            store, run_id, env, credentials, hooks=hooks, options=options
        ) as executor:
            with _interrupts(executor.interrupt):
                return await work(executor), executor.interrupted

    return asyncio.run(run())


def _check_fresh(saved: Plan, store: StateStore, *, settled: bool = False) -> None:
    """Refuse a saved plan made against another state, or one that has moved on since."""
    if saved.lineage != store.lineage:
        raise StaleStateError(
            f"the saved plan was made against another state (lineage {saved.lineage}; this "
            f"state is {store.lineage}): make a new plan against this state"
        )
    if saved.serial != store.serial:
        why = (
            "settling the unfinished changes of an earlier apply changed it"
            if settled
            else "it changed since the plan was made"
        )
        raise StaleStateError(
            f"the saved plan is stale: it was made at state serial {saved.serial}, the state "
            f"is now at {store.serial} ({why}): run `statesync plan --out FILE` again"
        )


def _close_dead_runs(store: StateStore, current: str) -> None:
    """Runs left open by a process that died: we hold the lock, so none of them is alive."""
    for run in store.runs():
        if run.ended_at is None and run.id != current:
            store.end_run(run.id, "crashed")


@contextmanager
def _interrupts(handler: Callable[[], None]) -> Iterator[None]:
    """Route Ctrl-C (and SIGTERM) to ``handler`` while the block runs on the event loop."""
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, handler)
            installed.append(sig)
        except (NotImplementedError, RuntimeError, ValueError):
            pass  # not the main thread (tests, embedding): the caller handles signals
    try:
        yield
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)


def _run_outcome(result: ApplyResult) -> str:
    if result.cancelled:
        return "cancelled"
    if result.interrupted:
        return "interrupted"
    return "completed" if result.ok else "incomplete"
