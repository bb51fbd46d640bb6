"""Hypothesis strategies for valid investor specs, shared by every test that needs random investors.

The strategies are derived from the Investor model's field types (``statesync.kinds.fields``), so a
field added to the model is generated without touching this module, and a field of a type this
module does not know fails loudly when the strategy is built instead of being skipped.

A generated investor is a spec body: camelCase keys as a user writes them, ``externalId``
always present, every other field omitted (not managed), ``None`` (managed, must be empty) or a
value within the API's limits.
"""

from __future__ import annotations

import types
import typing
from datetime import date
from functools import cache
from typing import Any

from hypothesis import strategies as st
from pydantic import BaseModel

from statesync.kinds import INVESTOR
from statesync.kinds import fields as f
from statesync.kinds.codes import ISO_COUNTRIES, REGIONS_BY_COUNTRY
from statesync.kinds.investor import Address, Investor

Body = dict[str, Any]

# Strings a YAML 1.1 reader or a careless emitter would turn into something else.
TRICKY_STRINGS = (
    "06103",
    "No",
    "Yes",
    "yes",
    "On",
    "off",
    "true",
    "False",
    "null",
    "Null",
    "~",
    "1.5",
    "0x1F",
    "0o17",
    "1e3",
    ".inf",
    "-",
    "#hash",
    "a: b",
    "- item",
    "[x]",
    "{y}",
    "'q'",
    '"d"',
    " lead",
    "trail ",
    "",
    "2001-01-01",
    "12:30",
    "=",
    "!tag",
    "&anchor",
    "*alias",
    "%",
)
_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=40)
_KEY_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."


def external_ids() -> st.SearchStrategy[str]:
    """Keys as users write them (``INV-1001``) and odd but valid ones (never space ``/ ? # %``)."""
    return st.one_of(
        st.integers(1000, 999_999).map(lambda n: f"INV-{n}"),
        st.text(alphabet=_KEY_ALPHABET, min_size=1, max_size=40),
    )


def strings(max_length: int | None = None) -> st.SearchStrategy[str]:
    """Free text up to ``max_length``, often one of the strings YAML likes to misread."""
    limit = 500 if max_length is None else max_length
    return st.one_of(
        st.sampled_from([s for s in TRICKY_STRINGS if len(s) <= limit]),
        _TEXT.map(lambda s: s[:limit]),
        st.just("x" * limit),
    ).filter(lambda s: s != f.NULL_SENTINEL)


def dates() -> st.SearchStrategy[str]:
    """Real calendar dates written MM/DD/YYYY."""
    return st.dates(date(1900, 1, 1), date(2099, 12, 31)).map(lambda d: d.strftime("%m/%d/%Y"))


def countries() -> st.SearchStrategy[str]:
    """ISO 3166-1 alpha-2 codes (blank is allowed by the API too)."""
    return st.one_of(st.sampled_from(sorted(ISO_COUNTRIES)), st.just(""))


def percentages(max_digits: int | None = None) -> st.SearchStrategy[int | float]:
    """Numbers between 0 and 100 written with at most ``max_digits`` digits."""
    digits = 12 if max_digits is None else max_digits

    @st.composite
    def build(draw: st.DrawFn) -> int | float:
        whole = draw(st.integers(0, 100))
        room = 0 if whole == 100 else digits - len(str(whole))
        places = draw(st.integers(0, max(room, 0)))
        if places == 0:
            return whole if draw(st.booleans()) else float(whole)
        fraction = draw(st.integers(0, 10**places - 1))
        return float(f"{whole}.{fraction:0{places}d}")

    return build()


def _max_digits_of(annotation: Any) -> int | None:
    """The digit limit of a number type: 4 or 8 for the API's ``number(4)``/``number(8)``."""
    if annotation == f.Percent4:
        return 4
    if annotation == f.Percent8:
        return 8
    return None


def _string_limit(annotation: Any) -> int | None:
    for meta in typing.get_args(annotation)[1:]:
        if getattr(meta, "max_length", None) is not None:
            return int(meta.max_length)
    return None


def _value_strategy(annotation: Any) -> st.SearchStrategy[Any]:
    """A strategy for one field's non-null values, chosen by the field's declared type."""
    if annotation is bool:
        return st.booleans()
    if typing.get_origin(annotation) is typing.Literal:
        return st.sampled_from(typing.get_args(annotation))
    if annotation == f.Country:
        return countries()
    if annotation == f.Date:
        return dates()
    if annotation in (f.Percent, f.Percent4, f.Percent8):
        return percentages(_max_digits_of(annotation))
    if typing.get_origin(annotation) is typing.Annotated and typing.get_args(annotation)[0] is str:
        return strings(_string_limit(annotation))
    raise TypeError(f"no strategy for field type {annotation!r}: teach tests/strategies.py")


def _strip_none(annotation: Any) -> Any:
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(members) == 1:
            return members[0]
    return annotation


def _nullable(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(strategy, strategy, st.none())


def _fields(model: type[BaseModel], skip: tuple[str, ...] = ()) -> st.SearchStrategy[Body]:
    """A random subset of a flat model's fields, each a value or ``None``."""
    optional = {
        info.alias or attr: _nullable(_value_strategy(_strip_none(info.annotation)))
        for attr, info in model.model_fields.items()
        if (info.alias or attr) not in skip
    }
    return st.fixed_dictionaries({}, optional=optional)


@cache
def _group(model: type[BaseModel]) -> st.SearchStrategy[Body]:
    """A group (``name``, ``frozen``, ``cftcNfa``) with at least one field managed."""
    return _fields(model).filter(bool)


_ADDRESS_FIELDS = _fields(Address, skip=("type", "stateCode", "countryIsoCode"))


@st.composite
def addresses(draw: st.DrawFn) -> Body:
    """One address: a US or Canadian one carries a state code from its list."""
    fields = dict(draw(_ADDRESS_FIELDS))
    country = draw(st.none() | countries())
    if country is not None or draw(st.booleans()):
        fields["countryIsoCode"] = country
    regions = REGIONS_BY_COUNTRY.get(country or "")
    if draw(st.booleans()):
        state = st.sampled_from(sorted(regions)) if regions else strings()
        fields["stateCode"] = draw(_nullable(state))
    kind = draw(st.sampled_from(["Legal", "Mailing", "Tax", "Billing"]) | external_ids())
    return {"type": kind, **fields}


@cache
def _investor_fields() -> dict[str, st.SearchStrategy[Any]]:
    out: dict[str, st.SearchStrategy[Any]] = {}
    for attr, info in Investor.model_fields.items():
        alias = info.alias or attr
        if alias == INVESTOR.key_field:
            continue
        if alias == "address":
            unique = st.lists(addresses(), min_size=1, max_size=4, unique_by=lambda a: a["type"])
            out[alias] = _nullable(unique)
            continue
        annotation = _strip_none(info.annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            out[alias] = _nullable(_group(annotation))
        else:
            out[alias] = _nullable(_value_strategy(annotation))
    return out


@st.composite
def investors(draw: st.DrawFn, external_id: st.SearchStrategy[str] | None = None) -> Body:
    """Valid investor spec bodies (no ``apiVersion``/``kind``), a random subset of fields managed.

    The subset is drawn first (small on average, any size possible) so that an example stays
    within Hypothesis's data budget however many fields the model has.
    """
    strategies = _investor_fields()
    body: Body = {INVESTOR.key_field: draw(external_ids() if external_id is None else external_id)}
    for name in draw(st.lists(st.sampled_from(sorted(strategies)), unique=True)):
        body[name] = draw(strategies[name])
    return body


def investor_models(
    external_id: st.SearchStrategy[str] | None = None,
) -> st.SearchStrategy[Investor]:
    """Validated Investor models built from :func:`investors` (fields set = fields in the spec)."""
    return investors(external_id).map(Investor.model_validate)


def spec_text(*bodies: Body) -> str:
    """A spec file holding ``bodies`` as block-style YAML documents, one ``---`` each.

    Our own emitter rather than ``yaml_rs.dumps``: that one leaves YAML 1.2 octals such as
    ``0o17`` unquoted, so a string field would come back as a number. Here every string is
    double-quoted, with anything unprintable escaped.
    """
    documents = (
        "---" + _yaml({"apiVersion": INVESTOR.api_version, "kind": INVESTOR.name, **body}, "")
        for body in bodies
    )
    return "\n".join(documents) + "\n"


def _yaml(value: Any, indent: str) -> str:
    """``value`` as the rest of a line (`` scalar``) or as indented lines below it."""
    if isinstance(value, dict):
        items = (f"\n{indent}{key}:{_yaml(item, indent + '  ')}" for key, item in value.items())
        return "".join(items) or " {}"
    if isinstance(value, list):
        return "".join(f"\n{indent}-{_yaml(item, indent + '  ')}" for item in value) or " []"
    return " " + _scalar(value)


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        escaped = (
            "\\" + ch if ch in '"\\' else ch if ch.isprintable() else f"\\U{ord(ch):08x}"
            for ch in value
        )
        return '"' + "".join(escaped) + '"'
    raise TypeError(f"cannot write {type(value).__name__} as YAML: {value!r}")
