"""The plan as a stable machine format for tools and pipelines.

Format version 1::

    {"format_version": "1", "tool_version", "lineage", "serial", "specs_digest", "created_at",
     "targets": [...], "has_changes": bool,
     "summary": {"adopt": N, "update": N, "release": N, "unchanged": N},
     "resources": [{"kind", "key", "<keyField>": key, "action", "source",
                    "changes": [{"path", "pointer", "before", "known_before", "after"}],
                    "patch": [RFC 6902 ops],                              # masked
                    "previous_failure": {"run_id", "messages"} | null}]}

``resources`` lists every resource, unchanged ones included; sensitive values are masked.
"""

from __future__ import annotations

from typing import Any

from statesync.kinds import KINDS
from statesync.masking import mask_patch, mask_value
from statesync.plans import Action, Plan
from statesync.views.fields import display_path

FORMAT_VERSION = "1"


def plan_to_json(plan: Plan) -> dict[str, Any]:
    """The plan as JSON-ready data, sensitive values masked."""
    resources = []
    for change in plan.changes:
        kind = KINDS[change.kind]
        sensitive = kind.sensitive_fields
        failure = change.previous_failure
        resources.append(
            {
                "kind": change.kind,
                "key": change.key,
                kind.key_field: change.key,
                "action": change.action.value,
                "source": change.source,
                "changes": [
                    {
                        "path": display_path(change.kind, field.path),
                        "pointer": field.path,
                        "before": _shown(field.field, field.before, sensitive),
                        "known_before": field.known,
                        "after": _shown(field.field, field.after, sensitive),
                    }
                    for field in change.fields
                ],
                "patch": mask_patch(kind, list(change.patch)),
                "previous_failure": (
                    {"run_id": failure.run_id, "messages": list(failure.messages)}
                    if failure
                    else None
                ),
            }
        )
    counts = plan.counts
    return {
        "format_version": FORMAT_VERSION,
        **plan.provenance(),
        "has_changes": plan.has_changes,
        "summary": {
            "adopt": counts[Action.ADOPT],
            "update": counts[Action.UPDATE],
            "release": counts[Action.RELEASE],
            "unchanged": counts[Action.NOOP],
        },
        "resources": resources,
    }


def _shown(field: str, value: Any, sensitive: frozenset[str]) -> Any:
    if value is not None and field in sensitive:
        return mask_value(field, value, sensitive)
    return value
