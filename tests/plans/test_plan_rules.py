"""The plan's rules, one example each: managed fields, nulls, keyed lists, actions, narrowing."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from statesync.errors import PlanError
from statesync.kinds import INVESTOR, digest
from statesync.plans import Action, Change, diff, make_plan, plan_resource
from statesync.plans.change import Op
from statesync.specs import load_specs

from .support import Held, document, held, redact, spec_set

BASE: dict[str, Any] = {
    "externalId": "INV-1",
    "alternateId": "ALT-1",
    "active": True,
    "name": {"fullName": "Jane Sample", "abbreviatedLine1": "J. Sample"},
    "primaryTaxId": "900-00-1234",
    "address": [{"type": "Legal", "city": "Hartford", "postalCode": "06103"}],
}


def planned(spec: dict[str, Any], state: dict[str, Any] | None = BASE) -> Change:
    known = None if state is None else held(document(state))
    return plan_resource(INVESTOR, "INV-1", document(spec), known, redact)


def paths(change: Change) -> list[str]:
    return [op["path"] for op in change.patch]


def test_a_field_the_spec_omits_is_never_in_a_patch() -> None:
    spec = {"externalId": "INV-1", "active": False, "name": {"fullName": "Jane Sample"}}
    change = planned(spec)
    assert change.patch == ({"op": "replace", "path": "/active", "value": False},)
    assert change.target is not None
    assert change.target["alternateId"] == "ALT-1"
    assert change.target["name"]["abbreviatedLine1"] == "J. Sample"


def test_omitting_everything_but_the_key_plans_nothing() -> None:
    assert planned({"externalId": "INV-1"}).action is Action.NOOP


def test_null_over_a_present_value_removes_it() -> None:
    change = planned({**BASE, "alternateId": None, "name": {"abbreviatedLine1": None}})
    assert change.action is Action.UPDATE
    assert change.patch == (
        {"op": "remove", "path": "/alternateId"},
        {"op": "remove", "path": "/name/abbreviatedLine1"},
    )
    assert [(f.path, f.before, f.after) for f in change.fields] == [
        ("/alternateId", "ALT-1", None),
        ("/name/abbreviatedLine1", "J. Sample", None),
    ]


def test_null_over_a_sensitive_value_removes_it_and_shows_no_value() -> None:
    change = planned({**BASE, "primaryTaxId": None})
    assert change.patch == ({"op": "remove", "path": "/primaryTaxId"},)
    (field,) = change.fields
    assert field.after is None
    assert field.before.startswith("hmac-sha256:")


def test_null_over_a_field_never_managed_clears_it_once_then_plans_nothing() -> None:
    """Absent from the state means unknown, not empty: SEI may hold a value, so it is cleared;
    the state then records the field as known to be empty, and the next plan is quiet."""
    spec = {
        **BASE,
        "dob": None,
        "secondaryTaxId": None,
        "frozen": None,
        "name": {"abbreviatedLine2": None},
    }
    change = planned(spec)
    assert change.action is Action.UPDATE
    assert change.patch == (
        {"op": "add", "path": "/dob", "value": None},
        {
            "op": "add",
            "path": "/frozen",
            "value": {"status": None, "effectiveDate": None, "notes": None},
        },
        {"op": "add", "path": "/name/abbreviatedLine2", "value": None},
        {"op": "add", "path": "/secondaryTaxId", "value": None},
    )
    assert all(not f.known and f.before is None and f.after is None for f in change.fields)
    assert change.target is not None
    stored = redact(INVESTOR, change.target)
    again = plan_resource(INVESTOR, "INV-1", document(spec), Held(stored, digest(stored)), redact)
    assert again.action is Action.NOOP


def test_a_group_set_to_null_clears_each_field_it_held() -> None:
    change = planned({**BASE, "name": None})
    assert change.patch == (
        {"op": "remove", "path": "/name/abbreviatedLine1"},
        # never managed before, so not known to be empty: cleared too
        {"op": "add", "path": "/name/abbreviatedLine2", "value": None},
        {"op": "remove", "path": "/name/fullName"},
    )


def test_an_address_added_in_front_of_legal_changes_nothing_about_legal() -> None:
    mailing = {"type": "Mailing", "city": "Boston", "countryIsoCode": "US"}
    change = planned({**BASE, "address": [mailing, *BASE["address"]]})
    assert change.patch == (
        {
            "op": "add",
            "path": "/address/Mailing",
            "value": {"city": "Boston", "countryIsoCode": "US"},
        },
    )
    assert [f.path for f in change.fields] == [
        "/address/Mailing/city",
        "/address/Mailing/countryIsoCode",
    ]


def test_most_of_a_group_changing_is_still_patched_field_by_field() -> None:
    # deepdiff replaces a whole dict when few keys are shared, unless told to go deeper.
    state = {
        "externalId": "INV-1",
        "address": [
            {
                "type": "Legal",
                "city": "X",
                "postalCode": "1",
                "addressLine1": "A",
                "attention1": "B",
            }
        ],
    }
    spec = {
        "externalId": "INV-1",
        "address": [
            {
                "type": "Legal",
                "postalCode": None,
                "addressLine1": None,
                "attention1": None,
                "attention2": "Q",
                "addressLine2": "R",
            }
        ],
    }
    change = planned(spec, state)
    assert change.patch == (
        {"op": "remove", "path": "/address/Legal/addressLine1"},
        {"op": "add", "path": "/address/Legal/addressLine2", "value": "R"},
        {"op": "remove", "path": "/address/Legal/attention1"},
        {"op": "add", "path": "/address/Legal/attention2", "value": "Q"},
        {"op": "remove", "path": "/address/Legal/postalCode"},
    )
    assert "/address/Legal/city" not in [f.path for f in change.fields]


def test_an_address_the_spec_leaves_out_is_kept() -> None:
    state = {**BASE, "address": [{"type": "Mailing", "city": "Boston"}, *BASE["address"]]}
    assert planned(BASE, state).action is Action.NOOP


def test_a_changed_address_field_is_patched_at_its_keyed_path() -> None:
    change = planned({**BASE, "address": [{"type": "Legal", "city": "New Haven"}]})
    assert change.patch == ({"op": "replace", "path": "/address/Legal/city", "value": "New Haven"},)


def test_a_changed_sensitive_value_carries_the_plain_value_for_apply() -> None:
    change = planned({**BASE, "primaryTaxId": "900-00-9999"})
    assert change.patch == ({"op": "replace", "path": "/primaryTaxId", "value": "900-00-9999"},)
    assert change.target is not None and change.target["primaryTaxId"] == "900-00-9999"


def test_adopt_shows_and_sends_every_managed_field() -> None:
    spec = {**BASE, "dob": None, "frozen": None}
    change = planned(spec, state=None)
    assert change.action is Action.ADOPT
    leaves = [diff.pointer(steps) for steps, _ in diff.leaves(document(spec))]
    assert [f.path for f in change.fields] == leaves
    assert paths(change) == leaves
    removed = {op["path"] for op in change.patch if op["op"] == "remove"}
    assert removed == {"/dob", "/frozen/status", "/frozen/effectiveDate", "/frozen/notes"}
    assert all(op["op"] in ("replace", "remove") for op in change.patch)


def test_unchanged_resources_are_decided_by_digest_without_deepdiff(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("deepdiff ran")

    monkeypatch.setattr(diff, "DeepDiff", refuse)
    assert planned(BASE).action is Action.NOOP
    # A top-level change is compared without deepdiff too: only differing groups reach it.
    assert planned({**BASE, "active": False}).action is Action.UPDATE
    with pytest.raises(AssertionError, match="deepdiff ran"):
        planned({**BASE, "name": {"fullName": "Other"}})


def test_a_patch_that_does_not_produce_the_target_stops_planning(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = diff.update_ops

    def drops_the_last_op(known: dict[str, Any], target: dict[str, Any]) -> list[Op]:
        return real(known, target)[:-1]

    monkeypatch.setattr(diff, "update_ops", drops_the_last_op)
    with pytest.raises(PlanError, match="does not produce the desired document"):
        planned({**BASE, "active": False, "alternateId": "ALT-2"})


def test_a_patch_that_does_not_apply_stops_planning(monkeypatch: pytest.MonkeyPatch) -> None:
    def wrong_path(known: dict[str, Any], target: dict[str, Any]) -> list[Op]:
        return [{"op": "replace", "path": "/nowhere/at/all", "value": 1}]

    monkeypatch.setattr(diff, "update_ops", wrong_path)
    with pytest.raises(PlanError, match="does not apply"):
        planned({**BASE, "active": False})


def test_an_adoption_patch_is_checked_too(monkeypatch: pytest.MonkeyPatch) -> None:
    real = diff.adopt_ops
    monkeypatch.setattr(diff, "adopt_ops", lambda desired: real(desired)[1:])
    with pytest.raises(PlanError, match="does not produce"):
        planned(BASE, state=None)


def test_make_plan_adopts_updates_releases_and_leaves_alone(tmp_path: Path) -> None:
    specs = spec_set(
        tmp_path / "specs",
        [
            {"externalId": "INV-NEW", "active": True},
            {"externalId": "INV-EDIT", "active": False},
            {"externalId": "INV-SAME", "active": True},
        ],
    )
    known: dict[str, Held] = {
        key: held(document({"externalId": key, "active": True}))
        for key in ("INV-EDIT", "INV-SAME", "INV-GONE")
    }
    plan = make_plan(specs, {"Investor": known}, redact, lineage="L", serial=3)
    assert [(c.key, c.action) for c in plan.changes] == [
        ("INV-EDIT", Action.UPDATE),
        ("INV-GONE", Action.RELEASE),
        ("INV-NEW", Action.ADOPT),
        ("INV-SAME", Action.NOOP),
    ]
    release = plan.changes[1]
    assert release.patch == () and release.fields == () and release.source is None
    assert plan.summary() == "Plan: 1 to adopt, 1 to update, 1 to release, 1 unchanged."
    assert (plan.lineage, plan.serial, plan.specs_digest) == ("L", 3, specs.digest)


def test_a_plan_copied_with_replace_counts_its_changes_once(tmp_path: Path) -> None:
    specs = spec_set(tmp_path / "specs", [{"externalId": "A"}, {"externalId": "B"}])
    plan = make_plan(specs, {}, redact, lineage="L", serial=0)
    copied = replace(plan, created_at="2025-01-01T00:00:00+00:00")
    assert copied.counts[Action.ADOPT] == plan.counts[Action.ADOPT] == 2
    assert copied.summary() == "Plan: 2 to adopt, 0 to update, 0 to release, 0 unchanged."


def test_targets_narrow_the_plan(tmp_path: Path) -> None:
    specs = spec_set(
        tmp_path / "specs", [{"externalId": f"INV-{n}", "active": True} for n in range(4)]
    )
    known = {"Investor": {"INV-9": held(document({"externalId": "INV-9"}))}}
    plan = make_plan(specs, known, redact, lineage="L", serial=0, targets=["INV-2", "INV-0"])
    assert [c.key for c in plan.changes] == ["INV-0", "INV-2"]
    assert plan.targets == ("INV-0", "INV-2")
    released = make_plan(specs, known, redact, lineage="L", serial=0, targets=["INV-9"])
    assert [(c.key, c.action) for c in released.changes] == [("INV-9", Action.RELEASE)]


def test_a_target_neither_declared_nor_stored_is_an_error(tmp_path: Path) -> None:
    specs = spec_set(tmp_path / "specs", [{"externalId": "INV-1"}])
    known = {"Investor": {"INV-9": held(document({"externalId": "INV-9"}))}}
    with pytest.raises(PlanError, match=r"--target 'INV-7', 'inv-1': neither in the specs"):
        make_plan(specs, known, redact, lineage="L", serial=0, targets=["inv-1", "INV-9", "INV-7"])


def test_a_specs_directory_without_spec_files_does_not_release_the_state(tmp_path: Path) -> None:
    (tmp_path / "specs").mkdir()
    specs = load_specs(tmp_path / "specs")
    known = {"Investor": {"INV-9": held(document({"externalId": "INV-9"}))}}
    with pytest.raises(PlanError, match=r"no spec files under .*specs: planning would release"):
        make_plan(specs, known, redact, lineage="L", serial=0)
    assert make_plan(specs, {}, redact, lineage="L", serial=0).summary().startswith("No changes")
    # Naming the resource is explicit enough: that release is planned.
    released = make_plan(specs, known, redact, lineage="L", serial=0, targets=["INV-9"])
    assert [(c.key, c.action) for c in released.changes] == [("INV-9", Action.RELEASE)]


def test_previous_failures_are_asked_only_for_changes_that_send(tmp_path: Path) -> None:
    specs = spec_set(tmp_path / "specs", [{"externalId": "A", "active": True}, {"externalId": "B"}])
    known = {"Investor": {"B": held(document({"externalId": "B"})), "C": held({})}}
    asked: list[str] = []

    def failures(kind: str, key: str) -> None:
        asked.append(key)

    make_plan(specs, known, redact, lineage="L", serial=0, failures=failures)
    assert asked == ["A"]
