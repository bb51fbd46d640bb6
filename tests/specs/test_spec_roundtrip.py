"""Property: any valid investor written as a YAML spec loads back as the same model and document."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from strategies import investor_models, investors, spec_text

from statesync.kinds import INVESTOR
from statesync.kinds.investor import Investor
from statesync.specs import load_text


def _loaded(text: str) -> list[Any]:
    specs, diagnostics = load_text(text, "generated.yaml")
    assert diagnostics == [], text
    return specs


@given(investors())
def test_dump_then_load_gives_the_same_model(body: dict[str, Any]) -> None:
    expected = Investor.model_validate(body)
    [spec] = _loaded(spec_text(body))
    assert spec.resource == expected
    # Model equality ignores which fields were set: omitted vs null lives in fields_set.
    assert spec.resource.model_fields_set == expected.model_fields_set
    assert spec.document == INVESTOR.to_document(expected)
    assert spec.key == body["externalId"]


@given(investors())
def test_document_keeps_omitted_and_null_apart(body: dict[str, Any]) -> None:
    [spec] = _loaded(spec_text(body))
    managed = {k for k in body if k != "externalId"}
    assert set(spec.document) == managed
    groups = {"name", "frozen", "cftcNfa"}  # a null group becomes its fields, each null
    assert {k for k, v in spec.document.items() if v is None} == {
        k for k in managed - groups if body[k] is None
    }
    for group in groups & managed:
        if body[group] is None:
            assert set(spec.document[group].values()) == {None}


@given(st.lists(investors(), min_size=1, max_size=5, unique_by=lambda b: b["externalId"]))
def test_multi_document_files_keep_every_investor_in_order(bodies: list[dict[str, Any]]) -> None:
    specs = _loaded(spec_text(*bodies))
    assert [s.key for s in specs] == [b["externalId"] for b in bodies]
    assert [s.line for s in specs] == sorted({s.line for s in specs})


@given(investor_models())
def test_investor_models_are_valid_and_remember_what_was_set(model: Investor) -> None:
    assert "external_id" in model.model_fields_set
    document = INVESTOR.to_document(model)
    listed = INVESTOR.to_listed(document)
    body = {"externalId": model.external_id, **listed}
    assert INVESTOR.to_document(Investor.model_validate(body)) == document
