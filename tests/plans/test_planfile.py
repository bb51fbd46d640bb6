"""The saved plan file: private, exact round trip, and refused when damaged or foreign."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from strategies import Body, investors

from statesync.errors import PlanError
from statesync.kinds import INVESTOR
from statesync.plans import Plan, load_plan, plan_resource, save_plan
from statesync.plans.planfile import PLANFILE_FORMAT
from statesync.specs import load_specs

from .support import CREATED_AT, LINEAGE, document, held, redact, scenario_plan, write_scenario


@pytest.fixture
def plan(tmp_path: Path) -> Plan:
    return scenario_plan(load_specs(write_scenario(tmp_path)))


def test_the_file_is_readable_by_its_owner_only(plan: Plan, tmp_path: Path) -> None:
    path = tmp_path / "out.plan"
    path.write_text("an older, world-readable file")
    path.chmod(0o644)
    save_plan(plan, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_save_then_load_gives_the_same_plan(plan: Plan, tmp_path: Path) -> None:
    path = tmp_path / "out.plan"
    save_plan(plan, path)
    loaded = load_plan(path)
    assert loaded == plan
    assert loaded.counts == plan.counts
    assert [c.previous_failure for c in loaded.changes] == [
        c.previous_failure for c in plan.changes
    ]
    data = json.loads(path.read_text())
    assert (data["lineage"], data["serial"], data["format_version"]) == (
        LINEAGE,
        7,
        PLANFILE_FORMAT,
    )
    assert data["specs_digest"] == plan.specs_digest and data["tool_version"] == plan.tool_version


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(a=investors(), b=investors())
def test_any_planned_change_survives_the_round_trip(
    tmp_path_factory: pytest.TempPathFactory, a: Body, b: Body
) -> None:
    changes = (
        plan_resource(INVESTOR, "INV-1", document(b), held(document(a)), redact),
        plan_resource(INVESTOR, "INV-2", document(b), None, redact),
    )
    plan = Plan(changes, LINEAGE, 1, "digest", CREATED_AT, "0.1.0", targets=("INV-1",))
    path = tmp_path_factory.mktemp("plans") / "p.plan"
    save_plan(plan, path)
    assert load_plan(path) == plan


def saved(plan: Plan, path: Path, **changes: Any) -> Path:
    """Save the plan, then alter its top-level fields (``None`` drops one)."""
    save_plan(plan, path)
    data = json.loads(path.read_text())
    for name, value in changes.items():
        if value is None:
            data.pop(name)
        else:
            data[name] = value
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"format_version": PLANFILE_FORMAT + 1}, "plan format 2); this is statesync"),
        ({"tool_version": "0.2.0"}, "was made by statesync 0.2.0"),
        ({"tool_version": "1.1.0"}, "make the plan again with this version"),
        ({"format": "terraform-plan"}, "not a statesync plan file"),
        ({"changes": None}, "damaged plan file"),
        ({"serial": "seven"}, "damaged plan file"),
        ({"changes": [{"kind": "Investor", "key": "X", "action": "explode"}]}, "damaged"),
        ({"changes": {"kind": "Investor"}}, "damaged plan file"),
        ({"changes": ["Investor"]}, "damaged plan file"),
    ],
)
def test_a_foreign_or_damaged_plan_is_refused(
    plan: Plan, tmp_path: Path, changes: dict[str, Any], says: str
) -> None:
    path = saved(plan, tmp_path / "bad.plan", **changes)
    with pytest.raises(PlanError, match=re.escape(says)):
        load_plan(path)


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("kind", "Nope", "not a mapping of a known kind"),
        ("key", 7, "key or source that is not text"),
        ("patch", [{"op": "replace"}], "patch is not a list of RFC 6902 ops"),
        ("patch", "replace", "patch is not a list of RFC 6902 ops"),
        ("fields", [[5, None, "x"]], "fields are not [path, before, after]"),
        ("fields", [["/x", None]], "fields are not [path, before, after]"),
        ("target", ["x"], "target is not a document"),
    ],
)
def test_a_change_of_the_wrong_shape_is_refused_when_read(
    plan: Plan, tmp_path: Path, field: str, value: object, says: str
) -> None:
    """Not later, where a view or apply would trip over it with a traceback."""
    path = tmp_path / "bad.plan"
    save_plan(plan, path)
    data = json.loads(path.read_text())
    data["changes"][0][field] = value
    path.write_text(json.dumps(data))
    with pytest.raises(PlanError, match=re.escape(says)) as caught:
        load_plan(path)
    assert "damaged plan file" in str(caught.value)


def test_a_patch_release_of_the_same_minor_version_is_accepted(plan: Plan, tmp_path: Path) -> None:
    path = saved(plan, tmp_path / "p.plan", tool_version="0.1.99")
    assert load_plan(path).changes == plan.changes


@pytest.mark.parametrize(
    "content", [b'{"format": "statesync-pl', b"\xff\xfe not text", b"", b"[]", b"null"]
)
def test_a_file_that_is_no_plan_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "x.plan"
    path.write_bytes(content)
    with pytest.raises(PlanError, match="not a statesync plan file"):
        load_plan(path)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(PlanError, match="no such plan file"):
        load_plan(tmp_path / "nowhere.plan")
