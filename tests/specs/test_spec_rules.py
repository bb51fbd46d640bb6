"""One failing spec per rule: each error names file:line:column, field path and what is wrong."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from statesync.diagnostics import Diagnostic
from statesync.specs import load_text

HEAD = "apiVersion: statesync/v1\nkind: Investor\nexternalId: INV-1\n"  # lines 1-3


@dataclass(frozen=True)
class Case:
    """A spec body after HEAD and the one diagnostic it must produce."""

    body: str
    line: int
    column: int
    field: str
    says: tuple[str, ...]


CASES: dict[str, Case] = {
    "unknown field, with did-you-mean": Case(
        "alternatId: A-1\n", 4, 1, "alternatId", ("unknown field 'alternatId'", "'alternateId'")
    ),
    "unknown field in a group": Case(
        "name:\n  fulName: Jane\n", 5, 3, "name.fulName", ("unknown field", "'fullName'")
    ),
    "unknown field in an address": Case(
        "address:\n  - type: Legal\n    zip: '06103'\n",
        6,
        5,
        "address[Legal].zip",
        ("unknown field 'zip'",),
    ),
    "unquoted zip code is a number": Case(
        "address:\n  - type: Legal\n    postalCode: 06103\n",
        6,
        17,
        "address[Legal].postalCode",
        ("expected a string", "number", 'quote it as "06103"'),
    ),
    "string field given a boolean": Case(
        "classification: true\n", 4, 17, "classification", ("expected a string", "quote it")
    ),
    "boolean given Yes": Case("active: Yes\n", 4, 9, "active", ("expected a boolean", "'Yes'")),
    "boolean given a quoted true": Case(
        "canadianCertification: 'true'\n", 4, 24, "canadianCertification", ("expected a boolean",)
    ),
    "eci given a boolean": Case("eci: true\n", 4, 6, "eci", ("'Yes', 'No'", "boolean")),
    "number given a boolean, spelt as YAML spells it": Case(
        "percent: true\n", 4, 10, "percent", ("expected a number", "a boolean true")
    ),
    "value outside the documented options": Case(
        "rule5131: Maybe\n", 4, 11, "rule5131", ("'Maybe'", "'N/A'")
    ),
    "string(30) too long": Case(
        f"alternateId: {'A' * 31}\n", 4, 14, "alternateId", ("31 characters", "30")
    ),
    "string(250) too long in a group": Case(
        f"name:\n  fullName: {'N' * 251}\n", 5, 13, "name.fullName", ("251 characters", "250")
    ),
    "string(60) too long in an address": Case(
        f"address:\n  - type: Mailing\n    city: {'C' * 61}\n",
        6,
        11,
        "address[Mailing].city",
        ("61 characters", "60"),
    ),
    "string(20) too long in cftcNfa": Case(
        f"cftcNfa:\n  nfald: '{'1' * 21}'\n", 5, 10, "cftcNfa.nfald", ("21 characters", "20")
    ),
    "number(8) with nine digits": Case(
        "percent: 12.3456789\n", 4, 10, "percent", ("12.3456789", "more than 8 digits")
    ),
    "number(4) with five digits": Case(
        "percentAssets: 12.345\n", 4, 16, "percentAssets", ("more than 4 digits",)
    ),
    "percentage above 100": Case("percent: 100.5\n", 4, 10, "percent", ("between 0 and 100",)),
    "percentage below 0": Case(
        "rule5131Percent: -1\n", 4, 18, "rule5131Percent", ("-1", "between 0 and 100")
    ),
    "number given as a string": Case(
        "percentEquityInterest: '25'\n", 4, 24, "percentEquityInterest", ("expected a number",)
    ),
    "bad address country": Case(
        "address:\n  - type: Legal\n    countryIsoCode: UK\n",
        6,
        21,
        "address[Legal].countryIsoCode",
        ("'UK'", "ISO 3166-1 alpha-2"),
    ),
    "bad organizedUnderLawsOf": Case(
        "organizedUnderLawsOf: USA\n", 4, 23, "organizedUnderLawsOf", ("'USA'", "ISO 3166-1")
    ),
    "bad US state": Case(
        "address:\n  - type: Legal\n    stateCode: XX\n    countryIsoCode: US\n",
        6,
        16,
        "address[Legal].stateCode",
        ("'XX'", "US state"),
    ),
    "US state used for a Canadian address": Case(
        "address:\n  - type: Mailing\n    countryIsoCode: CA\n    stateCode: NY\n",
        7,
        16,
        "address[Mailing].stateCode",
        ("'NY'", "CA state or province"),
    ),
    "month 13": Case(
        "frozen:\n  effectiveDate: 13/01/2000\n",
        5,
        18,
        "frozen.effectiveDate",
        ("'13/01/2000'", "not a real date", "MM/DD/YYYY"),
    ),
    "February 30th": Case(
        "frozen:\n  effectiveDate: 02/30/2001\n",
        5,
        18,
        "frozen.effectiveDate",
        ("'02/30/2001'", "not a real date"),
    ),
    "date without leading zeros": Case(
        "frozen:\n  effectiveDate: 1/2/2000\n",
        5,
        18,
        "frozen.effectiveDate",
        ("'1/2/2000'", "leading zeros"),
    ),
    "ISO date instead of MM/DD/YYYY": Case(
        "frozen:\n  effectiveDate: 2000-01-02\n", 5, 18, "frozen.effectiveDate", ("MM/DD/YYYY",)
    ),
    "two addresses of one type": Case(
        "address:\n  - type: Legal\n    city: A\n  - type: Legal\n    city: B\n",
        7,
        11,
        "address[Legal].type",
        ("second address of type 'Legal'", "address #1", "at most one per type"),
    ),
    "the API's clear marker as a value": Case(
        "alternateId: '??NULL??'\n", 4, 14, "alternateId", ("'??NULL??'", "write null")
    ),
    "group given a scalar": Case(
        "frozen: yes\n", 4, 9, "frozen", ("expected a mapping of fields", "string")
    ),
    "address given a mapping instead of a list": Case(
        "address:\n  type: Legal\n", 5, 3, "address", ("expected a list",)
    ),
    "address without a type": Case(
        "address:\n  - city: Hartford\n", 5, 5, "address[0].type", ("'type' is required",)
    ),
    "key with a slash": Case("", 3, 13, "externalId", ("'INV/1' cannot be a key",)),
    "a field name YAML reads as a number": Case(
        "name:\n  1: Jane\n", 5, 3, "name.1", ("field name must be text", "a number", 'as "1"')
    ),
    "a field name YAML reads as null": Case(
        "null: x\n", 4, 1, "null", ("field name must be text", "reads this as null")
    ),
    "a field name YAML reads as a boolean": Case(
        "address:\n  - type: Legal\n    true: x\n",
        6,
        5,
        "address[Legal].true",
        ("field name must be text", "a boolean"),
    ),
    "an address type that cannot be a key": Case(
        "address:\n  - type: Legal Address\n",
        5,
        11,
        "address[Legal Address].type",
        ("'Legal Address' cannot be a key: no spaces, '/'",),
    ),
}


def _only(text: str) -> Diagnostic:
    specs, diagnostics = load_text(text, "specs/bad.yaml")
    assert specs == []
    assert len(diagnostics) == 1, diagnostics
    return diagnostics[0]


@pytest.mark.parametrize("name", list(CASES))
def test_each_rule_has_one_precise_diagnostic(name: str) -> None:
    case = CASES[name]
    head = HEAD.replace("INV-1", "INV/1") if name == "key with a slash" else HEAD
    found = _only(head + case.body)
    assert (found.file, found.line, found.column, found.field) == (
        "specs/bad.yaml",
        case.line,
        case.column,
        case.field,
    )
    for words in case.says:
        assert words in found.message
    assert str(found).startswith(f"specs/bad.yaml:{case.line}:{case.column}: error: {case.field}:")


@pytest.mark.parametrize(
    "body",
    ["eci: No\n", "eci: Yes\n", "eci: ''\n", "rule5131: N/A\n", "reverseSolicitCert: No\n"],
)
def test_yes_and_no_stay_strings(body: str) -> None:
    specs, diagnostics = load_text(HEAD + body, "ok.yaml")
    assert diagnostics == []
    field, value = body.split(": ")
    assert specs[0].document[field] == value.strip().strip("'")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("receiptPpmCountryIsoCode", "XX"),
        ("signatureSubdocCountryIsoCode", "us"),
        ("birthCountryIsoCode", "USA"),
        ("citizenshipCountryIsoCode", "EU"),
        ("domicileCountryIsoCode", "UK"),
        ("organizedUnderLawsOf", "ZZ"),
    ],
)
def test_every_country_field_takes_only_iso_codes(field: str, value: str) -> None:
    found = _only(HEAD + f"{field}: {value}\n")
    assert (found.line, found.field) == (4, field)
    assert f"{value!r} is not an ISO 3166-1 alpha-2 country code" in found.message
    _, diagnostics = load_text(HEAD + f"{field}: GB\n", "ok.yaml")
    assert diagnostics == []


def test_yaml_1_1_octal_and_sexagesimal_are_not_read() -> None:
    specs, diagnostics = load_text(HEAD + "slots: '010'\nalternateId: '1:30'\n", "ok.yaml")
    assert diagnostics == []
    assert specs[0].document == {"slots": "010", "alternateId": "1:30"}


def test_duplicate_key_is_an_error_at_the_second_key() -> None:
    found = _only(HEAD + "name:\n  fullName: A\n  abbreviatedLine1: B\n  fullName: C\n")
    assert (found.line, found.column) == (7, 3)
    assert "duplicate key 'fullName'" in found.message
    assert "line 5" in found.message


def test_duplicate_top_level_key() -> None:
    found = _only(HEAD + "active: true\nactive: false\n")
    assert (found.line, found.column) == (5, 1)
    assert "duplicate key 'active' (first at line 4)" in found.message


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (HEAD + "name: [Jane\n", 4),
        (HEAD + "name:\n  fullName: Jane\n bad: indentation\n", 6),
        (HEAD + "alternateId: 'unterminated\n", 5),  # found where the file ends
    ],
)
def test_malformed_yaml_names_the_place(text: str, line: int) -> None:
    found = _only(text)
    assert found.line == line
    assert found.message.startswith("invalid YAML")
    assert found.field == ""


def test_an_unsupported_tag_names_the_place_it_is_written() -> None:
    found = _only(HEAD + "name:\n  fullName: Jane\ndob: !!timestamp 1975-04-17\n")
    assert (found.line, found.column) == (6, 6)
    assert found.message == "unsupported YAML tag !!timestamp: remove it"


@pytest.mark.parametrize(
    ("text", "line", "column", "field", "says"),
    [
        ("kind: Investor\nexternalId: A\n", 1, 1, "", "missing 'apiVersion'"),
        ("apiVersion: statesync/v1\nexternalId: A\n", 1, 1, "", "missing 'kind'"),
        ("apiVersion: statesync/v1\nkind: Fund\nexternalId: A\n", 2, 7, "kind", "'Fund'"),
        ("apiVersion: statesync/v2\nkind: Investor\nexternalId: A\n", 1, 13, "apiVersion", "v2"),
        ("apiVersion: statesync/v1\nkind: Investor\n", 1, 1, "externalId", "required"),
        ("- apiVersion: statesync/v1\n", 1, 1, "", "must be a mapping"),
    ],
)
def test_envelope_problems(text: str, line: int, column: int, field: str, says: str) -> None:
    found = _only(text)
    assert (found.line, found.column, found.field) == (line, column, field)
    assert says in found.message


def test_all_problems_of_a_document_are_reported() -> None:
    text = HEAD + "active: Yes\neci: true\nname:\n  fulName: X\ndob: 13/13/2013\n"
    _, diagnostics = load_text(text, "many.yaml")
    assert [(d.line, d.field) for d in sorted(diagnostics)] == [
        (4, "active"),
        (5, "eci"),
        (7, "name.fulName"),
        (8, "dob"),
    ]


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("primaryTaxId: 900001234\n", "quote it"),
        ("secondaryTaxId: '??NULL??'\n", "write null"),
        (f"foreignTaxId: '{'9' * 41}'\n", "41 characters is longer than the 40"),
        ("dob: 13/01/1975\n", "is not a real date in the format MM/DD/YYYY"),
        ("dob: 1/2/1975\n", "must be written MM/DD/YYYY with leading zeros"),
        ("dob: a\n", "is not a real date in the format MM/DD/YYYY"),
        ("dob: e\n", "is not a real date in the format MM/DD/YYYY"),
    ],
)
def test_sensitive_values_never_appear_in_diagnostics(body: str, says: str) -> None:
    field, value = body.rstrip("\n").split(": ")
    found = _only(HEAD + body)
    assert found.field == field
    assert says in found.message  # the message stays whole: masking must not eat into it
    if len(value) > 2:
        assert value.strip("'") not in found.message
