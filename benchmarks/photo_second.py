"""`python -m benchmarks.photo_second --split dev|held_out --n 400`: the production check
(`check_photo`, through the object store as `ruji bench photo` calls it) on the second generator
(synthetic/photo_second.py), which the thresholds were not calibrated on.

Two in five photos are compliant (half of them with geometry up to 6 px from the standard's
limits), three in five break one rule each, the variants in rotation. Counted: false rejects of
compliant photos by the rule that refused them; per broken variant the photos accepted (false
accept) and those refused without the expected code (wrong code). The dev split (seeds 0…) is the
one looked at while changing the checker; the held-out split (seeds 700 000…) is run at the end.
`--details FILE` writes every wrong outcome with the measured values (for dev only). `--only a,b`
rotates the broken photos over those variants alone, for more of them at the same cost.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

from activities.photo import PhotoActivities
from domain.vision import CheckPhotoInput
from infra.storage import LocalObjectStore
from synthetic.photo_second import BROKEN, sample

SPLITS = {"dev": 0, "held_out": 700_000}


def variant_of(i: int, broken: tuple[str, ...] = BROKEN) -> str:
    if i % 5 in (0, 1):
        return "compliant_upper_ext" if i % 20 == 1 else "compliant"
    return broken[(3 * (i // 5) + i % 5 - 2) % len(broken)]


def run(
    split: str, n: int, details: Path | None, broken: tuple[str, ...] = BROKEN
) -> dict[str, object]:
    base = SPLITS[split]
    compliant = rejected = 0
    reject_codes: Counter[str] = Counter()
    reject_edge = Counter[str]()
    per_variant: dict[str, Counter[str]] = defaultdict(Counter)
    not_drawn: Counter[str] = Counter()
    wrong: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        store = LocalObjectStore(Path(tmp))
        photos = PhotoActivities(store)
        for i in range(n):
            variant = variant_of(i, broken)
            s = sample(base + i, variant)
            if s is None:
                not_drawn[variant] += 1
                continue
            obj = store.put(f"second/{i}.jpg", s.data, "image/jpeg")
            report = photos.check_photo(CheckPhotoInput(photo=obj, filename=s.filename))
            failing = sorted(r.code for r in report.rules if not r.passed)
            measured = {r.code: r.measured for r in report.rules}
            outcome = ""
            if not s.expected:
                compliant += 1
                if failing:
                    rejected += 1
                    reject_codes.update(failing)
                    reject_edge["edge" if s.edge else "inner"] += 1
                    outcome = "false_reject"
            else:
                counts = per_variant[variant]
                counts["n"] += 1
                if not failing:
                    counts["accepted"] += 1
                    outcome = "false_accept"
                elif not s.expected & set(failing):
                    counts["wrong_code"] += 1
                    outcome = "wrong_code"
                elif set(failing) - s.expected:
                    counts["extra_codes"] += 1
            if outcome:
                wrong.append(
                    {
                        "seed": base + i,
                        "variant": variant,
                        "face": s.face,
                        "outcome": outcome,
                        "failing": failing,
                        "expected": sorted(s.expected),
                        "truth": {k: round(float(v), 1) for k, v in s.truth.items()},
                        "measured": {c: measured[c] for c in failing},
                    }
                )
    broken_n = sum(c["n"] for c in per_variant.values())
    accepted = sum(c["accepted"] for c in per_variant.values())
    wrong_codes = sum(c["wrong_code"] for c in per_variant.values())
    if details:
        details.write_text("\n".join(json.dumps(w, ensure_ascii=False) for w in wrong) + "\n")
    return {
        "split": split,
        "n": n,
        "compliant": compliant,
        "false_rejects": rejected,
        "false_reject_rate": round(rejected / max(1, compliant), 3),
        "false_reject_codes": dict(reject_codes.most_common()),
        "false_reject_where": dict(reject_edge),
        "broken": broken_n,
        "false_accepts": accepted,
        "false_accept_rate": round(accepted / max(1, broken_n), 3),
        "wrong_codes": wrong_codes,
        "false_accepts_by_variant": {
            v: c["accepted"] for v, c in per_variant.items() if c["accepted"]
        },
        "wrong_codes_by_variant": {
            v: c["wrong_code"] for v, c in per_variant.items() if c["wrong_code"]
        },
        "per_variant_n": {v: c["n"] for v, c in sorted(per_variant.items())},
        "not_drawn": dict(not_drawn),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.photo_second")
    parser.add_argument("--split", choices=sorted(SPLITS), default="dev")
    parser.add_argument("--n", type=int, default=400)
    parser.add_argument("--details", type=Path)
    parser.add_argument(
        "--only", help="comma-separated broken variants to rotate over (default: all)", default=""
    )
    args = parser.parse_args(argv)
    only = tuple(v for v in args.only.split(",") if v)
    unknown = set(only) - set(BROKEN)
    if unknown:
        parser.error(f"unknown variants: {sorted(unknown)}")
    result = run(args.split, args.n, args.details, only or BROKEN)
    sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
