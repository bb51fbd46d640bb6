"""What the plan tests share: spec bodies → documents, a pure stand-in for the state, spec sets."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from strategies import Body, spec_text

from statesync.kinds import INVESTOR, Document, ResourceKind, canonical_json, digest
from statesync.kinds.investor import Investor
from statesync.plans import Failure, Plan, make_plan, plan_resource
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


# A fixed small scenario for the views: one of each action, a retry, every sensitive field.

LINEAGE = "00000000-0000-4000-8000-000000000000"
CREATED_AT = "2025-01-02T03:04:05+00:00"

#: What the state holds before the plan (plain here; the state keeps keyed digests).
SCENARIO_STATE: dict[str, Body] = {
    "INV-2001": {
        "externalId": "INV-2001",
        "active": True,
        "alternateId": "ALT-1",
        "name": {"fullName": "Ada Example", "abbreviatedLine1": "A. Example"},
        "primaryTaxId": "987-65-4321",
        "dob": "02/29/1964",
        "address": [
            {"type": "Legal", "city": "Hartford", "postalCode": "06103", "countryIsoCode": "US"}
        ],
    },
    "INV-2002": {"externalId": "INV-2002", "active": True, "name": {"fullName": "Cy Same"}},
    "INV-2003": {"externalId": "INV-2003", "active": True},
}

SCENARIO_SPECS = """\
apiVersion: statesync/v1
kind: Investor
externalId: INV-2001
active: false
alternateId: null
name:
  fullName: Ada Example-Smith
primaryTaxId: "987-65-4322"
dob: "02/29/1964"
frozen:
  status: true
  notes: KYC refresh <due>
address:
  - type: Mailing
    addressLine1: 1 Main St
    city: Boston
    stateCode: MA
    countryIsoCode: US
  - type: Legal
    city: New Haven
    postalCode: "06103"
---
apiVersion: statesync/v1
kind: Investor
externalId: INV-2002
active: true
---
apiVersion: statesync/v1
kind: Investor
externalId: INV-2004
name:
  fullName: Bo Sample
primaryTaxId: "123-45-6789"
secondaryTaxId: null
foreignTaxId: GB-0000-7777
dob: "07/04/1990"
address:
  - type: Legal
    city: London
    countryIsoCode: GB
"""

#: Every plain sensitive value in the scenario: no output but the saved plan may hold one.
SCENARIO_SECRETS = (
    "987-65-4321",
    "987-65-4322",
    "02/29/1964",
    "123-45-6789",
    "07/04/1990",
    "GB-0000-7777",
)
RETRY = Failure("run-0001", ("SEI rejected the change: postalCode 06103 is not valid",))


def write_scenario(root: Path) -> Path:
    """The scenario's specs under ``root/specs``; returns that directory."""
    specs = root / "specs"
    specs.mkdir(parents=True, exist_ok=True)
    (specs / "investors.yaml").write_text(SCENARIO_SPECS, encoding="utf-8")
    return specs


def scenario_plan(specs: SpecSet) -> Plan:
    """The scenario planned against a pure state, pinned so renderings are stable."""
    known = {"Investor": {key: held(document(body)) for key, body in SCENARIO_STATE.items()}}
    plan = make_plan(
        specs,
        known,
        redact,
        lineage=LINEAGE,
        serial=7,
        failures=lambda kind, key: RETRY if key == "INV-2001" else None,
    )
    return replace(plan, created_at=CREATED_AT)


def state_document(body: Body) -> Document:
    """A scenario state body as apply would have stored it (plain; the store redacts)."""
    return pruned(document(body))


def pruned(node: Any) -> Any:
    """Nulls and empty groups dropped: what SEI holds after a spec is applied."""
    if not isinstance(node, dict):
        return node
    inner = {k: pruned(v) for k, v in node.items() if v is not None}
    return {k: v for k, v in inner.items() if v != {}}
