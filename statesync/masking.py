"""How sensitive values look in every output: never in plain text.

Tax ids may show their last four characters, as statements do ("•••••6789"), when enough of
the value stays hidden; every other sensitive value, and every keyed digest read back from the
state, shows as "(sensitive)".
"""

from __future__ import annotations

from typing import Any

from statesync.kinds import Document, ResourceKind, canonical_json

SENSITIVE = "(sensitive)"
_BULLETS = "•••••"
_SHOWN = 4
#: How the state's keyed digests begin (statesync.state.secrets); never worth showing.
_DIGEST_PREFIX = "hmac-sha256:"


def _is_tax_id(field: str) -> bool:
    return field.endswith("TaxId")


def _mask_sensitive(field: str, value: str) -> str:
    """The masked text of a non-null sensitive value."""
    if value.startswith(_BULLETS) or value == SENSITIVE:
        return value  # already masked: masking twice changes nothing
    if _is_tax_id(field) and not value.startswith(_DIGEST_PREFIX) and len(value) >= 2 * _SHOWN:
        return _BULLETS + value[-_SHOWN:]
    return SENSITIVE


def mask_value(field: str, value: object, sensitive: frozenset[str] | None = None) -> str:
    """The display text of one field's value: strings as they are, ``None`` as ``null``,
    anything else as JSON; a sensitive field's non-null value masked.

    ``sensitive`` defaults to the fields every kind marks sensitive.
    """
    names = _all_sensitive() if sensitive is None else sensitive
    if value is None:
        return "null"
    if field in names:
        return _mask_sensitive(field, value if isinstance(value, str) else canonical_json(value))
    return value if isinstance(value, str) else canonical_json(value)


def _masked(node: Any, field: str | None, sensitive: frozenset[str]) -> Any:
    if isinstance(node, dict):
        return {name: _masked(value, name, sensitive) for name, value in node.items()}
    if isinstance(node, list):
        return [_masked(item, field, sensitive) for item in node]
    if field is not None and field in sensitive and node is not None:
        return mask_value(field, node, sensitive)
    return node


def mask_document(kind: ResourceKind, document: Document) -> Document:
    """The document with every non-null sensitive value, at any depth, masked for display."""
    masked: Document = _masked(document, None, kind.sensitive_fields)
    return masked


def mask_patch(kind: ResourceKind, ops: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """RFC 6902 ops with sensitive values masked: a value set at a sensitive path, and any
    sensitive field inside a value that is a whole group or address."""
    sensitive = kind.sensitive_fields
    out: list[dict[str, Any]] = []
    for op in ops:
        masked = dict(op)
        if "value" in op:
            field = str(op.get("path", "")).rsplit("/", 1)[-1]
            masked["value"] = _masked(op["value"], field, sensitive)
        out.append(masked)
    return out


def _all_sensitive() -> frozenset[str]:
    from statesync.kinds import KINDS

    return frozenset().union(*(kind.sensitive_fields for kind in KINDS.values()))
