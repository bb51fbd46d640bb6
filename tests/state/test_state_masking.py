"""How sensitive values look in output: masked, tax ids with at most their last four."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from statesync.kinds import INVESTOR
from statesync.masking import SENSITIVE, mask_document, mask_patch, mask_value

DIGEST = "hmac-sha256:" + "ab" * 32


def test_tax_ids_show_their_last_four_and_other_sensitive_values_nothing() -> None:
    assert mask_value("primaryTaxId", "123456789") == "•••••6789"
    assert mask_value("foreignTaxId", "1234567") == SENSITIVE  # too short to show any
    assert mask_value("dob", "01/02/1990") == SENSITIVE
    assert mask_value("primaryTaxId", DIGEST) == SENSITIVE
    assert mask_value("dob", None) == "null"


def test_other_fields_show_as_they_are() -> None:
    assert mask_value("city", "London") == "London"
    assert mask_value("active", True) == "true"
    assert mask_value("name", {"fullName": "Ada"}) == '{"fullName":"Ada"}'
    assert mask_value("city", None) == "null"


@given(st.text(min_size=1, max_size=40))
def test_a_masked_tax_id_reveals_at_most_its_last_four(value: str) -> None:
    masked = mask_value("secondaryTaxId", value)
    assert masked in (SENSITIVE, "•••••" + value[-4:])
    assert mask_value("secondaryTaxId", masked) == masked


def test_mask_document_masks_at_any_depth_and_leaves_the_input_alone() -> None:
    document = {"primaryTaxId": "123456789", "dob": None, "name": {"fullName": "Ada"}}
    assert mask_document(INVESTOR, document) == {
        "primaryTaxId": "•••••6789",
        "dob": None,
        "name": {"fullName": "Ada"},
    }
    assert document["primaryTaxId"] == "123456789"


def test_mask_patch_masks_values_at_sensitive_paths_and_inside_added_groups() -> None:
    ops = [
        {"op": "replace", "path": "/dob", "value": "01/02/1990"},
        {"op": "add", "path": "/nested", "value": {"primaryTaxId": "123456789", "city": "X"}},
        {"op": "remove", "path": "/foreignTaxId"},
        {"op": "replace", "path": "/name/fullName", "value": "Ada"},
    ]
    assert mask_patch(INVESTOR, ops) == [
        {"op": "replace", "path": "/dob", "value": SENSITIVE},
        {"op": "add", "path": "/nested", "value": {"primaryTaxId": "•••••6789", "city": "X"}},
        {"op": "remove", "path": "/foreignTaxId"},
        {"op": "replace", "path": "/name/fullName", "value": "Ada"},
    ]
    assert ops[0]["value"] == "01/02/1990"
