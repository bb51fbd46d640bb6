"""What the plan tests share: spec bodies → documents, a pure stand-in for the state, spec sets."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from strategies import Body, spec_text

from statesync.kinds import INVESTOR, Document, ResourceKind, canonical_json, digest
from statesync.kinds.investor import Investor
from statesync.plans import plan_resource
from statesync.specs import SpecSet, load_specs

DIGEST_PREFIX = "hmac-sha256:"


def document(body: Body) -> Document:
    """The canonical document of a spec body, as the spec loader would make it."""
    return INVESTOR.to_document(Investor.model_validate(body))


def redact(kind: ResourceKind, doc: Document) -> Document:
    """A deterministic stand-in for the state's keyed digests (same shape, no key)."""

    def walk(node: Any, name: str | None) -> Any:
        if isinstance(node, dict):
            return {k: walk(v, k) for k, v in node.items()}
        if name in kind.sensitive_fields and node is not None:
            if isinstance(node, str) and node.startswith(DIGEST_PREFIX):
                return node
            return DIGEST_PREFIX + hashlib.sha256(canonical_json(node).encode()).hexdigest()
        return node

    redacted: Document = walk(doc, None)
    return redacted


@dataclass(frozen=True)
class Held:
    """What the state holds for one resource: a redacted document and its digest."""

    document: Document
    digest: str


def held(doc: Document) -> Held:
    """The state after adopting ``doc``: the adoption's target, redacted as the store keeps it."""
    target = plan_resource(INVESTOR, "K", doc, None, redact).target
    assert target is not None
    stored = redact(INVESTOR, target)
    return Held(stored, digest(stored))


def write_specs(root: Path, bodies: Iterable[Body], name: str = "investors.yaml") -> Path:
    """Write spec bodies as one YAML file under ``root``; returns the directory."""
    root.mkdir(parents=True, exist_ok=True)
    (root / name).write_text(spec_text(*bodies), encoding="utf-8")
    return root


def spec_set(root: Path, bodies: Iterable[Body]) -> SpecSet:
    """Specs loaded through the real loader from bodies written under ``root``."""
    return load_specs(write_specs(root, bodies))
