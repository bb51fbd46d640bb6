"""``statesync validate`` and ``statesync schema`` through click's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from statesync.cli import main
from statesync.kinds import INVESTOR
from statesync.kinds.investor import Investor

EXAMPLES = Path(__file__).parents[2] / "specs"
HEAD = "apiVersion: statesync/v1\nkind: Investor\n"


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    return CliRunner()


def test_validate_examples_exits_0_with_a_one_line_summary(runner: CliRunner) -> None:
    result = runner.invoke(main, ["validate", str(EXAMPLES)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    assert "6 specs" in lines[0] and "valid" in lines[0]
    assert result.stderr == ""


def test_validate_defaults_to_specs_dir(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "a.yaml").write_text(HEAD + "externalId: INV-1\n")
    result = runner.invoke(main, ["validate"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("1 spec ")


def test_validate_exits_1_with_one_error_per_line_on_stderr(
    runner: CliRunner, tmp_path: Path
) -> None:
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "a.yaml").write_text(
        HEAD + "externalId: INV-1\nactive: Yes\naddress:\n  - type: Legal\n    postalCode: 06103\n"
    )
    (tmp_path / "bad" / "b.yaml").write_text(HEAD + "externalId: INV-2\ndob: 13/01/1975\n")
    result = runner.invoke(main, ["validate", "bad"])
    assert result.exit_code == 1
    assert result.stdout == ""
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert errors == [
        "bad/a.yaml:4:9: error: active: expected a boolean (true or false), got a string 'Yes'",
        "bad/a.yaml:7:17: error: address[Legal].postalCode: expected a string, but YAML reads "
        'this as a number: quote it as "06103"',
        "bad/b.yaml:4:6: error: dob: (sensitive value) is not a real date in the format MM/DD/YYYY",
    ]
    assert "13/01/1975" not in result.stderr


def test_validate_missing_directory_fails(runner: CliRunner) -> None:
    result = runner.invoke(main, ["validate", "nowhere"])
    assert result.exit_code == 1
    assert "no such specs directory" in result.stderr


def test_schema_prints_the_json_schema_of_a_spec_document(runner: CliRunner) -> None:
    result = runner.invoke(main, ["schema"])
    assert result.exit_code == 0, result.stderr
    schema = json.loads(result.stdout)
    assert schema["$schema"].startswith("https://json-schema.org/")
    properties = schema["properties"]
    assert properties["apiVersion"] == {"const": "statesync/v1"}
    assert properties["kind"] == {"const": "Investor"}
    model_fields = {info.alias or attr for attr, info in Investor.model_fields.items()}
    assert set(properties) == {"apiVersion", "kind"} | model_fields
    assert {"apiVersion", "kind", "externalId"} <= set(schema["required"])
    assert schema["additionalProperties"] is False
    assert {name for name, prop in properties.items() if prop.get("x-sensitive")} == (
        INVESTOR.sensitive_fields
    )
