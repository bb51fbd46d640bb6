"""Apply throughput against an emulator process with a given latency, next to the latency bound.

    python bench/bench_apply.py --changes 200 --latency-ms 20 --parallelism 16 --job-delay-ms 0

Starts an emulator on loopback whose book holds N investors, then applies in a temporary state:
first N adoptions (every managed field, one PATCH each), then N updates (one field each).
For each phase it prints wall seconds and changes/s next to the bound

    changes × round trips per change × latency / parallelism

with the round trips it assumes per change: 1 PATCH + the job polls the poll schedule needs to
outlast the job delay (+ 1 token request per apply, shared by all changes), and the round
trips the ledger actually recorded. Everything stays on this machine and stops by itself.
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from statesync import api
from statesync.apply import ApplyOptions
from statesync.emulator.process import run_emulator
from statesync.remote.config import BUILTIN_ENVIRONMENTS, Environment
from statesync.state import schema as t

SPEC = """\
---
apiVersion: statesync/v1
kind: Investor
externalId: BENCH-{n:06d}
active: true
classification: Individual
name:
  fullName: Bench Investor {n}
  abbreviatedLine2: null
primaryTaxId: "900-{a:02d}-{b:04d}"
address:
  - type: Legal
    addressLine1: {n} Pearl Street
    city: {city}
    stateCode: CT
    postalCode: "06103"
    countryIsoCode: US
"""


def write_specs(root: Path, count: int, city: str) -> None:
    """``count`` investors in one spec file, all living in ``city``."""
    root.mkdir(parents=True, exist_ok=True)
    text = "".join(SPEC.format(n=n, a=n % 100, b=n % 10000, city=city) for n in range(1, count + 1))
    (root / "investors.yaml").write_text(text, encoding="utf-8")


def book(count: int) -> dict[str, object]:
    """An emulator book holding the investors the specs name, so adoptions are PATCHes."""
    investors = [
        {"externalId": f"BENCH-{n:06d}", "active": False, "name": {"fullName": f"Old {n}"}}
        for n in range(1, count + 1)
    ]
    return {"investors": investors, "tradeTickets": []}


def assumed_polls(env: Environment, job_delay: float, latency: float) -> int:
    """Job polls until one arrives after the job's delay.

    The first poll goes out as soon as the 202 is back; poll ``i`` reaches SEI ``i`` latencies
    plus the backoff waits before it after the job was accepted.
    """
    polls, waited, delay = 1, 0.0, env.job_poll_initial
    while polls * latency + waited < job_delay:
        waited += delay
        delay = min(delay * 2, env.job_poll_max)
        polls += 1
    return polls


def recorded_round_trips(state_url: str, run_id: str) -> int:
    engine = sa.create_engine(state_url)
    with engine.connect() as conn:
        count = conn.execute(
            sa.select(sa.func.count()).select_from(t.requests).where(t.requests.c.run_id == run_id)
        ).scalar_one()
    engine.dispose()
    return int(count)


def phase(
    name: str, specs: Path, state_url: str, env: Environment, args: argparse.Namespace
) -> None:
    """Apply the specs once and print its throughput next to the bound."""
    started = time.perf_counter()
    result = api.apply(specs, state_url=state_url, env=env, options=ApplyOptions(job_timeout=60))
    wall = time.perf_counter() - started
    done = sum(o.status == "completed" for o in result.outcomes)
    if done != args.changes or not result.ok:
        raise SystemExit(f"{name}: only {done} of {args.changes} changes completed")
    polls = assumed_polls(env, args.job_delay_ms / 1000, args.latency_ms / 1000)
    assumed = 1 + polls + 1 / args.changes
    recorded = recorded_round_trips(state_url, result.run_id) / args.changes
    print(f"{name:>6}: {done} changes in {wall:6.2f} s = {done / wall:7.1f} changes/s")
    if args.latency_ms == 0:
        print(f"        no latency, no bound ({recorded:.2f} round trips/change recorded)")
        return
    for label, trips in (("assumed", assumed), ("recorded", recorded)):
        bound = args.changes * trips * (args.latency_ms / 1000) / args.parallelism
        print(
            f"        bound {bound:6.2f} s at {trips:.2f} round trips/change {label}"
            + (f" (1 PATCH + {polls} poll(s) + token)" if label == "assumed" else "")
            + f": wall/bound {wall / bound:4.1f}×"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--changes", type=int, default=200, help="investors adopted, then updated")
    parser.add_argument("--latency-ms", type=int, default=20, help="emulator latency per request")
    parser.add_argument("--parallelism", type=int, default=16, help="changes in flight at once")
    parser.add_argument("--job-delay-ms", type=int, default=0, help="how long a job runs")
    parser.add_argument("--poll-initial", type=float, default=0.05, help="first job poll wait, s")
    args = parser.parse_args()
    if args.changes < 1 or args.parallelism < 1:
        parser.error("--changes and --parallelism must be at least 1")

    serve = ("--latency-ms", str(args.latency_ms), "--job-delay-ms", str(args.job_delay_ms))
    with run_emulator(*serve, "--seed", "1") as emulator, tempfile.TemporaryDirectory() as tmp:
        emulator.admin.load(book(args.changes))
        env = dataclasses.replace(
            BUILTIN_ENVIRONMENTS["local"],
            base_url=emulator.base_url,
            parallelism=args.parallelism,
            job_poll_initial=args.poll_initial,
            job_poll_max=max(args.poll_initial, 1.0),
        )
        specs, state_url = Path(tmp) / "specs", f"sqlite:///{Path(tmp) / 'state.db'}"
        print(
            f"{args.changes} changes, latency {args.latency_ms} ms, parallelism "
            f"{args.parallelism}, job delay {args.job_delay_ms} ms"
        )
        write_specs(specs, args.changes, "Hartford")
        phase("adopt", specs, state_url, env, args)
        write_specs(specs, args.changes, "New Haven")
        phase("update", specs, state_url, env, args)


if __name__ == "__main__":
    main()
