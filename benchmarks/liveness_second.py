"""`python -m benchmarks.liveness_second --split calibration|held_out --seeds 4`: liveness alone
(`FaceVerifier._liveness`, as `verify_face` runs it: replay check, faces, actions, the burst's
identity check) on the second face generator (synthetic/face_second.py).

Per split and seed, for each fixture still: its genuine burst (answered with its own actions);
the same burst asked every ordered pair of two actions it does not do (`wrong_actions`: a turn
must not pass for a nod); and two attacks asked every ordered pair of actions — the person
sitting still, and a print of the still nodded and turned in front of the camera. Counts how
many pass and the refusal codes.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.face_second import _verifier, burst_request
from synthetic.face_fixtures import PEOPLE
from synthetic.face_second import SPLITS, attack_burst, live_burst

ATTACKS = ("still", "swung_photo")


class _RememberedFaces:
    """The landmark model, remembering each frame's faces: one burst is asked many challenges,
    and the answer depends on the challenge only after the faces are found."""

    def __init__(self, model: Any):
        self._model = model
        self._seen: dict[bytes, Any] = {}

    def faces(self, rgb: np.ndarray, upsample: int = 0) -> Any:
        key = hashlib.sha256(rgb.tobytes()).digest() + bytes([upsample])
        if key not in self._seen:
            self._seen[key] = self._model.faces(rgb, upsample)
        return self._seen[key]


def run(split: str, seeds: int) -> dict[str, object]:
    from domain.errors import RefusedError
    from domain.vision import LivenessAction

    tally: dict[str, Counter[str]] = {k: Counter() for k in ("genuine", "wrong_actions", *ATTACKS)}
    refused_genuine: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        verifier, store = _verifier(Path(tmp))
        verifier._landmarks = _RememberedFaces(verifier._landmarks)

        def outcome(tag: str, frames: list[bytes], actions: list[str]) -> str:
            objs = [store.put(f"{tag}/{k}.jpg", f) for k, f in enumerate(frames)]
            request = burst_request(objs, actions, f"{tag}/best.jpg")
            try:
                verifier._liveness(request)
            except RefusedError as refused:
                return str(refused.refusal.code)
            return "passed"

        base = SPLITS[split]
        for seed in range(base, base + seeds):
            for name in PEOPLE:
                actions, frames = live_burst(name, seed)
                got = outcome(f"{seed}/{name}", frames, actions)
                tally["genuine"][got] += 1
                if got != "passed":
                    refused_genuine.append(f"{name} {seed} {actions}: {got}")
                others = [a.value for a in LivenessAction if a.value not in actions]
                for pair in itertools.permutations(others, 2):
                    tally["wrong_actions"][outcome(f"{seed}/{name}/w", frames, list(pair))] += 1
                for kind in ATTACKS:
                    shots = attack_burst(name, seed, kind)
                    for pair in itertools.permutations([a.value for a in LivenessAction], 2):
                        tally[kind][outcome(f"{seed}/{name}/{kind}", shots, list(pair))] += 1
    return {
        "split": split,
        "seeds": seeds,
        **{k: dict(c) for k, c in tally.items()},
        "refused_genuine": refused_genuine if split == "calibration" else len(refused_genuine),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.liveness_second")
    parser.add_argument("--split", choices=sorted(SPLITS), default="calibration")
    parser.add_argument("--seeds", type=int, default=4)
    args = parser.parse_args(argv)
    sys.stdout.write(json.dumps(run(args.split, args.seeds), ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
