"""Resource kinds: one module per kind, registered here by the name specs use in ``kind:``."""

from __future__ import annotations

from statesync.kinds.base import Document, ResourceKind, canonical_json, digest
from statesync.kinds.investor import Investor, investor_checks

INVESTOR = ResourceKind(
    name="Investor",
    model=Investor,
    key_field="externalId",
    keyed_lists={"address": "type"},
    checks=investor_checks,
)

KINDS: dict[str, ResourceKind] = {kind.name: kind for kind in (INVESTOR,)}

__all__ = ["INVESTOR", "KINDS", "Document", "ResourceKind", "canonical_json", "digest"]
