"""The saved plan (--out FILE): what apply needs to send exactly what was reviewed.

It holds plain values (the patches must carry the real tax ids), so it is written readable by
its owner only. It names the state lineage and serial it was made against; apply refuses it
when the state has moved on, or when it was written by an incompatible statesync.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from statesync import __version__
from statesync.errors import PlanError
from statesync.files import write_private
from statesync.plans.action import Action
from statesync.plans.change import Change, Failure, FieldChange, Plan

PLANFILE_FORMAT = 1
_MAGIC = "statesync-plan"


def save_plan(plan: Plan, path: Path) -> None:
    """Write the plan atomically with mode 0600 (it holds unmasked sensitive values)."""
    data = {
        "format": _MAGIC,
        "format_version": PLANFILE_FORMAT,
        **plan.provenance(),
        "changes": [_change_out(c) for c in plan.changes],
    }
    try:
        write_private(path, json.dumps(data, ensure_ascii=False, sort_keys=True))
    except OSError as exc:
        raise PlanError(f"{path}: cannot save the plan ({exc.strerror})") from None


def load_plan(path: Path) -> Plan:
    """Read a saved plan; refuse one that is not a plan or was made by an incompatible version."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PlanError(f"{path}: no such plan file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PlanError(f"{path}: not a statesync plan file ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != _MAGIC:
        raise PlanError(f"{path}: not a statesync plan file")
    version = data.get("tool_version", "?")
    if data.get("format_version") != PLANFILE_FORMAT or not compatible(str(version)):
        raise PlanError(
            f"{path} was made by statesync {version} (plan format "
            f"{data.get('format_version')}); this is statesync {__version__} (plan format "
            f"{PLANFILE_FORMAT}): make the plan again with this version"
        )
    try:
        return Plan(
            changes=tuple(_change_in(c) for c in data["changes"]),
            lineage=data["lineage"],
            serial=int(data["serial"]),
            specs_digest=data["specs_digest"],
            created_at=data["created_at"],
            tool_version=str(version),
            targets=tuple(data.get("targets", ())),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise PlanError(f"{path}: damaged plan file ({exc!r})") from None


def compatible(version: str) -> bool:
    """Plans move between patch releases of the same minor version, not across them."""
    return version.split(".")[:2] == __version__.split(".")[:2]


def _change_out(change: Change) -> dict[str, Any]:
    failure = change.previous_failure
    return {
        "kind": change.kind,
        "key": change.key,
        "action": change.action.value,
        "patch": list(change.patch),
        "fields": [[f.path, f.before, f.after] for f in change.fields],
        "target": change.target,
        "source": change.source,
        "previous_failure": [failure.run_id, list(failure.messages)] if failure else None,
    }


def _change_in(data: dict[str, Any]) -> Change:
    failure = data.get("previous_failure")
    return Change(
        kind=data["kind"],
        key=data["key"],
        action=Action(data["action"]),
        patch=tuple(data["patch"]),
        fields=tuple(FieldChange(*f) for f in data["fields"]),
        target=data["target"],
        source=data["source"],
        previous_failure=Failure(failure[0], tuple(failure[1])) if failure else None,
    )
