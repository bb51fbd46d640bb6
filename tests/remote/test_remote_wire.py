"""The investor PATCH wire body: sets, clears, addresses, and the round trip through from_wire."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from strategies import investors

from statesync.errors import WireError
from statesync.kinds import INVESTOR
from statesync.kinds.investor import Address, Investor
from statesync.remote.wire import from_wire, leaf_ops, to_wire


def test_sets_clears_and_address_changes_follow_the_seed_sample() -> None:
    ops = [
        {"op": "replace", "path": "/name/fullName", "value": "John Doe Irrevocable Trust"},
        {"op": "replace", "path": "/address/Legal/city", "value": "Crown Point"},
        {"op": "remove", "path": "/address/Legal/addressLine2"},
        {"op": "replace", "path": "/address/Legal/attention2", "value": ""},
        {"op": "remove", "path": "/primaryTaxId"},
        {"op": "replace", "path": "/active", "value": False},
    ]
    assert to_wire(INVESTOR, "JD0E3890131", ops) == [
        {
            "externalId": "JD0E3890131",
            "name": {"fullName": "John Doe Irrevocable Trust"},
            "address": [
                {
                    "type": "Legal",
                    "city": "Crown Point",
                    "addressLine2": "??NULL??",
                    "attention2": "",
                }
            ],
            "primaryTaxId": "??NULL??",
            "active": False,
        }
    ]


def test_a_new_address_in_one_add_op_becomes_one_entry_with_its_type() -> None:
    ops = [{"op": "add", "path": "/address/Mailing", "value": {"city": "Reno", "stateCode": "NV"}}]
    body = to_wire(INVESTOR, "INV-1", ops)
    assert body == [
        {"externalId": "INV-1", "address": [{"type": "Mailing", "city": "Reno", "stateCode": "NV"}]}
    ]


def test_removing_a_group_or_an_address_clears_each_of_its_fields() -> None:
    body = to_wire(
        INVESTOR,
        "INV-1",
        [{"op": "remove", "path": "/frozen"}, {"op": "remove", "path": "/address/Mailing"}],
    )[0]
    assert body["frozen"] == {
        "status": "??NULL??",
        "effectiveDate": "??NULL??",
        "notes": "??NULL??",
    }
    (mailing,) = body["address"]
    assert mailing["type"] == "Mailing"
    address_fields = {info.alias or name for name, info in Address.model_fields.items()}
    assert set(mailing) == address_fields
    assert all(value == "??NULL??" for key, value in mailing.items() if key != "type")


def test_from_wire_reads_the_seed_sample_back() -> None:
    body = [
        {
            "externalId": "JD0E3890131",
            "name": {"fullName": "John Doe"},
            "address": [{"type": "Legal", "addressLine2": "??NULL??", "city": "Crown Point"}],
        }
    ]
    assert from_wire(INVESTOR, body) == (
        "JD0E3890131",
        [
            {"op": "replace", "path": "/name/fullName", "value": "John Doe"},
            {"op": "remove", "path": "/address/Legal/addressLine2"},
            {"op": "replace", "path": "/address/Legal/city", "value": "Crown Point"},
        ],
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"externalId": "X"}, None),
        ([{"name": {"fullName": "x"}}], "externalId"),
        ([{"externalId": "X", "nickname": "x"}], "nickname"),
        ([{"externalId": "X", "name": "x"}], "name"),
        ([{"externalId": "X", "name": {"middleName": "x"}}], "name.middleName"),
        ([{"externalId": "X", "address": [{"city": "x"}]}], "address"),
        ([{"externalId": "X", "address": [{"type": "Legal", "zip": "1"}]}], "address.zip"),
        ([{"externalId": "X", "active": {"a": 1}}], "active"),
    ],
)
def test_from_wire_names_what_is_wrong_with_a_body(body: Any, field: str | None) -> None:
    with pytest.raises(WireError) as caught:
        from_wire(INVESTOR, body)
    assert caught.value.field == field


@pytest.mark.parametrize(
    "op",
    [
        {"op": "move", "from": "/alternateId", "path": "/investorMaster"},
        {"op": "replace", "path": "/nickname", "value": "x"},
        {"op": "replace", "path": "/name/fullName/extra", "value": "x"},
        {"op": "remove", "path": "/address"},
        {"op": "replace", "path": "/name", "value": "not an object"},
    ],
)
def test_ops_without_a_wire_form_are_refused(op: dict[str, Any]) -> None:
    with pytest.raises(WireError):
        to_wire(INVESTOR, "INV-1", [op])


def _adopt_ops(document: dict[str, Any], prefix: str = "") -> list[dict[str, Any]]:
    """The adopt patch the plan issue describes: replace each value, remove each null."""
    ops: list[dict[str, Any]] = []
    for name, value in document.items():
        path = f"{prefix}/{name}"
        if isinstance(value, dict):
            ops.extend(_adopt_ops(value, path))
        elif value is None:
            ops.append({"op": "remove", "path": path})
        else:
            ops.append({"op": "replace", "path": path, "value": value})
    return ops


def _as_set(ops: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    return {(op["op"], op["path"], repr(op.get("value"))) for op in ops}


@settings(max_examples=60, deadline=None)
@given(investors())
def test_round_trip_through_the_inverse(body: dict[str, Any]) -> None:
    document = INVESTOR.to_document(Investor.model_validate(body))
    if document.get("address") is None:
        document.pop("address", None)  # "no addresses at all" has no wire form (see wire.py)
    ops = _adopt_ops(document)
    external_id, back = from_wire(INVESTOR, to_wire(INVESTOR, body["externalId"], ops))
    assert external_id == body["externalId"]
    assert _as_set(back) == _as_set(leaf_ops(INVESTOR, ops)) == _as_set(ops)
