"""The Python API of statesync; the ``statesync`` command is a thin shell over it.

    >>> from statesync import api
    >>> plan = api.plan("specs", state_url="sqlite:///state.db")
    >>> print(plan.summary())

Each function opens what it needs (specs, state) and closes it; errors are raised from
``statesync.errors`` and never turned into exit codes here.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from statesync.kinds import KINDS
from statesync.masking import mask_patch
from statesync.plans import Failure, Plan, make_plan
from statesync.specs import SpecSet, load_specs
from statesync.state import StateStore, git_commit, open_state


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
