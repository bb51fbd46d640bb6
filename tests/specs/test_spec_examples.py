"""The example specs in specs/ are valid and show a new user every part of the language."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from statesync.specs import SpecSet, load_specs

SPECS = Path(__file__).parents[2] / "specs"


@pytest.fixture(scope="module")
def examples() -> SpecSet:
    return load_specs(SPECS)


def test_examples_are_the_six_documented_investors(examples: SpecSet) -> None:
    assert sorted(examples.by_key("Investor")) == [f"INV-{n}" for n in range(1001, 1007)]
    per_file = Counter(spec.file for spec in examples.specs)
    assert max(per_file.values()) >= 2, "one example file shows several --- documents"


def test_examples_cover_each_kind_of_investor(examples: SpecSet) -> None:
    docs = {key: spec.document for key, spec in examples.by_key("Investor").items()}
    individual = docs["INV-1001"]
    assert {"dob", "primaryTaxId"} <= set(individual)
    assert set(individual["address"]) == {"Mailing", "Legal"}
    assert individual["address"]["Mailing"]["postalCode"] == "06103"
    assert docs["INV-1002"]["legalFormOfEntity"] == "Trust"
    assert docs["INV-1003"]["benefitPlanEmployee"] is True and "percent" in docs["INV-1003"]
    insurer = docs["INV-1004"]
    assert insurer["investorIsInsuranceCo"] is True
    assert {"noAssets", "assets", "percentAssets"} <= set(insurer)
    fund = docs["INV-1005"]
    assert {"investorType", "reverseSolicitCert", "fatcaPreexisting", "excludeFatca"} <= set(fund)
    assert "foreignTaxId" in fund
    assert {a["countryIsoCode"] for a in fund["address"].values()} == {"KY", "LU"}
    assert set(docs["INV-1006"]["frozen"]) == {"status", "effectiveDate", "notes"}


def test_examples_show_null_strings_that_look_like_other_types_and_cftc(examples: SpecSet) -> None:
    docs = [spec.document for spec in examples.specs]
    assert any(v is None for d in docs for v in d.values())
    assert any(d.get("eci") == "No" for d in docs)
    assert any(
        isinstance(d.get("cftcNfa"), dict) and None not in d["cftcNfa"].values() for d in docs
    )


def test_example_tax_ids_are_obviously_fake(examples: SpecSet) -> None:
    for spec in examples.specs:
        for field in ("primaryTaxId", "secondaryTaxId"):
            value = spec.document.get(field)
            assert value is None or value.startswith(("900-", "90-")), (spec.where, field)
