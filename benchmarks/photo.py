"""`ruji bench photo --n 200`: the whole check's latency and its error rates on generated photos.

Photos rotate over three kinds — compliant (40 %), fixable (30 %), non-compliant (30 %) — and
over the face fixtures; seeds are the photo's index, so a run is reproducible. The latency is
`check_photo` end to end (storage read, decode, landmarks, every rule), on this machine.

`camera` adds phone-camera originals (synthetic/photo_camera.py: 12 MP, EXIF-rotated,
light-blue, white and grey walls): the fix from the original must give a 480×640 the checker
accepts (`camera_fix_success_rate`), background replacement must leave every face pixel equal
to the scaled original (`face_pixels_changed`, summed), and `p50_fix_ms` is `fix_photo` end to
end. Both segmenters run on the same photos (`segmenters`), the production one (GrabCut) first.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from activities.photo import PhotoActivities
from activities.photo_background import SEGMENTERS, Segmenter
from activities.photo_fix import apply_crop
from benchmarks.report import record
from domain.vision import CheckPhotoInput, FixPhotoInput
from infra.storage import LocalObjectStore
from synthetic.photo import BROKEN_VARIANTS, FIXABLE_VARIANTS, TURNED_FACE_FILES, face_paths, photo
from synthetic.photo_camera import camera_photo, camera_set, person_mask

# Painted-shut eyes fool dlib's landmark model on some faces (see docs/decisions.md): the
# generator cannot promise a non-compliant photo, so it stays out of the error rates.
BENCH_BROKEN = tuple(v for v in BROKEN_VARIANTS if v != "eyes_closed") + ("turned",)
TARGETS = {"p50_ms": "≤ 150", "fix_success_rate": "≥ 0.95", "false_reject_rate": "≤ 0.02",
           "false_accept_rate": "≤ 0.02", "camera_fix_success_rate": "≥ 0.9",
           "face_pixels_changed": "= 0", "p50_fix_ms": "≤ 800"}  # fmt: skip


def sample(i: int) -> tuple[str, bytes]:
    faces = face_paths()
    kinds = ("compliant", "compliant", "compliant", "compliant", "fixable", "fixable", "fixable")
    kind = (*kinds, "broken", "broken", "broken")[i % 10]
    if kind == "compliant":
        return kind, photo(faces[i % len(faces)], i, "compliant")
    if kind == "fixable":
        variant = FIXABLE_VARIANTS[(i // 10) % len(FIXABLE_VARIANTS)]
        return kind, photo(faces[(i // 3) % len(faces)], i, variant)
    variant = BENCH_BROKEN[(i // 10 + i) % len(BENCH_BROKEN)]
    if variant == "turned":
        turned = face_paths(TURNED_FACE_FILES)
        return kind, photo(turned[i % len(turned)], i, "compliant")
    return kind, photo(faces[(i // 3) % len(faces)], i, variant)


def camera_run(store: LocalObjectStore, n: int, segmenter: Segmenter) -> dict[str, object]:
    photos = PhotoActivities(store, segmenter=segmenter)
    fixed = replaced = changed = 0
    fix_ms: list[float] = []
    by_wall: dict[str, list[int]] = {}
    ious: list[float] = []
    for i, (wall, face, seed) in enumerate(camera_set(n)):
        obj = store.put(f"camera/{i}.jpg", camera_photo(face, seed, wall), "image/jpeg")
        start = time.perf_counter()
        result = photos.fix_photo(FixPhotoInput(photo=obj, fixed_key=f"camera/{i}.fixed.jpg"))
        fix_ms.append((time.perf_counter() - start) * 1000)
        ok = result.fixed is not None and result.report.passed
        if ok and result.fixed is not None:  # the stored fix, checked again as an upload would be
            again = photos.check_photo(CheckPhotoInput(photo=result.fixed, filename="photo.jpg"))
            ok = again.passed
        fixed += ok
        replaced += result.background_replaced
        if result.background_replaced:
            ious.append(
                segment_iou(photos, store.get(obj.key), person_mask(face, seed, wall), segmenter)
            )
        changed += result.face_pixels_changed or 0
        by_wall.setdefault(wall, []).append(int(ok))
    return {
        "n": n,
        "camera_fix_success_rate": round(fixed / max(1, n), 3),
        "background_replaced": replaced,
        "face_pixels_changed": changed,
        "p50_fix_ms": round(statistics.median(fix_ms), 1),
        "p95_fix_ms": round(sorted(fix_ms)[min(n - 1, int(0.95 * n))], 1),
        "success_by_wall": {wall: round(sum(v) / len(v), 3) for wall, v in by_wall.items()},
        "person_iou_mean": round(float(np.mean(ious)), 4) if ious else None,
        "person_iou_min": round(float(np.min(ious)), 4) if ious else None,
    }


def segment_iou(
    photos: PhotoActivities, data: bytes, truth: np.ndarray, segmenter: Segmenter
) -> float:
    """The segmenter's person against the generator's, in the fix's 480×640 crop."""
    inspection = photos.inspect(data, "photo.jpg")
    assert inspection.image is not None and inspection.plan is not None
    crop = np.asarray(apply_crop(inspection.image, inspection.plan))
    mask = Image.fromarray(truth.astype(np.uint8) * 255).convert("RGB")
    expected = np.asarray(apply_crop(mask, inspection.plan))[..., 0] > 127
    points = photos.landmarks.faces(crop)[0].points
    found = SEGMENTERS[segmenter](crop, points)
    return float((found & expected).sum() / max(1, (found | expected).sum()))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="ruji bench photo")
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--camera-n", type=int, default=30)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        store = LocalObjectStore(Path(tmp))
        photos = PhotoActivities(store)
        photos.inspect(photo(face_paths()[0], 0), "warm-up.jpg")  # model load is not a check
        latencies: list[float] = []
        counts = {"compliant": 0, "fixable": 0, "broken": 0}
        rejected = accepted = fixed = 0
        for i in range(args.n):
            kind, data = sample(i)
            obj = store.put(f"bench/{i}.jpg", data, "image/jpeg")
            start = time.perf_counter()
            report = photos.check_photo(CheckPhotoInput(photo=obj, filename="photo.jpg"))
            latencies.append((time.perf_counter() - start) * 1000)
            counts[kind] += 1
            if kind == "compliant":
                rejected += not report.passed
            elif kind == "broken":
                accepted += report.passed
            else:
                outcome = photos.fix_photo(
                    FixPhotoInput(photo=obj, fixed_key=f"bench/{i}.fixed.jpg")
                )
                fixed += outcome.fixed is not None and outcome.report.passed
    ordered = sorted(latencies)
    result: dict[str, object] = {
        "n": args.n,
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 1),
        "fix_success_rate": round(fixed / max(1, counts["fixable"]), 3),
        "false_reject_rate": round(rejected / max(1, counts["compliant"]), 3),
        "false_accept_rate": round(accepted / max(1, counts["broken"]), 3),
    }
    with tempfile.TemporaryDirectory() as tmp:
        store = LocalObjectStore(Path(tmp))
        runs = {s: camera_run(store, args.camera_n, s) for s in Segmenter}
    production = runs[Segmenter.GRABCUT]
    result.update(
        {
            "camera_n": args.camera_n,
            "camera_fix_success_rate": production["camera_fix_success_rate"],
            "face_pixels_changed": production["face_pixels_changed"],
            "p50_fix_ms": production["p50_fix_ms"],
            "segmenters": {str(s): run for s, run in runs.items()},
        }
    )
    record("photo", result, TARGETS)
    return 0
