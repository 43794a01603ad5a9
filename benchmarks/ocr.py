"""`ruji bench ocr --n 200`: the production ID step (`IdCardReader.read_id_card`: decode, OCR,
legibility, normalisation, identity rules, portrait) on two independent sets in one run —
`hard`, the second generator (synthetic/idcard_hard.py: perspective, light, glare, shadows,
backgrounds, fonts, card filling 40–90 % of the frame), and `current`, the first
(synthetic/idcard.py).

Accuracies are over the cards whose every needed field is legible (the generator knows);
`all_fields_acc` counts a card only when it was accepted with every field right.
`false_refusal_rate` is the share of those cards the step refused; `illegible_refused_rate` the
share of the others it refused (a card OCR still read right may rightly pass). The levels that
name a refusal's cause were set on the first generator only; neither set tunes anything here.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from activities.ocr import IdCardReader
from benchmarks.report import record
from domain.identity import IdCardFields
from domain.vision import ReadIdCardInput, ReadIdCardResult
from infra.storage import LocalObjectStore
from synthetic.idcard import make_card_pair
from synthetic.idcard_hard import make_hard_pair

TARGETS = {
    "id_number_acc": ">= 0.995",
    "name_acc": ">= 0.99",
    "all_fields_acc": ">= 0.97",
    "false_refusal_rate": "<= 0.03",
    "p50_s_per_side": "<= 0.7",
}
SEED_BASE = 900_000  # away from the seeds the tests use
# The hard set's scored seeds were never looked at while the step was developed (that used
# 800_000 onwards and the first generator), so nothing was fitted to the cards that score it.
HARD_SEED_BASE = 950_000
TODAY = date(2026, 3, 1)


@dataclass
class Case:
    truth: IdCardFields
    front: bytes
    back: bytes
    legible: bool


@dataclass
class Outcome:
    case: Case
    result: ReadIdCardResult
    seconds: float


def hard_case(seed: int) -> Case:
    pair = make_hard_pair(seed, TODAY)
    return Case(pair.identity.fields(), pair.front.jpeg, pair.back.jpeg, pair.all_needed_legible)


def current_case(seed: int) -> Case:
    pair = make_card_pair(seed, today=TODAY)
    return Case(pair.identity.fields(), pair.front_jpeg, pair.back_jpeg, legible=True)


def run_step(reader: IdCardReader, case: Case, key: str) -> Outcome:
    inp = ReadIdCardInput(
        front=reader.store.put(f"{key}/front.jpg", case.front, "image/jpeg"),
        back=reader.store.put(f"{key}/back.jpg", case.back, "image/jpeg"),
        typed_id_number=case.truth.id_number,
        check_date=TODAY,
        portrait_key=f"{key}/portrait.jpg",
    )
    started = time.perf_counter()
    result = reader.read_id_card(inp)
    return Outcome(case, result, time.perf_counter() - started)


def summary(outcomes: list[Outcome]) -> dict[str, object]:
    legible = [o for o in outcomes if o.case.legible]
    others = [o for o in outcomes if not o.case.legible]
    n = max(len(legible), 1)
    per_side = sorted(o.seconds / 2 for o in outcomes)
    codes = Counter(r.code for o in outcomes for r in o.result.refusals)
    return {
        "n": len(outcomes),
        "legible_n": len(legible),
        "id_number_acc": round(
            sum(o.result.fields.id_number == o.case.truth.id_number for o in legible) / n, 4
        ),
        "name_acc": round(sum(o.result.fields.name == o.case.truth.name for o in legible) / n, 4),
        "all_fields_acc": round(
            sum(o.result.ok and o.result.fields == o.case.truth for o in legible) / n, 4
        ),
        "false_refusal_rate": round(sum(not o.result.ok for o in legible) / n, 4),
        "illegible_refused_rate": round(sum(not o.result.ok for o in others) / len(others), 4)
        if others
        else None,
        "refusal_codes": dict(codes.most_common()),
        "flags": dict(Counter(f"{f.field}:{f.reason}" for o in outcomes for f in o.result.flags)),
        "warnings": dict(Counter(w.code for o in outcomes for w in o.result.warnings)),
        "p50_s_per_side": round(statistics.median(per_side), 3),
        "p95_s_per_side": round(per_side[min(len(per_side) - 1, int(0.95 * len(per_side)))], 3),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="ruji bench ocr")
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--hard-seed-base", type=int, default=HARD_SEED_BASE)
    parser.add_argument("--current-seed-base", type=int, default=SEED_BASE, help="dev splits")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        reader = IdCardReader(LocalObjectStore(Path(tmp)))
        sets = {
            "hard": (hard_case, args.hard_seed_base),
            "current": (current_case, args.current_seed_base),
        }
        results: dict[str, dict[str, object]] = {}
        for name, (make, base) in sets.items():
            outcomes = []
            for i in range(args.n):
                outcome = run_step(reader, make(base + i), f"{name}-{i}")
                outcomes.append(outcome)
                wrong = [k for k, v in outcome.case.truth if getattr(outcome.result.fields, k) != v]
                if wrong or not outcome.result.ok:
                    codes = [
                        (r.code, (r.details or {}).get("field")) for r in outcome.result.refusals
                    ]
                    seed, legible = base + i, outcome.case.legible
                    sys.stderr.write(f"{name} {seed} legible={legible}: {wrong} {codes}\n")
            results[name] = summary(outcomes)
    result = {
        **results["hard"],
        "set": "hard (synthetic/idcard_hard.py)",
        "current": results["current"],
    }
    result["engine"] = (
        "production step read_id_card: rapidocr 3 PP-OCRv6 small, det max side 960 on the "
        "printed area shrunk to 30-px lines, no cls"
    )
    record("ocr", result, TARGETS)
    return 0
