"""Field paths and values as people read them: ``address[Legal].city: "Hartford" → "New Haven"``."""

from __future__ import annotations

import json
from typing import Any

from statesync.kinds import KINDS
from statesync.masking import mask_value
from statesync.plans import Change, FieldChange

_SENSITIVE = frozenset().union(*(kind.sensitive_fields for kind in KINDS.values()))


def display_path(kind_name: str, pointer: str) -> str:
    """``/address/Legal/city`` → ``address[Legal].city``: keyed-list items by their key."""
    keyed = KINDS[kind_name].keyed_lists if kind_name in KINDS else {}
    steps = [s.replace("~1", "/").replace("~0", "~") for s in pointer.split("/")[1:]]
    out = ""
    previous = None
    for step in steps:
        if previous in keyed:
            out += f"[{step}]"
        else:
            out += f".{step}" if out else step
        previous = step
    return out


#: How a value the state has never known shows: the field was not managed before.
UNKNOWN = "(not managed before)"


def display_value(field: str, value: Any) -> str:
    """A value as JSON text (``null`` for none), masked when the field is sensitive."""
    if value is not None and field in _SENSITIVE:
        return mask_value(field, value)
    return json.dumps(value, ensure_ascii=False)


def field_line(change: Change, field: FieldChange) -> tuple[str, str, str]:
    """(path, before, after) of one field change, ready to print."""
    path = display_path(change.kind, field.path)
    after = display_value(field.field, field.after)
    if change.action.value == "adopt":
        return path, "", after
    before = display_value(field.field, field.before) if field.known else UNKNOWN
    return path, before, after
