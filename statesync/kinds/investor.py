"""The Investor resource: every field of SEI's Investors API request payload, typed as documented.

Grouping follows the API's sample body: ``name``, ``address`` (a list keyed by ``type``),
``frozen`` and ``cftcNfa``; every other field sits at the top level under its API name.

Every field is optional and keeps three states, which the whole pipeline preserves:
omitted (not managed: statesync never touches it), ``null`` (managed and must be empty: the
wire form clears it) and a value (managed: must equal it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from statesync.kinds.codes import REGIONS_BY_COUNTRY
from statesync.kinds.fields import (
    YN,
    Country,
    Date,
    ExemptRegistered,
    Key,
    Percent,
    Percent4,
    Percent8,
    Str,
    Str9,
    Str20,
    Str30,
    Str40,
    Str50,
    Str60,
    Str70,
    Str100,
    Str200,
    Str250,
    Str500,
    TrueFalse,
    YesNo,
    YesNoNA,
    sensitive,
)


class _Group(BaseModel):
    model_config = ConfigDict(
        strict=True, extra="forbid", alias_generator=to_camel, frozen=True, validate_default=False
    )


class Name(_Group):
    """The investor's legal and abbreviated names."""

    full_name: Str250 | None = None
    abbreviated_line1: Str60 | None = None
    abbreviated_line2: Str60 | None = None


class Address(_Group):
    """One address; ``type`` (Legal, Mailing, …) is its key within the investor."""

    type: Key
    attention1: Str60 | None = None
    attention2: Str60 | None = None
    address_line1: Str60 | None = None
    address_line2: Str60 | None = None
    address_line3: Str60 | None = None
    address_line4: Str60 | None = None
    city: Str60 | None = None
    state_code: Str | None = None
    postal_code: Str | None = None
    country_iso_code: Country | None = None


class Frozen(_Group):
    """Whether the account is frozen, since when and why."""

    status: bool | None = None
    effective_date: Date | None = None
    notes: Str | None = None


class CftcNfa(_Group):
    """CFTC/NFA classification: CFTC Rule 4.7 and the exemptions subscription documents name."""

    nfald: Str20 | None = None
    commodity_trading_advisor: bool | None = None
    operator: bool | None = None
    other_description: Str | None = None
    cftc_certification: bool | None = None
    cftc_certification_not_acquiring_sec_offered: bool | None = None
    cftc_cert_accredited_investor: bool | None = None
    rule413_exempt: bool | None = None
    no_action_letter1238: bool | None = None
    no_action_letter1237: bool | None = None
    rule45_required: bool | None = None
    rule45_not_required: bool | None = None
    interpretive_guidance: bool | None = None
    charitable_foundation: bool | None = None
    rule310_exempt: bool | None = None
    other_exemption_desc: Str | None = None
    not_engaged: bool | None = None


class Investor(_Group):
    """An investor record in SEI's KYC system, keyed by ``externalId``."""

    external_id: Key
    alternate_id: Str30 | None = None
    active: bool | None = None
    classification: Str30 | None = None
    accredited_investor: Str50 | None = None
    qualified_purchaser: Str30 | None = None
    slots: Str9 | None = None
    receipt_ppm_country_iso_code: Country | None = None
    signature_subdoc_country_iso_code: Country | None = None
    investor_master: Str250 | None = None
    canadian_certification: bool | None = None
    name: Name | None = None
    address: list[Address] | None = None
    primary_tax_id: Str40 | None = sensitive()
    secondary_tax_id: Str40 | None = sensitive()
    foreign_tax_id: Str40 | None = sensitive()
    dob: Date | None = sensitive()
    birth_country_iso_code: Country | None = None
    tax_type: Str30 | None = None
    subscriber_type: Str | None = None
    tax_status: Str | None = None
    legal_form_of_entity: Str30 | None = None
    citizenship_country_iso_code: Country | None = None
    domicile_country_iso_code: Country | None = None
    organized_under_laws_of: Country | None = None
    employee_eligible: bool | None = None
    friends_family: bool | None = None
    general_partner: bool | None = None
    limited_partner: bool | None = None
    partner: bool | None = None
    percent: Percent8 | None = None
    benefit_plan_employee: bool | None = None
    benefit_plan_individual: bool | None = None
    rule5130: Str30 | None = None
    rule5130_percent: Percent8 | None = None
    rule5131: YesNoNA | None = None
    rule5131_company_name: Str100 | None = None
    rule5131_percent: Percent | None = None
    rule51305131_exempted_status: YesNoNA | None = None
    pooled_investment_fund_cert: TrueFalse | None = None
    percent_equity_interest: Percent | None = None
    entity_passive_investment: TrueFalse | None = None
    investor_is_insurance_co: bool | None = None
    no_assets: bool | None = None
    assets: bool | None = None
    percent_assets: Percent4 | None = None
    ubti: Str | None = None
    eci: YesNo | None = None
    cai: YesNo | None = None
    placement_agent: bool | None = None
    placement_agent_name: Str | None = None
    placement_agent_payment: Str | None = None
    registered_fund_ack: YN | None = None
    registered_fund_name: Str100 | None = None
    registered_fund_affiliated_person: YN | None = None
    reg_d_bad_actor: YesNo | None = None
    reg_d_desc: Str250 | None = None
    us_govt_entity_status: YesNoNA | None = None
    us_govt_entity_name: Str200 | None = None
    us_govt_entity_substantial: Str | None = None
    pay_to_play_rep: Str100 | None = None
    us_bank_holding_co: bool | None = None
    investor_govt_entity_affiliation: bool | None = None
    frozen: Frozen | None = None
    cftc_nfa: CftcNfa | None = None
    investor_status: Str30 | None = None
    fatca_preexisting: bool | None = None
    exclude_fatca: bool | None = None
    bene_owner_type: Str30 | None = None
    bene_owner_name: Str250 | None = None
    investor_type: Str70 | None = None
    reverse_solicit_cert: YesNo | None = None
    security_lending_collateral: bool | None = None
    distribution: Str | None = None
    cpo_exempt: Str500 | None = None
    reg_exempt_cpo: ExemptRegistered | None = None


def investor_checks(body: Mapping[str, Any]) -> list[tuple[tuple[str | int, ...], str]]:
    """Rules across fields: one address per type; US and Canadian state codes from their lists.

    They read the raw spec body, so they report alongside field errors rather than after them.
    """
    problems: list[tuple[tuple[str | int, ...], str]] = []
    addresses = body.get("address")
    seen: dict[object, int] = {}
    for index, address in enumerate(addresses if isinstance(addresses, list) else []):
        if not isinstance(address, dict):
            continue
        kind = address.get("type")
        if isinstance(kind, str) and kind in seen:
            problems.append(
                (
                    ("address", index, "type"),
                    f"a second address of type {kind!r} "
                    f"(the first is address #{seen[kind] + 1}): at most one per type",
                )
            )
        seen.setdefault(kind, index)
        code, country = address.get("stateCode"), address.get("countryIsoCode")
        regions = REGIONS_BY_COUNTRY.get(country) if isinstance(country, str) else None
        if isinstance(code, str) and code and regions is not None and code not in regions:
            problems.append(
                (
                    ("address", index, "stateCode"),
                    f"{code!r} is not a two-letter {country} state or province code",
                )
            )
    return problems
