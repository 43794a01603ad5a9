"""The production ID step on the third generator (synthetic/idcard_third.py), the phone one
(synthetic/idcard_phone.py), the uploads one (synthetic/idcard_upload.py) or the seventh
(synthetic/idcard_seventh.py; `seventh_bad`: its blurred, cut-off, wrong-side and no-card
pairs, every one to be refused) or the eighth (synthetic/idcard_eighth.py; `eighth_bad` likewise),
and, for a before /
after comparison, on a few cards of the other two: `python -m benchmarks.ocr_third third 0 60`,
`… phone 5000000 60`, `… upload 6000000 40`.

Every third- and phone-generator card is legible to a person, and every uploads pair that says
so, so each refusal of one is a false one.
Prints the cards read wrong or refused (to stderr) and the same summary as `ruji bench ocr` (to
stdout).
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from activities.ocr import IdCardReader
from benchmarks.ocr import TODAY, Case, Outcome, current_case, hard_case, run_step, summary
from infra.storage import LocalObjectStore
from synthetic.idcard_eighth import make_eighth_bad, make_eighth_pair
from synthetic.idcard_phone import make_phone_pair
from synthetic.idcard_seventh import make_seventh_bad, make_seventh_pair
from synthetic.idcard_third import make_third_pair
from synthetic.idcard_upload import make_upload_pair


def third_case(seed: int) -> Case:
    pair = make_third_pair(seed, TODAY)
    return Case(pair.person.fields(), pair.front_jpeg, pair.back_jpeg, legible=True)


def phone_case(seed: int) -> Case:
    pair = make_phone_pair(seed, TODAY)
    return Case(pair.holder.fields(), pair.front_jpeg, pair.back_jpeg, legible=True)


def upload_case(seed: int) -> Case:
    pair = make_upload_pair(seed, TODAY)
    return Case(pair.holder.fields(), pair.front.jpeg, pair.back.jpeg, pair.legible)


def seventh_case(seed: int) -> Case:
    pair = make_seventh_pair(seed, TODAY)
    return Case(pair.holder.fields(), pair.front.jpeg, pair.back.jpeg, pair.legible)


def seventh_bad_case(seed: int) -> Case:
    """Blurred, cut off, the wrong side, no card: every one should be refused."""
    pair = make_seventh_bad(seed, TODAY)
    return Case(pair.holder.fields(), pair.front.jpeg, pair.back.jpeg, pair.legible)


def eighth_case(seed: int) -> Case:
    pair = make_eighth_pair(seed, TODAY)
    return Case(pair.holder.fields(), pair.front.jpeg, pair.back.jpeg, pair.legible)


def eighth_bad_case(seed: int) -> Case:
    """Out of focus, cut off, the back twice, no ID card: every one should be refused."""
    pair = make_eighth_bad(seed, TODAY)
    return Case(pair.holder.fields(), pair.front.jpeg, pair.back.jpeg, pair.legible)


SETS: dict[str, Callable[[int], Case]] = {
    "third": third_case,
    "phone": phone_case,
    "upload": upload_case,
    "seventh": seventh_case,
    "seventh_bad": seventh_bad_case,
    "eighth": eighth_case,
    "eighth_bad": eighth_bad_case,
    "hard": hard_case,
    "current": current_case,
}


def measure(name: str, first: int, count: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        reader = IdCardReader(LocalObjectStore(Path(tmp)))
        outcomes: list[Outcome] = []
        for seed in range(first, first + count):
            outcome = run_step(reader, SETS[name](seed), f"{name}-{seed}")
            outcomes.append(outcome)
            truth, read = outcome.case.truth, outcome.result.fields
            wrong = {k: (v, getattr(read, k)) for k, v in truth if getattr(read, k) != v}
            flags = [f"{f.field}:{f.reason}" for f in outcome.result.flags]
            if wrong or not outcome.result.ok or flags:
                refused = [
                    (r.code, (r.details or {}).get("field")) for r in outcome.result.refusals
                ]
                sys.stderr.write(
                    f"{name} {seed} legible={outcome.case.legible}: {wrong} {refused} {flags}\n"
                )
    return summary(outcomes)


def main(argv: list[str]) -> int:
    name, first, count = argv[0], int(argv[1]), int(argv[2])
    found = measure(name, first, count)
    out = {"set": name, "seeds": [first, first + count], **found}
    sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
