"""The diff engine: last known document + desired document → minimal RFC 6902 patch.

Only managed fields count: a field the spec omits never appears in a patch; a field the spec
sets to null yields a removal when the last known document has it. Comparison is narrowed
before deepdiff sees it: a resource whose merged document has the stored digest is unchanged
(the planner checks that first), and of a changed one the walk descends only into the groups
and addresses that differ, so deepdiff compares the smallest container holding a difference
(one address, not the investor). Every patch is checked with jsonpatch: applied to the last
known document it must give the target, or planning stops (an engine bug must never reach SEI).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jsonpatch
from deepdiff import DeepDiff

from statesync.errors import PlanError
from statesync.kinds import Document
from statesync.plans.change import FieldChange, Op

_OPS = {
    "values_changed": "replace",
    "type_changes": "replace",
    "dictionary_item_added": "add",
    "dictionary_item_removed": "remove",
}


def pointer(steps: list[str] | tuple[str, ...]) -> str:
    """An RFC 6901 JSON pointer for a path of keys."""
    return "".join("/" + str(s).replace("~", "~0").replace("/", "~1") for s in steps)


def merge(known: Document, desired: Document) -> Document:
    """``known`` with every managed field of ``desired`` applied.

    A field the spec sets to null is kept as ``None``: *known to be empty*, which the state
    must tell apart from a field it has never managed (absent, so its value in SEI is unknown).
    """
    out = dict(known)
    for name, value in desired.items():
        if isinstance(value, dict):
            before = known.get(name)
            out[name] = merge(before if isinstance(before, dict) else {}, value)
        else:
            out[name] = value
    return out


def leaves(
    document: Document, prefix: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every (path, value) of a canonical document's fields, groups walked into."""
    for name, value in document.items():
        if isinstance(value, dict):
            yield from leaves(value, (*prefix, name))
        else:
            yield (*prefix, name), value


def value_at(document: Any, steps: tuple[str, ...] | list[str]) -> Any:
    """The value at a path, or None where the path does not exist."""
    node = document
    for step in steps:
        if not isinstance(node, dict) or step not in node:
            return None
        node = node[step]
    return node


def update_ops(known: Document, target: Document) -> list[Op]:
    """The ops that turn ``known`` into ``target``, comparing only what differs."""
    return _narrowed((), known, target)


def _narrowed(prefix: tuple[str, ...], before: Document, after: Document) -> list[Op]:
    """Walk into the containers that differ, down to the smallest one that still holds every
    difference below it; deepdiff compares only those, never a whole document."""
    ops: list[Op] = []
    differing = [n for n in sorted(before.keys() | after.keys()) if not _same_at(before, after, n)]
    nested = [
        n for n in differing if isinstance(before.get(n), dict) and isinstance(after.get(n), dict)
    ]
    if len(nested) == 1 and len(differing) == 1:
        return _narrowed((*prefix, nested[0]), before[nested[0]], after[nested[0]])
    if prefix and not nested:
        return _deep_ops(prefix, before, after)
    for name in differing:
        old, new = before.get(name, _ABSENT), after.get(name, _ABSENT)
        if name in nested:
            ops.extend(_narrowed((*prefix, name), old, new))
        else:
            ops.append(_op((*prefix, name), old, new))
    return ops


def _op(steps: tuple[str, ...], old: Any, new: Any) -> Op:
    """One field's op: a value set, a known value removed, or an unknown one cleared.

    Clearing a field whose value is not known (never managed) is ``add`` with a null value:
    there is nothing to remove from the known document, yet SEI must be told to clear it.
    """
    path = pointer(steps)
    if new is _ABSENT or (new is None and old is not _ABSENT):
        return {"op": "remove", "path": path}
    return {"op": "add" if old is _ABSENT else "replace", "path": path, "value": new}


def adopt_ops(desired: Document) -> list[Op]:
    """Adoption's ops against a baseline of every managed path as null: set or clear each."""
    ops: list[Op] = []
    for steps, value in leaves(desired):
        if value is None:
            ops.append({"op": "remove", "path": pointer(steps)})
        else:
            ops.append({"op": "replace", "path": pointer(steps), "value": value})
    return ops


def skeleton(desired: Document) -> Document:
    """The adoption baseline: the desired document's shape with every field null."""
    return {
        name: skeleton(value) if isinstance(value, dict) else None
        for name, value in desired.items()
    }


def verify(before: Document, ops: list[Op], expected: Document) -> None:
    """Apply the patch and insist on the expected document (dropping groups left empty)."""
    try:
        result = jsonpatch.JsonPatch(ops).apply(_copy(before), in_place=True)
    except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException) as exc:
        raise PlanError(f"internal error: the planned patch does not apply ({exc})") from exc
    if result != expected and _drop_empty(result) != _drop_empty(expected):
        # Removal leaves a field absent where the target records it as known-empty (None).
        raise PlanError("internal error: the planned patch does not produce the desired document")


def field_changes(known: Document, ops: list[Op], plain: Document) -> list[FieldChange]:
    """Leaf-level before/after for each op; a whole group or address added shows field by field."""
    out: list[FieldChange] = []
    for op in ops:
        steps = tuple(_steps(op["path"]))
        after = None if op["op"] == "remove" else value_at(plain, steps)
        changed = leaves(after, steps) if isinstance(after, dict) else [(steps, after)]
        out.extend(
            FieldChange(pointer(p), value_at(known, p), v, _has(known, p)) for p, v in changed
        )
    return out


def _has(document: Document, steps: tuple[str, ...]) -> bool:
    """Whether the document holds the path (with a value or as known-empty)."""
    node: Any = document
    for step in steps:
        if not isinstance(node, dict) or step not in node:
            return False
        node = node[step]
    return True


def with_plain_values(ops: list[Op], plain: Document) -> list[Op]:
    """Ops computed on redacted documents, carrying the plain values apply must send."""
    return [
        {**op, "value": value_at(plain, _steps(op["path"]))} if "value" in op else op for op in ops
    ]


class _Absent:
    def __repr__(self) -> str:
        return "<absent>"


_ABSENT: Any = _Absent()


def _same_at(before: Document, after: Document, name: str) -> bool:
    """Whether a field is equal in both documents (absent in both counts as equal)."""
    return _same(before.get(name, _ABSENT), after.get(name, _ABSENT))


def _same(a: Any, b: Any) -> bool:
    """Equal as the API sees it, decided by Python's ``==`` at C speed.

    A boolean is never equal to a number (``True == 1`` in Python, not on the wire). Inside
    containers ``==`` is trusted: models are strict, so one field never holds a boolean in one
    document and a number in the other.
    """
    if a is _ABSENT or b is _ABSENT:
        return a is b
    return bool(a == b) and (type(a) is bool) == (type(b) is bool)


def _deep_ops(prefix: tuple[str, ...], before: Document, after: Document) -> list[Op]:
    """deepdiff on one narrowed container: its differences as RFC 6902 ops under ``prefix``."""
    ops: list[Op] = []
    # threshold_to_diff_deeper=0: never replace a whole dict because few of its keys are shared.
    diff = DeepDiff(before, after, view="tree", threshold_to_diff_deeper=0, cache_purge_level=0)
    for report, levels in diff.items():
        op = _OPS.get(report)
        if op is None:
            where = pointer(prefix)
            raise PlanError(f"internal error: unexpected difference {report!r} at {where}")
        for level in levels:
            steps = (*prefix, *map(str, level.path(output_format="list")))
            old = _ABSENT if op == "add" else level.t1
            new = _ABSENT if op == "remove" else level.t2
            ops.append(_op(steps, old, new))
    return sorted(ops, key=lambda o: o["path"])


def _copy(node: Any) -> Any:
    """A deep copy of a JSON document, faster than ``copy.deepcopy`` (no memo, no dispatch)."""
    if isinstance(node, dict):
        return {key: _copy(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_copy(item) for item in node]
    return node


def _steps(path: str) -> list[str]:
    return [s.replace("~1", "/").replace("~0", "~") for s in path.split("/")[1:]]


def _drop_empty(document: Any) -> Any:
    """The document without empty fields (null) or empty groups, for comparing content."""
    if isinstance(document, dict):
        out = {k: _drop_empty(v) for k, v in document.items()}
        return {k: v for k, v in out.items() if v is not None and v != {}}
    return document
