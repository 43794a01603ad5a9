"""`python -m benchmarks.face_second --split calibration|held_out --seeds 4`: the production face
step (`FaceVerifier` liveness and reference embedding, as `verify_face` runs them) on the second
face-pair generator (synthetic/face_second.py), which the match threshold was not chosen on.

Per split (seeds 0… for calibration, 500 000… held out): one burst of each fixture still per
seed, one ID portrait (a phone photo of a card, cut by production) of each still per seed, one
compliant 寸照 per seed of the stills the photo generator frames. Every burst is matched to every
reference of the split. Genuine = same person (Obama's three photos are one person; "cross" =
another of his photos); a genuine candidate passes when liveness and both matches pass (Biden,
obama2 and obama3 have no 寸照 here: their ID portrait decides). Impostor pass = one reference
matched by the wrong person. A burst refused by liveness is still matched through its kept
frame (the first frame when no frame was kept), so its match figures are not lost.
`--details FILE` writes every refused genuine pair and the closest impostors (calibration only).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from synthetic.face_fixtures import PEOPLE
from synthetic.face_second import SPLITS, id_portrait, live_burst, official_photo


def _verifier(store_dir: Path):  # type: ignore[no-untyped-def]
    from activities.face import FaceVerifier
    from infra.config import FaceSettings, get_settings
    from infra.face_models import export_deepface_home, provision_weights
    from infra.storage import LocalObjectStore

    export_deepface_home(get_settings())
    provision_weights()
    store = LocalObjectStore(store_dir)
    return FaceVerifier(store, FaceSettings()), store


def burst_request(objs: list[Any], actions: list[str], best_frame_key: str) -> Any:
    """A fresh challenge of `actions` answered by the stored frames; the burst's first frame
    stands in for the references (liveness alone does not read them)."""
    from domain.vision import LivenessAction, LivenessChallenge, VerifyFaceInput

    now = datetime(2026, 3, 1, tzinfo=UTC)
    challenge = LivenessChallenge(
        nonce="n",
        actions=[LivenessAction(a) for a in actions],
        expires_at=now + timedelta(minutes=1),
    )
    return VerifyFaceInput(
        challenge=challenge,
        answered_nonce="n",
        answered_at=now,
        frames=objs,
        id_portrait=objs[0],
        official_photo=objs[0],
        best_frame_key=best_frame_key,
    )


def run(split: str, seeds: int, details: Path | None) -> dict[str, object]:
    from activities.face import FRAME_MAX_SIDE, _cosine_distance, _decode
    from domain.errors import RefusedError

    base = SPLITS[split]
    with tempfile.TemporaryDirectory() as tmp:
        verifier, store = _verifier(Path(tmp))
        lives: list[tuple[str, int, np.ndarray, bool]] = []
        liveness: Counter[str] = Counter()
        refused_bursts: list[dict[str, object]] = []
        refs: list[tuple[str, str, int, np.ndarray]] = []  # kind, still, seed, embedding
        unreadable: Counter[str] = Counter()
        match_ms: list[float] = []
        for seed in range(base, base + seeds):
            for name in PEOPLE:
                actions, frames = live_burst(name, seed)
                objs = [store.put(f"{seed}/{name}/{k}.jpg", f) for k, f in enumerate(frames)]
                request = burst_request(objs, actions, "best.jpg")
                live_ok = True
                try:
                    _, _, embedding = verifier._liveness(request)
                    liveness["passed"] += 1
                except RefusedError as refused:
                    live_ok = False
                    liveness[str(refused.refusal.code)] += 1
                    refused_bursts.append(
                        {
                            "still": name,
                            "seed": seed,
                            "actions": actions,
                            "code": refused.refusal.code,
                        }
                    )
                    rgb = _decode(frames[0], FRAME_MAX_SIDE)
                    faces = verifier._landmarks.faces(rgb)
                    if not faces:
                        continue
                    embedding = verifier._match_embedding(rgb, faces[0])
                lives.append((name, seed, embedding, live_ok))
                for kind, data in (
                    ("id_portrait", id_portrait(name, seed)),
                    ("official_photo", official_photo(name, seed)),
                ):
                    if data is None:
                        if kind == "id_portrait":
                            unreadable["portrait_not_cut"] += 1
                        continue
                    start = time.perf_counter()
                    try:
                        ref = verifier._reference_embedding(data)
                    except RefusedError:
                        unreadable[kind] += 1
                        continue
                    match_ms.append((time.perf_counter() - start) * 1000)
                    refs.append((kind, name, seed, ref))
    threshold = verifier.config.match_threshold
    genuine: dict[str, list[float]] = {"id_portrait": [], "official_photo": []}
    cross: list[float] = []
    impostor: list[tuple[float, str, str, str]] = []
    refused_pairs: list[dict[str, object]] = []
    candidates = passed = 0
    for live_name, live_seed, live, live_ok in lives:
        best_by_kind: dict[str, list[tuple[float, str, int]]] = {}
        for kind, ref_name, ref_seed, ref in refs:
            distance = _cosine_distance(live, ref)
            if PEOPLE[ref_name] != PEOPLE[live_name]:
                impostor.append((distance, kind, live_name, ref_name))
                continue
            genuine[kind].append(distance)
            if ref_name != live_name:
                cross.append(distance)
            best_by_kind.setdefault(kind, []).append((distance, ref_name, ref_seed))
            if distance > threshold:
                refused_pairs.append(
                    {"live": live_name, "seed": live_seed, "ref": ref_name, "ref_seed": ref_seed,
                     "kind": kind, "distance": round(distance, 4)}
                )  # fmt: skip
        # the candidate: this burst, the card of the same seed, the 寸照 of the same seed
        own = [
            d for d, n, s in best_by_kind.get("id_portrait", []) if (n, s) == (live_name, live_seed)
        ]
        photo = [d for d, _, s in best_by_kind.get("official_photo", []) if s == live_seed]
        if own:
            candidates += 1
            passed += live_ok and all(d <= threshold for d in own + photo[:1])
    all_genuine = genuine["id_portrait"] + genuine["official_photo"]
    impostor.sort()
    result: dict[str, object] = {
        "split": split,
        "seeds": seeds,
        "threshold": threshold,
        "liveness": dict(liveness),
        "liveness_pass_rate": round(liveness["passed"] / max(sum(liveness.values()), 1), 3),
        "references_unreadable": dict(unreadable),
        "genuine_pairs": {k: len(v) for k, v in genuine.items()},
        "genuine_pass_rate": {
            k: round(sum(d <= threshold for d in v) / max(len(v), 1), 3) for k, v in genuine.items()
        },
        "cross_photo_pass_rate": round(sum(d <= threshold for d in cross) / max(len(cross), 1), 3),
        "candidate_pass_rate": round(passed / max(candidates, 1), 3),
        "impostor_pairs": len(impostor),
        "impostor_pass_rate": round(sum(d <= threshold for d, *_ in impostor) / len(impostor), 4),
        "genuine_max": {k: round(max(v), 4) for k, v in genuine.items() if v},
        "genuine_p95": round(float(np.percentile(all_genuine, 95)), 4),
        "cross_photo_max": round(max(cross), 4) if cross else None,
        "impostor_min": round(impostor[0][0], 4),
        "impostor_p1": round(float(np.percentile([d for d, *_ in impostor], 1)), 4),
        "closest_impostors": [(round(d, 4), k, a, b) for d, k, a, b in impostor[:5]],
        "reference_embed_p50_ms": round(statistics.median(match_ms), 1),
    }
    if details is not None:
        details.write_text(
            json.dumps({"refused_bursts": refused_bursts, "refused_pairs": refused_pairs}, indent=1)
        )
    return result


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.face_second")
    parser.add_argument("--split", choices=tuple(SPLITS), default="calibration")
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--details", type=Path)
    args = parser.parse_args(argv)
    if args.details and args.split != "calibration":
        parser.error("--details is for the calibration split only")
    result = run(args.split, args.seeds, args.details)
    sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
