"""`ruji bench face --n 50`: latency of liveness and of one 1:1 match, worker memory with every
face model loaded, and match pass rates on the pairs the bundled fixtures allow.

Pairs: "live" = the first frame of a synthetic burst of each still (camera noise and jitter;
three seeds per still). "Reference" = ID-card portraits cut around each still's face at 96, 126
and 200 px tall, desaturated and darkened to different degrees, plus generated compliant 寸照
(two seeds) of the stills the photo generator can cut out. Genuine = live and reference of the
same person (Obama's three stills count as one person, so a live frame of one is matched against
portraits of the others), impostor = every other pair. No East-Asian faces are among the fixtures
(SOURCES.md).
"""

from __future__ import annotations

import argparse
import io
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image, ImageEnhance

from benchmarks.report import record
from synthetic.face_fixtures import FACES, PEOPLE

if TYPE_CHECKING:
    from activities.face import FaceVerifier
    from domain.objects import StoredObject

# (still, actions); the synthetic blink is read unreliably on Hopper's still, so she nods instead
BURSTS = [
    ("obama.jpg", ["blink", "turn_left"]),
    ("obama.jpg", ["turn_right", "open_mouth", "nod"]),
    ("biden.jpg", ["blink", "turn_right"]),
    ("biden.jpg", ["nod", "open_mouth"]),
    ("grace_hopper_512x512.jpg", ["turn_left", "nod"]),
    ("grace_hopper_512x512.jpg", ["open_mouth", "turn_right", "nod"]),
]
# (height px, colour saturation, brightness) of the ID-card portrait crops
PORTRAIT_VARIANTS = [(96, 0.4, 0.8), (126, 0.4, 0.8), (126, 1.0, 1.0), (200, 0.5, 0.7)]
TARGETS = {
    "verify_p50_ms": "<= 400",
    "liveness_p50_ms": "<= 1500",
    "worker_rss_mb": "<= 1500",
    "impostor_pass_rate": "= 0",
}


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def id_portrait(path: Path, height: int = 126, colour: float = 0.4, light: float = 0.8) -> bytes:
    """What the OCR step cuts out of a photographed ID card: small, desaturated, darker."""
    from infra.landmarks import shared_landmark_model

    image = Image.open(path).convert("RGB")
    left, top, right, bottom = shared_landmark_model().faces(np.asarray(image))[0].box
    w = right - left
    cx, cy = (left + right) / 2, (top + bottom) / 2
    box = (cx - 0.8 * w, cy - 0.95 * w, cx + 0.8 * w, cy + 1.0 * w)
    size = (round(height * 102 / 126), height)
    crop = (int(box[0]), int(box[1]), int(box[2]), int(box[3]))
    image = image.crop(crop).resize(size, Image.Resampling.LANCZOS)
    image = ImageEnhance.Brightness(ImageEnhance.Color(image).enhance(colour)).enhance(light)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()


def match_distances(verifier: FaceVerifier) -> tuple[list[float], list[float]]:
    """Cosine distances of every live frame to every reference, split genuine / impostor."""
    from activities.face import FRAME_MAX_SIDE, REFERENCE_MAX_SIDE, _cosine_distance, _decode
    from synthetic.liveness import burst
    from synthetic.photo import FACE_FILES, TURNED_FACE_FILES, compliant_photo

    lives = []
    for name in PEOPLE:
        for seed in range(3):
            still = burst(FACES / name, [], seed=seed)[0]
            frame = verifier._frame(1, name, still, _decode(still, FRAME_MAX_SIDE))
            assert frame is not None, f"no face in the rest frame of {name}"
            lives.append((PEOPLE[name], verifier._match_embedding(frame.rgb, frame.face)))
    references = []
    for name in PEOPLE:
        images = [id_portrait(FACES / name, *variant) for variant in PORTRAIT_VARIANTS]
        if name in FACE_FILES + TURNED_FACE_FILES:
            images += [compliant_photo(FACES / name, seed=seed) for seed in range(2)]
        for data in images:
            rgb = _decode(data, REFERENCE_MAX_SIDE)
            references.append((PEOPLE[name], verifier._embed_reference(rgb)))
    genuine: list[float] = []
    impostor: list[float] = []
    for live_person, live in lives:
        for ref_person, ref in references:
            distance = _cosine_distance(live, ref)
            (genuine if live_person == ref_person else impostor).append(distance)
    return genuine, impostor


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="ruji bench face")
    parser.add_argument("--n", type=int, default=50)
    args = parser.parse_args(argv)

    from activities.face import FaceVerifier
    from domain.vision import LivenessAction, LivenessChallenge, VerifyFaceInput
    from infra.config import FaceSettings, get_settings
    from infra.face_models import export_deepface_home, provision_weights
    from infra.storage import LocalObjectStore
    from synthetic.liveness import burst

    export_deepface_home(get_settings())
    provision_weights()
    store = LocalObjectStore(Path(tempfile.mkdtemp(prefix="ruji-bench-face-")))
    verifier = FaceVerifier(store, FaceSettings())

    bursts: list[tuple[list[StoredObject], list[LivenessAction]]] = []
    for i, (name, action_names) in enumerate(BURSTS):
        shots = burst(FACES / name, action_names, seed=i)
        objs = [store.put(f"b{i}/{k}.jpg", f, "image/jpeg") for k, f in enumerate(shots)]
        bursts.append((objs, [LivenessAction(a) for a in action_names]))

    now = datetime(2026, 3, 1, tzinfo=UTC)
    portrait = store.put("ref/portrait.jpg", id_portrait(FACES / "obama2.jpg"))

    def request(objs: list[StoredObject], actions: list[LivenessAction]) -> VerifyFaceInput:
        challenge = LivenessChallenge(
            nonce="b", actions=actions, expires_at=now + timedelta(minutes=1)
        )
        return VerifyFaceInput(
            challenge=challenge,
            answered_nonce="b",
            answered_at=now,
            frames=objs,
            id_portrait=portrait,
            official_photo=portrait,
            best_frame_key="best.jpg",
        )

    liveness_ms, live_frames = [], []
    for k in range(args.n):
        objs, actions = bursts[k % len(bursts)]
        start = time.perf_counter()
        frames, best, _ = verifier._liveness(request(objs, actions))
        liveness_ms.append((time.perf_counter() - start) * 1000)
        if k < len(bursts):
            live_frames.append(frames[best])

    verify_ms = []
    ref_bytes = store.get(portrait.key)
    for k in range(args.n):
        frame = live_frames[k % len(live_frames)]
        start = time.perf_counter()
        live = verifier._match_embedding(frame.rgb, frame.face)
        verifier._match(live, "id_portrait", ref_bytes)
        verify_ms.append((time.perf_counter() - start) * 1000)
    worker_rss = rss_mb()

    genuine, impostor = match_distances(verifier)
    threshold = verifier.config.match_threshold
    result = {
        "n": args.n,
        "verify_p50_ms": round(statistics.median(verify_ms), 1),
        "liveness_p50_ms": round(statistics.median(liveness_ms), 1),
        "worker_rss_mb": round(worker_rss, 1),
        "genuine_pass_rate": round(sum(d <= threshold for d in genuine) / len(genuine), 3),
        "impostor_pass_rate": round(sum(d <= threshold for d in impostor) / len(impostor), 3),
        "genuine_pairs": len(genuine),
        "impostor_pairs": len(impostor),
        "genuine_max_distance": round(max(genuine), 4),
        "impostor_min_distance": round(min(impostor), 4),
        "match_threshold": threshold,
        "model": verifier.config.model,
        "burst_frames": [len(objs) for objs, _ in bursts],
    }
    record("face", result, TARGETS)
    return 0
