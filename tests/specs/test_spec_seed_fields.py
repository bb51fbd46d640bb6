"""The Investor model against the Investors API's own request payload table (tests/data)."""

from __future__ import annotations

import re
import types
import typing
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

from statesync.kinds.base import _nested_model
from statesync.kinds.investor import Investor

SEED = Path(__file__).parents[1] / "data" / "investors_api.txt"
DATA_TYPE = re.compile(r"^(string|boolean|number|object)\s*(?:\((\d+)\))?$")
GROUPS_IN_TABLE = {"frozen", "cftcNfa"}  # the table has rows for these groups, not name/address


def _payload_rows() -> list[tuple[str, str | None]]:
    """(field name, documented data type or None for sub-table rows) of REQUEST PAYLOAD MODEL."""
    text = SEED.read_text(encoding="utf-8")
    section = text.split("REQUEST PAYLOAD MODEL:", 1)[1].split("SAMPLE REQUEST:", 1)[0]
    rows: list[tuple[str, str | None]] = []
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.split("\t") if cell.strip()]
        if not cells or cells[0] in ("Name", "Field"):
            continue
        documented = cells[-1] if len(cells) >= 3 and DATA_TYPE.match(cells[-1]) else None
        rows.append((cells[0], documented))
    return rows


def _leaves(model: type[BaseModel]) -> dict[str, Any]:
    """API name → annotation of every leaf field, groups and address items flattened."""
    out: dict[str, Any] = {}
    for attr, info in model.model_fields.items():
        alias = info.alias or attr
        nested = _nested_model(info.annotation)
        found = _leaves(nested) if nested is not None else {alias: info.annotation}
        assert not set(found) & set(out), f"leaf names must be unique: {set(found) & set(out)}"
        out.update(found)
    return out


def _groups(model: type[BaseModel]) -> set[str]:
    return {
        info.alias or attr
        for attr, info in model.model_fields.items()
        if _nested_model(info.annotation) is not None
    }


def _non_null(annotation: Any) -> Any:
    members = [a for a in typing.get_args(annotation) if a is not type(None)]
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return members[0] if len(members) == 1 else annotation
    return annotation


def _accepts(annotation: Any, value: Any) -> bool:
    try:
        TypeAdapter(annotation).validate_python(value, strict=True)
    except ValidationError:
        return False
    return True


def test_seed_table_parses_to_the_documented_shape() -> None:
    rows = _payload_rows()
    names = [name for name, _ in rows]
    # The table repeats `type` (address type, account type) and `notes` (frozen notes), and
    # lists the cftcNfa fields both in the group's sub-table and again at the top level.
    assert names.count("type") == 2
    assert names.count("notes") == 2
    assert names.count("nfald") == 2
    assert {"externalId", "fullName", "countryIsoCode", "regExemptCpo"} <= set(names)


def test_model_field_set_equals_seed_table_field_names() -> None:
    seed = {name for name, _ in _payload_rows()}
    model = set(_leaves(Investor)) | (_groups(Investor) & GROUPS_IN_TABLE)
    assert model - seed == set(), "fields the API does not document"
    assert seed - model == set(), "documented fields the model lacks"
    assert _groups(Investor) == {"name", "address", "frozen", "cftcNfa"}


def _typed_rows() -> list[tuple[str, str]]:
    return [(name, documented) for name, documented in _payload_rows() if documented is not None]


@pytest.mark.parametrize(("name", "documented"), _typed_rows(), ids=lambda v: str(v))
def test_model_field_has_the_documented_type_and_limit(name: str, documented: str) -> None:
    match = DATA_TYPE.match(documented)
    assert match is not None
    base, limit = match.group(1), match.group(2)
    if base == "object":
        assert name in _groups(Investor)
        return
    annotation = _non_null(_leaves(Investor)[name])
    schema = TypeAdapter(annotation).json_schema()
    if base == "boolean":
        assert schema == {"type": "boolean"}
    elif base == "string":
        assert schema["type"] == "string"
        if limit is not None:
            n = int(limit)
            assert not _accepts(annotation, "x" * (n + 1)), f"{name} takes more than {n} chars"
            if _accepts(annotation, "x"):  # free text (not a code list or a date)
                assert _accepts(annotation, "x" * n), f"{name} rejects {n} chars"
    else:
        assert {s["type"] for s in schema["anyOf"]} == {"integer", "number"}
        assert _accepts(annotation, 100) and not _accepts(annotation, 100.5)
        if limit is not None:
            n = int(limit)
            assert _accepts(annotation, float("1." + "2" * (n - 1))), f"{name}: {n} digits"
            assert not _accepts(annotation, float("1." + "2" * n)), f"{name}: {n + 1} digits"
