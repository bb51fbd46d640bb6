"""The three views of a plan: goldens of a fixed scenario, and markdown within GitHub's limit.

Regenerate the goldens after an intended change with ``STATESYNC_REGEN_GOLDEN=1 pytest
tests/plans/test_plan_views.py`` and review the diff.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from statesync.cli.plan_cmds import render
from statesync.kinds import INVESTOR
from statesync.plans import Action, Plan, plan_resource
from statesync.specs import load_specs
from statesync.views import COMMENT_LIMIT, FORMAT_VERSION, plan_to_json, render_markdown

from .support import CREATED_AT, LINEAGE, document, scenario_plan, write_scenario

GOLDEN = Path(__file__).parent / "golden"
REGENERATE = os.environ.get("STATESYNC_REGEN_GOLDEN") == "1"


@pytest.fixture
def plan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Plan:
    """The scenario, loaded from a relative specs path so sources and digest are stable."""
    write_scenario(tmp_path)
    monkeypatch.chdir(tmp_path)
    return scenario_plan(load_specs("specs"))


@pytest.mark.parametrize(
    ("output", "golden"), [("text", "plan.txt"), ("markdown", "plan.md"), ("json", "plan.json")]
)
def test_each_format_matches_its_golden(
    plan: Plan, output: str, golden: str, capsys: pytest.CaptureFixture[str]
) -> None:
    render(plan, output, color=False)
    shown = capsys.readouterr().out
    path = GOLDEN / golden
    if REGENERATE:
        path.write_text(shown, encoding="utf-8")
    assert shown == path.read_text(encoding="utf-8")
    assert "\x1b[" not in shown


def test_the_scenario_has_one_of_each_action(plan: Plan) -> None:
    assert [(c.key, c.action) for c in plan.changes] == [
        ("INV-2001", Action.UPDATE),
        ("INV-2002", Action.NOOP),
        ("INV-2003", Action.RELEASE),
        ("INV-2004", Action.ADOPT),
    ]
    assert plan.summary() == "Plan: 1 to adopt, 1 to update, 1 to release, 1 unchanged."


def test_json_names_its_format_and_lists_every_resource(plan: Plan) -> None:
    data = plan_to_json(plan)
    assert data["format_version"] == FORMAT_VERSION
    assert (data["lineage"], data["serial"], data["created_at"]) == (LINEAGE, 7, CREATED_AT)
    assert [r["externalId"] for r in data["resources"]] == [c.key for c in plan.changes]
    assert data["summary"] == {"adopt": 1, "update": 1, "release": 1, "unchanged": 1}


def test_markdown_puts_the_summary_and_counts_outside_any_fold(plan: Plan) -> None:
    text = render_markdown(plan)
    head = text.split("<details>", 1)[0]
    assert plan.summary() in head
    assert "| update | 1 |" in head
    assert text.count("<details>") == text.count("</details>") == len(plan.actionable)


def big_plan(count: int) -> Plan:
    """``count`` adoptions with every address field set: large blocks, thousands of changes."""
    address = {
        "type": "Legal",
        **{f"addressLine{n}": f"Line {n} of a fairly long address" for n in range(1, 5)},
        "city": "Springfield",
        "postalCode": "01103",
    }
    changes = tuple(
        plan_resource(
            INVESTOR,
            f"INV-{n:06d}",
            document({"externalId": f"INV-{n:06d}", "active": True, "address": [address]}),
            None,
            lambda kind, doc: doc,
        )
        for n in range(count)
    )
    return Plan(changes, LINEAGE, 1, "digest", CREATED_AT, "0.1.0")


@pytest.mark.parametrize("limit", [COMMENT_LIMIT, 5_000])
def test_markdown_stays_within_the_limit_and_accounts_for_every_change(limit: int) -> None:
    plan = big_plan(3_000)
    text = render_markdown(plan, limit=limit)
    assert len(text) <= limit
    assert text.startswith("### statesync plan")
    assert plan.summary() in text.split("<details>", 1)[0]
    folded = re.findall(r"<summary>\+ adopt <code>Investor (INV-\d+)</code>", text)
    listed = re.findall(r"^- \+ `(INV-\d+)`$", text, flags=re.M)
    more = [int(n) for n in re.findall(r"^- … and (\d+) more$", text, flags=re.M)]
    rest = sum(more)
    assert len(more) <= 1
    assert folded and listed
    assert folded + listed == [c.key for c in plan.changes][: len(folded) + len(listed)]
    assert len(folded) + len(listed) + rest == len(plan.changes)
    assert f"**{len(plan.changes) - len(folded)} more changes are not shown in full**" in text


def test_one_change_past_the_limit_is_counted_in_the_singular() -> None:
    from statesync.views.plan_markdown import _count

    assert _count(1, "more change") == "1 more change is"
    assert _count(2, "more change") == "2 more changes are"


def test_markdown_of_a_small_plan_is_whole() -> None:
    plan = big_plan(3)
    text = render_markdown(plan)
    assert "not shown in full" not in text
    assert text.count("<details>") == 3
