"""How fast specs load: N generated spec files of ~1.3 KB, read + hash vs a full load_specs.

    python bench/bench_load.py --count 10000

Prints seconds and per-file microseconds; loading is most of a cold plan's time.
"""

from __future__ import annotations

import argparse
import hashlib
import tempfile
import time
from pathlib import Path

from statesync.specs import load_specs

SPEC = """\
apiVersion: statesync/v1
kind: Investor
externalId: INV-{n:06d}
alternateId: ALT-{n:06d}
active: true
classification: Individual
accreditedInvestor: Natural person with net worth over $1 million
qualifiedPurchaser: Not a qualified purchaser
slots: "1"
name:
  fullName: Investor Number {n}
  abbreviatedLine1: Investor {n}
address:
  - type: Legal
    attention1: Investor Number {n}
    addressLine1: {n} Pearl Street
    addressLine2: Suite 1200
    city: Hartford
    stateCode: CT
    postalCode: "06103"
    countryIsoCode: US
  - type: Mailing
    addressLine1: PO Box {n}
    city: Hartford
    stateCode: CT
    postalCode: "06101"
    countryIsoCode: US
primaryTaxId: "900-{a:02d}-{b:04d}"
dob: 01/{d:02d}/1970
birthCountryIsoCode: US
taxType: Individual
citizenshipCountryIsoCode: US
domicileCountryIsoCode: US
eci: No
cai: No
rule5131: N/A
percent: 12.5
investorStatus: US Investor
fatcaPreexisting: false
frozen:
  status: false
"""


def write_specs(root: Path, count: int) -> None:
    """``count`` spec files, 100 to a folder."""
    for n in range(count):
        folder = root / f"batch-{n // 100:03d}"
        folder.mkdir(exist_ok=True)
        text = SPEC.format(n=n, a=n % 100, b=n % 10000, d=n % 28 + 1)
        (folder / f"inv-{n:06d}.yaml").write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_specs(root, args.count)
        size = sum(p.stat().st_size for p in root.rglob("*.yaml")) / args.count
        started = time.perf_counter()
        for path in sorted(root.rglob("*.yaml")):
            hashlib.sha256(path.read_bytes()).digest()
        baseline = time.perf_counter() - started
        started = time.perf_counter()
        specs = load_specs(root)
        loaded = time.perf_counter() - started
    assert len(specs.specs) == args.count
    print(f"spec files:           {args.count} (~{size / 1024:.1f} KB each)")
    print(f"read + hash:          {baseline:.2f} s")
    print(f"load_specs:           {loaded:.2f} s ({loaded / args.count * 1e6:.0f} µs per file)")


if __name__ == "__main__":
    main()
