"""Properties of the diff engine for any two valid investors a (held by the state) and b (the spec).

The oracle here is written independently of ``statesync.plans.diff``: b's managed fields laid
over a, nulls clearing, omitted fields left alone, groups left empty dropped.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonpatch
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import Body, investors, spec_text

from statesync.kinds import INVESTOR, Document, canonical_json, digest
from statesync.plans import Action, Plan, diff, make_plan, plan_resource
from statesync.specs import SpecSet, load_text
from statesync.state import StateStore, open_state

from .support import Held, document, held, redact

KEY = "INV-1"
_PROPS = settings(deadline=None)
_MISSING = object()


def laid_over(base: Any, desired: Document) -> Any:
    """``base`` after the spec: each managed field set, each null cleared, omitted ones kept."""
    out = dict(base) if isinstance(base, dict) else {}
    for name, value in desired.items():
        if isinstance(value, dict):
            out[name] = laid_over(out.get(name), value)
        elif value is None:
            out.pop(name, None)
        else:
            out[name] = value
    return out


def pruned(node: Any) -> Any:
    """The document's content: empty (null) fields and empty groups dropped, since a field known
    to be empty and an absent one hold the same content (the state keeps the former as null)."""
    if not isinstance(node, dict):
        return node
    inner = {k: pruned(v) for k, v in node.items()}
    return {k: v for k, v in inner.items() if v is not None and v != {}}


def at(doc: Any, steps: list[str]) -> Any:
    node = doc
    for step in steps:
        if not isinstance(node, dict) or step not in node:
            return _MISSING
        node = node[step]
    return node


def as_json(value: Any) -> str:
    """Equality as JSON: absent, null, 1 and 1.0 all differ."""
    return "<absent>" if value is _MISSING else canonical_json(value)


def steps_of(pointer: str) -> list[str]:
    return [s.replace("~1", "/").replace("~0", "~") for s in pointer.split("/")[1:]]


def plain_state(a: Body) -> Document:
    """What the state holds after adopting a, sensitive values still plain."""
    return pruned(laid_over({}, document(a)))


def with_addresses(body: Body, order: list[Any]) -> Body:
    return {**body, "address": order} if isinstance(body.get("address"), list) else body


@_PROPS
@given(a=investors(), b=investors())
def test_the_patch_turns_what_the_state_holds_into_the_spec_laid_over_it(a: Body, b: Body) -> None:
    known = held(document(a))
    change = plan_resource(INVESTOR, KEY, document(b), known, redact)
    result = jsonpatch.apply_patch(known.document, list(change.patch))
    expected = laid_over(plain_state(a), document(b))
    assert pruned(redact(INVESTOR, result)) == pruned(redact(INVESTOR, expected))
    assert (change.action is Action.NOOP) == (not change.patch)
    assert change.action in (Action.UPDATE, Action.NOOP)


@_PROPS
@given(a=investors(), b=investors())
def test_once_applied_the_same_spec_plans_nothing(a: Body, b: Body) -> None:
    known = held(document(a))
    change = plan_resource(INVESTOR, KEY, document(b), known, redact)
    if change.target is not None:
        after = redact(INVESTOR, change.target)
        known = Held(after, digest(after))
    again = plan_resource(INVESTOR, KEY, document(b), known, redact)
    assert again.action is Action.NOOP
    assert again.patch == () and again.fields == ()


@_PROPS
@given(b=investors())
def test_planning_b_against_a_state_holding_b_is_empty(b: Body) -> None:
    change = plan_resource(INVESTOR, KEY, document(b), held(document(b)), redact)
    assert change.action is Action.NOOP
    assert change.patch == () and change.fields == () and change.target is None


@_PROPS
@given(a=investors(), b=investors())
def test_the_patch_touches_only_managed_paths_that_differ(a: Body, b: Body) -> None:
    known = held(document(a))
    desired = document(b)
    change = plan_resource(INVESTOR, KEY, desired, known, redact)
    target = redact(INVESTOR, known.document if change.target is None else change.target)
    for op in change.patch:
        steps = steps_of(op["path"])
        assert at(desired, steps) is not _MISSING, f"{op['path']} is not managed by the spec"
        before, after = at(known.document, steps), at(target, steps)
        assert before != after or type(before) is not type(after), f"{op} changes nothing"
    touched = {op["path"] for op in change.patch}
    assert len(touched) == len(change.patch), "a path is patched twice"


@_PROPS
@given(a=investors(), b=investors())
def test_the_field_changes_are_exactly_the_leaves_that_differ(a: Body, b: Body) -> None:
    known = held(document(a))
    change = plan_resource(INVESTOR, KEY, document(b), known, redact)
    target = redact(INVESTOR, known.document if change.target is None else change.target)
    every = {steps for steps, _ in diff.leaves(known.document)} | {
        steps for steps, _ in diff.leaves(target)
    }
    differing = {
        diff.pointer(steps)
        for steps in every
        if as_json(at(known.document, list(steps))) != as_json(at(target, list(steps)))
    }
    shown = [field.path for field in change.fields]
    assert sorted(shown) == sorted(differing)


@_PROPS
@given(a=investors(), b=investors(), data=st.data())
def test_the_order_of_addresses_changes_nothing(a: Body, b: Body, data: st.DataObject) -> None:
    a_order = data.draw(st.permutations(a["address"])) if isinstance(a.get("address"), list) else []
    b_order = data.draw(st.permutations(b["address"])) if isinstance(b.get("address"), list) else []
    a2, b2 = with_addresses(a, a_order), with_addresses(b, b_order)
    assert held(document(a2)) == held(document(a))
    known = held(document(a))
    change, change2 = (
        plan_resource(INVESTOR, KEY, document(body), known, redact) for body in (b, b2)
    )
    assert (change.action, change.patch, change.target) == (
        change2.action,
        change2.patch,
        change2.target,
    )
    # A whole address map added at once lists its fields in spec order; the set is the same.
    assert sorted(map(repr, change.fields)) == sorted(map(repr, change2.fields))
    adopted, adopted2 = (
        plan_resource(INVESTOR, KEY, document(body), None, redact) for body in (b, b2)
    )
    # An adoption lists fields in spec order; what it sends and where it lands do not change.
    assert adopted.target == adopted2.target
    assert sorted(map(str, adopted.patch)) == sorted(map(str, adopted2.patch))


# End to end: the real state (keyed digests, stored digests) and make_plan over loaded specs.


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StateStore]:
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("STATESYNC_STATE", raising=False)
        mp.delenv("STATESYNC_STATE_KEY", raising=False)
        url = f"sqlite:///{tmp_path_factory.mktemp('state') / 'state.db'}"
        with open_state(url) as opened:
            yield opened


def plan_one(store: StateStore, specs: SpecSet, key: str) -> Plan:
    """The plan of one resource against the real store, as ``api.plan_against`` makes it."""
    known = {INVESTOR.name: store.resources(INVESTOR.name)}
    return make_plan(
        specs, known, store.redact, lineage=store.lineage, serial=store.serial, targets=[key]
    )


def loaded(body: Body) -> SpecSet:
    specs, problems = load_text(spec_text(body), "investors.yaml")
    assert problems == []
    return SpecSet(root=Path("."), specs=tuple(specs), files=1, digest="d")


_KEYS = iter(range(10**9))
_E2E = settings(max_examples=25, suppress_health_check=[HealthCheck.too_slow], deadline=None)


@_E2E
@given(a=investors(), b=investors())
def test_end_to_end_the_patch_applies_to_the_stored_document(
    store: StateStore, a: Body, b: Body
) -> None:
    key = f"INV-{next(_KEYS)}"
    store.put_resource(INVESTOR, key, plain_state(a), None)
    specs = loaded({**b, "externalId": key})
    plan = plan_one(store, specs, key)
    (change,) = plan.changes
    stored = store.get(INVESTOR.name, key)
    assert stored is not None
    result = jsonpatch.apply_patch(stored.document, list(change.patch))
    expected = laid_over(plain_state(a), document(b))
    assert pruned(store.redact(INVESTOR, result)) == pruned(store.redact(INVESTOR, expected))
    if change.target is not None:
        store.put_resource(INVESTOR, key, change.target, None)
    again = plan_one(store, specs, key)
    assert [c.action for c in again.changes] == [Action.NOOP]


@_E2E
@given(b=investors())
def test_end_to_end_b_against_a_state_holding_b_is_empty(store: StateStore, b: Body) -> None:
    key = f"INV-{next(_KEYS)}"
    # What an apply of b leaves: b's values, and its nulls recorded as known to be empty.
    store.put_resource(INVESTOR, key, diff.merge({}, document(b)), None)
    specs = loaded({**b, "externalId": key})
    plan = plan_one(store, specs, key)
    assert not plan.has_changes
    assert plan.summary() == "No changes. Investor records match the specs."
