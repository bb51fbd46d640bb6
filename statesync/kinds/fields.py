"""Field types of resource models: lengths, code lists, dates and percentages as documented.

Every type is strict: YAML's type for a value must already be the field's type. A zip code
read as a number is an error that says to quote it, never a silent coercion.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, StringConstraints

from statesync.kinds.codes import ISO_COUNTRIES

#: The wire form's marker for "clear this field"; reserved, so never a value in a spec.
NULL_SENTINEL = "??NULL??"

#: ``json_schema_extra`` marker of a sensitive field (tax ids, dates of birth): always masked.
SENSITIVE: dict[str, Any] = {"x-sensitive": True}


def _not_sentinel(value: str) -> str:
    if value == NULL_SENTINEL:
        raise ValueError(f"{NULL_SENTINEL!r} is the API's clear marker: write null to clear")
    return value


def _country(value: str) -> str:
    if value and value not in ISO_COUNTRIES:
        raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code (e.g. US, GB, KY)")
    return value


def _date(value: str) -> str:
    try:
        parsed = datetime.strptime(value, "%m/%d/%Y")
    except ValueError:
        raise ValueError(f"{value!r} is not a real date in the format MM/DD/YYYY") from None
    if parsed.strftime("%m/%d/%Y") != value:
        raise ValueError(f"{value!r} must be written MM/DD/YYYY with leading zeros")
    return value


def _max_digits(limit: int) -> AfterValidator:
    def check(value: float) -> float:
        digits = sum(ch.isdigit() for ch in repr(value).split("e")[0].lstrip("-"))
        if isinstance(value, float) and value.is_integer():
            digits -= 1  # repr(5.0) == "5.0": the trailing zero is not a written digit
        if digits > limit:
            raise ValueError(f"{value} has more than {limit} digits")
        return value

    return AfterValidator(check)


def _percentage(value: float) -> float:
    if not 0 <= value <= 100:
        raise ValueError(f"{value} is not a percentage between 0 and 100")
    return value


Str = Annotated[str, AfterValidator(_not_sentinel)]
Str1 = Annotated[Str, StringConstraints(max_length=1)]
Str3 = Annotated[Str, StringConstraints(max_length=3)]
Str9 = Annotated[Str, StringConstraints(max_length=9)]
Str20 = Annotated[Str, StringConstraints(max_length=20)]
Str30 = Annotated[Str, StringConstraints(max_length=30)]
Str40 = Annotated[Str, StringConstraints(max_length=40)]
Str50 = Annotated[Str, StringConstraints(max_length=50)]
Str60 = Annotated[Str, StringConstraints(max_length=60)]
Str70 = Annotated[Str, StringConstraints(max_length=70)]
Str100 = Annotated[Str, StringConstraints(max_length=100)]
Str200 = Annotated[Str, StringConstraints(max_length=200)]
Str250 = Annotated[Str, StringConstraints(max_length=250)]
Str500 = Annotated[Str, StringConstraints(max_length=500)]

Country = Annotated[str, AfterValidator(_country)]
Date = Annotated[str, AfterValidator(_date)]
Key = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=r"^[^\s/?#%]+$")]

Percent = Annotated[int | float, AfterValidator(_percentage)]
Percent4 = Annotated[int | float, _max_digits(4), AfterValidator(_percentage)]
Percent8 = Annotated[int | float, _max_digits(8), AfterValidator(_percentage)]

YesNo = Literal["Yes", "No", ""]
YesNoNA = Literal["Yes", "No", "N/A", ""]
YN = Literal["Y", "N", ""]
TrueFalse = Literal["true", "false", ""]
ExemptRegistered = Literal["Exempt", "Registered", ""]


def sensitive() -> Any:
    """A field default marking the field sensitive: masked in every output, digested in state."""
    return Field(default=None, json_schema_extra=SENSITIVE)
