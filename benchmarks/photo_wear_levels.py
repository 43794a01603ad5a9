"""`python -m benchmarks.photo_wear_levels --n 30`: the tinted-lens, red-eye and clothing measures
(activities/photo_wear.py) and the mouth's opening on the FIRST generator, seeds 5000…, per
variant (min–max) — the figures the levels in domain/photo_spec.py were set from
(docs/decisions.md, 2026-12-01). The second generator (benchmarks/photo_second.py) judges
them and must not be used here.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from collections import defaultdict

import numpy as np
from PIL import Image

from activities.photo_measure import measure
from infra.landmarks import shared_landmark_model
from synthetic.photo import VARIANTS, face_paths, photo

FIRST_SEED = 5000
WITHOUT_ONE_FACE = ("two_people", "no_person")


def run(n: int, variants: list[str]) -> dict[str, dict[str, list[float]]]:
    model = shared_landmark_model()
    faces = face_paths()
    seen: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for variant in variants:
        for i in range(n):
            data = photo(faces[i % len(faces)], FIRST_SEED + i, variant)
            facts = measure(np.asarray(Image.open(io.BytesIO(data)).convert("RGB")), model).face
            if facts is None:
                continue
            seen[variant]["lens"].append(facts.lens_transmission)
            seen[variant]["red_eye"].append(facts.red_pupil_share)
            seen[variant]["clothes"].append(facts.clothes_backdrop_share)
            seen[variant]["mouth"].append(facts.geometry.mouth_opening)
    return {
        v: {k: [round(min(x), 3), round(max(x), 3)] for k, x in m.items()} for v, m in seen.items()
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.photo_wear_levels")
    parser.add_argument("--n", type=int, default=30)
    parser.add_argument("--variants", default="", help="comma-separated (default: all)")
    args = parser.parse_args(argv)
    variants = [v for v in args.variants.split(",") if v] or [
        v for v in VARIANTS if v not in WITHOUT_ONE_FACE
    ]
    for variant, ranges in run(args.n, variants).items():
        sys.stdout.write(json.dumps({"variant": variant, **ranges}) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
