"""What a plan does to one resource."""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    """One resource's fate in a plan, with the symbol the text view shows for it."""

    ADOPT = "adopt"  # new to the state: send every managed field
    UPDATE = "update"  # in the state and the specs, with fields that differ: send the patch
    RELEASE = "release"  # in the state, gone from the specs: stop managing it, send nothing
    NOOP = "noop"  # in both, nothing differs

    @property
    def symbol(self) -> str:
        return {"adopt": "+", "update": "~", "release": "-", "noop": " "}[self.value]

    @property
    def sends(self) -> bool:
        """Whether applying this action calls the API."""
        return self in (Action.ADOPT, Action.UPDATE)
