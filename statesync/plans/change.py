"""A plan and its changes: the model every view renders and apply executes."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from statesync.kinds import Document
from statesync.plans.action import Action

Op = dict[str, Any]


@dataclass(frozen=True)
class FieldChange:
    """One managed field that changes, at an RFC 6902 path of the canonical document.

    ``before`` is the last known value (a keyed digest for a sensitive field, ``None`` when
    known to be empty); ``after`` is the desired value, ``None`` to clear it. ``known`` is false
    when the state has never managed the field (and for an adoption): its value in SEI is not
    known, and ``before`` is ``None``.
    """

    path: str
    before: Any
    after: Any
    known: bool = True

    @property
    def field(self) -> str:
        """The field's API name: the last step of the path."""
        return self.path.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")


@dataclass(frozen=True)
class Failure:
    """How the last attempt at this change ended, so a retry shows as one."""

    run_id: str
    messages: tuple[str, ...]


@dataclass(frozen=True)
class Change:
    """What a plan does to one resource.

    Per action, ``target`` is the document the state holds once the change is applied:
    adopt and update, the last known document with every managed field set as the specs say
    (sensitive values plain where the patch sets them); release and noop, ``None``.
    ``patch`` holds RFC 6902 ops in canonical form with plain values — what apply sends; every
    view masks it. Adopt's patch is taken against a baseline holding every managed path as null,
    because SEI's record is not known: ``replace`` for each value, ``remove`` for each null.
    """

    kind: str
    key: str
    action: Action
    patch: tuple[Op, ...] = ()
    fields: tuple[FieldChange, ...] = ()
    target: Document | None = None
    source: str | None = None
    previous_failure: Failure | None = None


@dataclass(frozen=True)
class Plan:
    """Every change one planning run found, and the state it was made against."""

    changes: tuple[Change, ...]
    lineage: str
    serial: int
    specs_digest: str
    created_at: str
    tool_version: str
    targets: tuple[str, ...] = ()
    # Not an init argument: dataclasses.replace() would hand the old Counter in to be added to.
    counts: Counter[Action] = field(default_factory=Counter, compare=False, init=False)

    def __post_init__(self) -> None:
        self.counts.update(change.action for change in self.changes)

    def provenance(self) -> dict[str, Any]:
        """What the plan was made with and against, as every stored or printed form names it."""
        return {
            "tool_version": self.tool_version,
            "lineage": self.lineage,
            "serial": self.serial,
            "specs_digest": self.specs_digest,
            "created_at": self.created_at,
            "targets": list(self.targets),
        }

    @property
    def has_changes(self) -> bool:
        """Whether applying would change anything (releases count: they change the state)."""
        return any(change.action is not Action.NOOP for change in self.changes)

    @property
    def actionable(self) -> tuple[Change, ...]:
        return tuple(change for change in self.changes if change.action is not Action.NOOP)

    def summary(self) -> str:
        """Terraform's closing line, in this domain's words."""
        if not self.has_changes:
            return "No changes. Investor records match the specs."
        c = self.counts
        return (
            f"Plan: {c[Action.ADOPT]} to adopt, {c[Action.UPDATE]} to update, "
            f"{c[Action.RELEASE]} to release, {c[Action.NOOP]} unchanged."
        )
