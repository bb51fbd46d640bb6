"""``statesync plan`` and ``statesync show`` against a real state: exit codes, targets, colours,
saved plans, the ledger run, and no sensitive value in anything but the saved plan itself."""

from __future__ import annotations

import json
import re
import shutil
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result

from statesync.cli import main
from statesync.kinds import INVESTOR
from statesync.plans import diff
from statesync.specs import load_specs
from statesync.state import open_state
from statesync.state import schema as t

from .support import SCENARIO_SECRETS, SCENARIO_STATE, state_document, write_scenario


@pytest.fixture
def url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A state holding the scenario's investors, with its specs in ./specs."""
    for name in ("STATESYNC_STATE", "STATESYNC_STATE_KEY", "NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    write_scenario(tmp_path)
    state_url = f"sqlite:///{tmp_path / 'state.db'}"
    with open_state(state_url) as store:
        for key, body in SCENARIO_STATE.items():
            store.put_resource(INVESTOR, key, state_document(body), None)
    return state_url


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def plan_json(url: str, *args: str) -> dict[str, object]:
    result = run("plan", "specs", "--state", url, "--format", "json", *args)
    assert result.exit_code == 0, result.output
    data: dict[str, object] = json.loads(result.stdout)
    return data


def test_detailed_exitcode_is_two_when_something_changes(url: str) -> None:
    assert run("plan", "specs", "--state", url, "--detailed-exitcode").exit_code == 2
    assert run("plan", "specs", "--state", url).exit_code == 0


def test_detailed_exitcode_is_zero_when_nothing_changes(url: str, tmp_path: Path) -> None:
    (tmp_path / "specs" / "investors.yaml").write_text(
        "apiVersion: statesync/v1\nkind: Investor\nexternalId: INV-2002\nactive: true\n"
    )
    result = run("plan", "specs", "--state", url, "--target", "INV-2002", "--detailed-exitcode")
    assert result.exit_code == 0
    assert "No changes. Investor records match the specs." in result.stdout


def test_detailed_exitcode_is_one_on_an_error(url: str, tmp_path: Path) -> None:
    (tmp_path / "specs" / "broken.yaml").write_text(
        "apiVersion: statesync/v1\nkind: Investor\nexternalId: INV-9\nactiv: true\n"
    )
    result = run("plan", "specs", "--state", url, "--detailed-exitcode")
    assert result.exit_code == 1
    assert "broken.yaml:4:1" in result.output
    assert "1 problem in the specs: nothing planned" in result.output
    assert "Traceback" not in result.output


def test_target_narrows_the_plan(url: str) -> None:
    data = plan_json(url, "--target", "INV-2004", "--target", "INV-2003")
    resources = data["resources"]
    assert isinstance(resources, list)
    assert [(r["externalId"], r["action"]) for r in resources] == [
        ("INV-2003", "release"),
        ("INV-2004", "adopt"),
    ]
    assert data["targets"] == ["INV-2003", "INV-2004"]


def test_the_plan_is_recorded_in_the_ledger_as_a_run(url: str) -> None:
    data = plan_json(url)
    with open_state(url) as store:
        (run_record,) = [r for r in store.runs() if r.operation == "plan"]
        assert run_record.outcome == "changes"
        assert run_record.specs_digest == data["specs_digest"]
        assert run_record.ended_at is not None
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(t.changes.c.external_id, t.changes.c.action, t.changes.c.patch)
            .where(t.changes.c.run_id == run_record.id)
            .order_by(t.changes.c.external_id)
        ).all()
    engine.dispose()
    assert [(r.external_id, r.action) for r in rows] == [
        ("INV-2001", "update"),
        ("INV-2003", "release"),
        ("INV-2004", "adopt"),
    ]
    adopt_patch = rows[2].patch
    assert {"op": "replace", "path": "/primaryTaxId", "value": "•••••6789"} in adopt_patch


def test_a_plan_without_changes_is_recorded_too(url: str) -> None:
    run("plan", "specs", "--state", url, "--target", "INV-2002")
    with open_state(url) as store:
        assert [r.outcome for r in store.runs() if r.operation == "plan"] == ["no-changes"]


def colours(text: str) -> set[int]:
    """The colour codes (foreground or background) among the ANSI styles in ``text``."""
    codes = {int(c) for seq in re.findall(r"\x1b\[([0-9;]*)m", text) for c in seq.split(";") if c}
    return {c for c in codes if 30 <= c <= 49 or 90 <= c <= 107}


def test_colours_on_a_terminal_none_with_no_color_or_the_flag(url: str) -> None:
    forced = run("plan", "specs", "--state", url, env={"FORCE_COLOR": "1"})
    assert colours(forced.stdout)
    # NO_COLOR's convention: no colour; bold and dim may stay.
    flag = run("plan", "specs", "--state", url, "--no-color", env={"FORCE_COLOR": "1"})
    assert not colours(flag.stdout)
    variable = run("plan", "specs", "--state", url, env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert not colours(variable.stdout)
    piped = run("plan", "specs", "--state", url)
    assert "\x1b[" not in piped.stdout


def test_a_saved_plan_is_private_and_shows_as_the_plan_did(url: str, tmp_path: Path) -> None:
    saved = tmp_path / "release.plan"
    for output in ("text", "markdown", "json"):
        planned = run("plan", "specs", "--state", url, "--format", output, "--out", str(saved))
        assert stat.S_IMODE(saved.stat().st_mode) == 0o600
        assert f"Saved the plan to {saved}" in planned.stderr
        shown = run("show", str(saved), "--format", output)
        assert shown.exit_code == 0
        if output == "json":
            # The plan file keeps its keys sorted, so objects inside patch values may reorder.
            assert json.loads(shown.stdout) == json.loads(planned.stdout)
        else:
            assert shown.stdout == planned.stdout
    assert [p.name for p in tmp_path.iterdir() if "release.plan" in p.name] == ["release.plan"]


def test_a_plan_that_cannot_be_saved_is_an_error_not_a_traceback(url: str, tmp_path: Path) -> None:
    out = tmp_path / "no-such-dir" / "release.plan"
    result = run("plan", "specs", "--state", url, "--out", str(out))
    assert result.exit_code == 1
    assert f"Error: {out}: cannot save the plan (No such file or directory)" in result.stderr
    assert not out.parent.exists()


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("{not json", "not a statesync plan file"),
        ('{"format": "terraform"}', "not a statesync plan file"),
        ("[1, 2]", "not a statesync plan file"),
    ],
)
def test_show_refuses_a_file_that_is_no_plan(tmp_path: Path, content: str, says: str) -> None:
    path = tmp_path / "x.plan"
    path.write_text(content)
    result = run("show", str(path))
    assert result.exit_code == 1
    assert says in result.output and "Traceback" not in result.output


def test_show_refuses_a_plan_from_another_version(url: str, tmp_path: Path) -> None:
    saved = tmp_path / "old.plan"
    run("plan", "specs", "--state", url, "--out", str(saved))
    data = json.loads(saved.read_text())
    saved.write_text(json.dumps({**data, "tool_version": "0.9.0"}))
    result = run("show", str(saved))
    assert result.exit_code == 1
    assert "made by statesync 0.9.0" in result.output
    assert "make the plan again with this version" in result.output


def test_no_output_holds_an_unmasked_sensitive_value(url: str, tmp_path: Path) -> None:
    saved = tmp_path / "review.plan"
    outputs: list[str] = []
    for output in ("text", "markdown", "json"):
        for env in ({}, {"FORCE_COLOR": "1"}):
            result = run(
                "plan", "specs", "--state", url, "--format", output, "--out", str(saved), env=env
            )
            outputs.append(result.output)
            outputs.append(run("show", str(saved), "--format", output, env=env).output)
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("state.db*") if p.suffix != ".key")
    for secret in SCENARIO_SECRETS:
        for text in outputs:
            assert secret not in text
            assert secret[:-4] not in text  # at most the last four characters show
        assert secret.encode() not in stored, f"{secret} is in the state or the ledger"
    # The saved plan is the one place the values must be, so apply can send them.
    plain = saved.read_text(encoding="utf-8")
    assert all(secret in plain for secret in ("987-65-4322", "123-45-6789", "07/04/1990"))


def test_the_example_specs_sensitive_values_stay_masked(url: str, tmp_path: Path) -> None:
    examples = Path(__file__).parents[2] / "specs"
    shutil.copytree(examples, tmp_path / "examples")
    loaded = load_specs(tmp_path / "examples")
    sensitive = INVESTOR.sensitive_fields
    values = {
        value
        for spec in loaded.specs
        for steps, value in diff.leaves(spec.document)
        if steps[-1] in sensitive and isinstance(value, str)
    }
    # A trust's formation date may also sit in its name, which is not sensitive.
    public = " ".join(
        str(value)
        for spec in loaded.specs
        for steps, value in diff.leaves(spec.document)
        if steps[-1] not in sensitive
    )
    secrets = {value for value in values if value not in public}
    assert len(secrets) >= 6
    saved = tmp_path / "examples.plan"
    for output in ("text", "markdown", "json"):
        planned = run("plan", "examples", "--state", url, "--format", output, "--out", str(saved))
        shown = run("show", str(saved), "--format", output)
        for secret in secrets:
            assert secret not in planned.output and secret not in shown.output
