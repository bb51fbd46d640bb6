"""Specs + what the state last knew → a Plan. Pure: no database, no network."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from datetime import UTC, datetime
from typing import Protocol

from statesync import __version__
from statesync.errors import PlanError
from statesync.kinds import KINDS, Document, ResourceKind, digest
from statesync.plans import diff
from statesync.plans.action import Action
from statesync.plans.change import Change, Failure, Plan
from statesync.specs import SpecSet

#: Replaces sensitive values with the state's keyed digests, so equality stays decidable.
Redact = Callable[[ResourceKind, Document], Document]


class Known(Protocol):
    """What the state holds for one resource (``statesync.state`` provides it)."""

    @property
    def document(self) -> Document: ...

    @property
    def digest(self) -> str: ...


def make_plan(
    specs: SpecSet,
    known: Mapping[str, Mapping[str, Known]],
    redact: Redact,
    *,
    lineage: str,
    serial: int,
    targets: Collection[str] = (),
    failures: Callable[[str, str], Failure | None] | None = None,
) -> Plan:
    """Plan every resource of every kind: adopt, update, release or leave alone.

    ``known`` maps kind name → key → stored resource; ``targets`` narrows the plan to those keys
    (a key neither declared nor stored is a :class:`PlanError`);
    ``failures`` looks up how the last attempt at a resource ended; asked only for changes that
    send, it marks retries so reviewers see one rather than a new change.
    """
    wanted = set(targets)
    unknown = wanted.difference(
        *(
            specs.by_key(kind.name).keys() | known.get(kind.name, {}).keys()
            for kind in KINDS.values()
        )
    )
    if unknown:
        # A mistyped target would otherwise plan nothing and report "No changes".
        names = ", ".join(repr(key) for key in sorted(unknown))
        raise PlanError(f"--target {names}: neither in the specs nor in the state")
    if specs.files == 0 and not wanted and any(known.values()):
        # Terraform's rule: an empty or mistyped directory must not release every resource.
        raise PlanError(
            f"no spec files under {specs.root}: planning would release every resource in the "
            "state; check the directory, or stop managing them with `statesync state rm`"
        )
    changes: list[Change] = []
    for kind in KINDS.values():
        declared = specs.by_key(kind.name)
        stored = known.get(kind.name, {})
        for key in sorted(declared.keys() | stored.keys()):
            if wanted and key not in wanted:
                continue
            spec = declared.get(key)
            if spec is None:
                changes.append(Change(kind.name, key, Action.RELEASE))
                continue
            change = plan_resource(kind, key, spec.document, stored.get(key), redact)
            failure = failures(kind.name, key) if failures and change.action.sends else None
            changes.append(
                Change(
                    change.kind,
                    change.key,
                    change.action,
                    change.patch,
                    change.fields,
                    change.target,
                    source=spec.where,
                    previous_failure=failure,
                )
            )
    return Plan(
        changes=tuple(changes),
        lineage=lineage,
        serial=serial,
        specs_digest=specs.digest,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        tool_version=__version__,
        targets=tuple(sorted(wanted)),
    )


def plan_resource(
    kind: ResourceKind, key: str, desired: Document, known: Known | None, redact: Redact
) -> Change:
    """One resource's change: adoption when the state has never seen it, else a minimal update."""
    if known is None:
        ops = diff.adopt_ops(desired)
        target = diff.merge({}, desired)
        diff.verify(diff.skeleton(desired), ops, target)
        fields = diff.field_changes({}, ops, target)
        return Change(kind.name, key, Action.ADOPT, tuple(ops), tuple(fields), target)
    hidden = redact(kind, desired)
    target_redacted = diff.merge(known.document, hidden)
    if digest(target_redacted) == known.digest:
        return Change(kind.name, key, Action.NOOP)
    ops = diff.update_ops(known.document, target_redacted)
    if not ops:
        return Change(kind.name, key, Action.NOOP)
    diff.verify(known.document, ops, target_redacted)
    target = diff.merge(known.document, desired)
    plain_ops = diff.with_plain_values(ops, target)
    fields = diff.field_changes(known.document, plain_ops, target)
    return Change(kind.name, key, Action.UPDATE, tuple(plain_ops), tuple(fields), target)
