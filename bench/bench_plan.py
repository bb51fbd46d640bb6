"""How fast `statesync plan` decides a bulk edit (target: 10,000 changed investors in 5 s).

Builds N full investors in a temporary state (one bulk insert of redacted documents, as
``put_resource`` would store them), then times ``make_plan`` for: every investor unchanged, a
one-field edit to a top-level field of every investor, and a one-field edit inside the Legal
address of every investor. Loading the specs from YAML is not timed (the spec loader's own
business); reading the state is timed separately from planning.

    python bench/bench_plan.py [--count 10000] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from statesync.kinds import INVESTOR, digest
from statesync.kinds.investor import Investor
from statesync.plans import Action, Plan, diff, make_plan
from statesync.specs import Spec, SpecSet
from statesync.state import StateStore, open_state
from statesync.state import schema as t

TARGET_SECONDS = 5.0
TARGET_COUNT = 10_000


def investor(n: int) -> dict[str, Any]:
    """A full, realistic investor spec body: groups, two addresses, every sensitive field."""
    return {
        "externalId": f"INV-{n:06d}",
        "alternateId": f"ALT-{n}",
        "active": True,
        "classification": "Individual",
        "accreditedInvestor": "Natural person with net worth over $1 million",
        "qualifiedPurchaser": "Not a qualified purchaser",
        "slots": "1",
        "name": {"fullName": f"Investor Number {n}", "abbreviatedLine1": f"Inv {n}"},
        "primaryTaxId": f"900-{n % 100:02d}-{n % 10_000:04d}",
        "secondaryTaxId": None,
        "dob": "04/17/1975",
        "birthCountryIsoCode": "US",
        "citizenshipCountryIsoCode": "US",
        "domicileCountryIsoCode": "US",
        "taxType": "Individual",
        "investorStatus": "US Investor",
        "eci": "No",
        "cai": "No",
        "percent": 12.5,
        "frozen": {"status": False, "effectiveDate": None, "notes": None},
        "cftcNfa": {"nfald": "0012345", "operator": False, "notEngaged": True},
        "address": [
            {
                "type": "Mailing",
                "attention1": f"Investor Number {n}",
                "addressLine1": f"{n} Pearl Street",
                "city": "Hartford",
                "stateCode": "CT",
                "postalCode": "06103",
                "countryIsoCode": "US",
            },
            {
                "type": "Legal",
                "addressLine1": f"{n} Elm Row",
                "city": "West Hartford",
                "stateCode": "CT",
                "postalCode": "06107",
                "countryIsoCode": "US",
            },
        ],
    }


def top_level_edit(body: dict[str, Any]) -> dict[str, Any]:
    return {**body, "classification": "Entity"}


def address_edit(body: dict[str, Any]) -> dict[str, Any]:
    mailing, legal = body["address"]
    return {**body, "address": [mailing, {**legal, "city": "New Haven"}]}


def spec_set(bodies: list[dict[str, Any]]) -> SpecSet:
    """Validated specs as the loader makes them, without the YAML step."""
    specs = []
    for line, body in enumerate(bodies, start=1):
        resource = Investor.model_validate(body)
        specs.append(
            Spec(
                INVESTOR,
                body["externalId"],
                resource,
                INVESTOR.to_document(resource),
                "bench.yaml",
                line,
            )
        )
    return SpecSet(root=Path("bench"), specs=tuple(specs), files=1, digest="bench")


def fill_state(store: StateStore, url: str, specs: SpecSet) -> None:
    """Store every investor as apply leaves it: nulls known-empty, sensitive values redacted."""
    now = datetime.now(UTC)
    rows = []
    for spec in specs.specs:
        target = diff.merge({}, spec.document)
        redacted = store.redact(INVESTOR, target)
        rows.append(
            {
                "kind": INVESTOR.name,
                "external_id": spec.key,
                "document": redacted,
                "digest": digest(redacted),
                "version": 1,
                "run_id": None,
                "updated_at": now,
            }
        )
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(t.resources.insert(), rows)
    engine.dispose()


def timed(label: str, count: int, run: Callable[[], Plan], profile: bool) -> Plan:
    profiler = cProfile.Profile() if profile else None
    start = time.perf_counter()
    if profiler is not None:
        profiler.enable()
    plan = run()
    if profiler is not None:
        profiler.disable()
    seconds = time.perf_counter() - start
    per = seconds / count * 1e6
    scaled = seconds * TARGET_COUNT / count
    verdict = "within" if scaled <= TARGET_SECONDS else "OVER"
    print(
        f"{label:<28} {seconds:7.2f} s  {per:8.1f} µs/investor  "
        f"(≈{scaled:5.2f} s per {TARGET_COUNT:,}: {verdict} the {TARGET_SECONDS:.0f} s target)  "
        f"{plan.summary()}"
    )
    if profiler is not None:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(18)
    return plan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=TARGET_COUNT, help="investors (10000)")
    parser.add_argument("--profile", action="store_true", help="cProfile each planning run")
    args = parser.parse_args()
    count: int = args.count

    bodies = [investor(n) for n in range(count)]
    start = time.perf_counter()
    unchanged = spec_set(bodies)
    top = spec_set([top_level_edit(b) for b in bodies])
    address = spec_set([address_edit(b) for b in bodies])
    print(f"built {count:,} investors × 3 spec sets in {time.perf_counter() - start:.1f} s")

    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite:///{Path(directory) / 'state.db'}"
        with open_state(url) as store:
            start = time.perf_counter()
            fill_state(store, url, unchanged)
            print(f"filled the state in {time.perf_counter() - start:.1f} s")
            start = time.perf_counter()
            known = {INVESTOR.name: store.resources(INVESTOR.name)}
            print(f"read the state in {time.perf_counter() - start:.2f} s (not counted below)")

            def planner(specs: SpecSet) -> Callable[[], Plan]:
                return lambda: make_plan(
                    specs, known, store.redact, lineage=store.lineage, serial=store.serial
                )

            cases = [
                ("all unchanged", unchanged, Action.NOOP),
                ("top-level field edited", top, Action.UPDATE),
                ("address field edited", address, Action.UPDATE),
            ]
            for label, specs, expected in cases:
                plan = timed(label, count, planner(specs), args.profile)
                if plan.counts[expected] != count:
                    raise SystemExit(f"{label}: expected {count} × {expected}, got {plan.counts}")


if __name__ == "__main__":
    main()
