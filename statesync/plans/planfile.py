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
from statesync.kinds import KINDS
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
        if not isinstance(data["changes"], list):
            raise TypeError("changes is not a list")
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
        "fields": [[f.path, f.before, f.after, f.known] for f in change.fields],
        "target": change.target,
        "source": change.source,
        "previous_failure": [failure.run_id, list(failure.messages)] if failure else None,
    }


def _change_in(data: Any) -> Change:
    # Shapes are checked here, not where the views and apply first trip over them; no message
    # quotes the file, which holds plain tax ids.
    if not isinstance(data, dict) or data.get("kind") not in KINDS:
        raise ValueError("a change that is not a mapping of a known kind")
    if not isinstance(data["key"], str) or not isinstance(data["source"], (str, type(None))):
        raise TypeError(f"{data['kind']} change with a key or source that is not text")
    patch, fields, target = data["patch"], data["fields"], data["target"]
    if not (
        isinstance(patch, list)
        and all(isinstance(op, dict) and _text(op, "op") and _text(op, "path") for op in patch)
    ):
        raise TypeError(f"{data['kind']} {data['key']}: patch is not a list of RFC 6902 ops")
    if not (
        isinstance(fields, list)
        and all(isinstance(f, list) and len(f) == 4 and isinstance(f[0], str) for f in fields)
    ):
        raise TypeError(f"{data['kind']} {data['key']}: fields are not [path, before, after]")
    if not isinstance(target, (dict, type(None))):
        raise TypeError(f"{data['kind']} {data['key']}: target is not a document")
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


def _text(op: dict[str, Any], name: str) -> bool:
    return isinstance(op.get(name), str)
