"""Measurements of the 寸照 check that were wrong in general, found with the second generator
(synthetic/photo_second.py, docs/decisions.md 2026-12-01): each test edits a compliant photo of
the first generator in one way a real photo differs and asserts what the checker reports."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from PIL import Image

from activities.photo import PhotoActivities
from activities.photo_measure import lab
from domain import photo_spec as spec
from infra.landmarks import shared_landmark_model
from infra.storage import LocalObjectStore
from synthetic.photo import Scene, cached_photo, faces_dir, render
from synthetic.photo_cutout import cutout

pytestmark = pytest.mark.slow

OBAMA = str(faces_dir() / "obama.jpg")


@pytest.fixture(scope="module")
def photos(tmp_path_factory) -> PhotoActivities:
    return PhotoActivities(LocalObjectStore(tmp_path_factory.mktemp("photos")))


def _decode(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).copy()


def _encode(rgb: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "JPEG", quality=90, dpi=(300, 300))
    return buf.getvalue()


FILE_RULES = {
    spec.PhotoRefusal.PHOTO_FILE_SIZE,
    spec.PhotoRefusal.PHOTO_QUALITY,
}


def _failing(photos: PhotoActivities, rgb: np.ndarray) -> set[str]:
    """The picture's rules that fail (the re-encoded file's size is not what is tested)."""
    report = photos.inspect(_encode(rgb), "photo.jpg").report
    return {r.code for r in report.rules if not r.passed} - FILE_RULES


@pytest.fixture(scope="module")
def large_head() -> np.ndarray:
    """A compliant photo with a face 280 px wide (the standard allows 300): 0.95 face widths
    beside it is outside the frame."""
    return render(cutout(OBAMA), Scene(eye_y=290.0, face_width=280.0), np.random.default_rng(0))


def _wall(rgb: np.ndarray) -> np.ndarray:
    pixels = lab(rgb)
    corner = np.median(pixels[10:38, 10:38].reshape(-1, 3), axis=0)
    return np.sqrt(((pixels - corner) ** 2).sum(axis=-1)) < 12


def _relit(rgb: np.ndarray, gain: np.ndarray) -> np.ndarray:
    linear = (rgb / 255.0) ** 2.2 * gain[..., None]
    return np.clip(255 * linear ** (1 / 2.2), 0, 255).astype(np.uint8)


def test_the_edited_photos_pass_unedited(photos, large_head):
    assert _failing(photos, _decode(cached_photo(OBAMA, 0))) == set()
    assert _failing(photos, large_head) == set()


def test_a_shadow_on_the_wall_beside_the_head_is_refused(photos, large_head):
    """A flash's shadow falls just beside the head, nearer than 0.95 face widths from the
    centre, where the backdrop used not to be looked at."""
    points = shared_landmark_model().faces(large_head)[0].points
    fw = float(points[15, 0] - points[1, 0])
    cx, eye_y = float(points[27, 0]), float(points[36:48, 1].mean())
    zone = np.zeros(large_head.shape[:2], bool)
    zone[int(eye_y - 0.6 * fw) : int(eye_y + 0.3 * fw), int(cx + 0.55 * fw) :] = True
    shade = cv2.GaussianBlur((_wall(large_head) & zone).astype(np.float32), (0, 0), 3)
    failing = _failing(photos, _relit(large_head, 1 - 0.5 * shade))
    assert failing & {spec.PhotoRefusal.PHOTO_BG_OBJECTS, spec.PhotoRefusal.PHOTO_BG_UNIFORM}


def test_teeth_in_a_smile_are_not_a_highlight(photos):
    """White teeth are clipped in a well-exposed photo; a highlight is light on the skin."""
    rgb = _decode(cached_photo(OBAMA, 0))
    points = shared_landmark_model().faces(rgb)[0].points
    cv2.fillPoly(rgb, [points[60:68].astype(np.int32)], (255, 255, 255))
    assert spec.PhotoRefusal.PHOTO_HIGHLIGHTS not in _failing(photos, rgb)


def test_a_gradient_down_the_wall_is_judged_over_the_whole_wall(photos, large_head):
    """Light falling off from 1.2 to 0.7 top to bottom: above the head the wall looks even;
    beside the neck and shoulders it does not."""
    wall = _wall(large_head).astype(np.float32)
    ramp = np.linspace(1.2, 0.7, large_head.shape[0])[:, None] * wall + (1 - wall)
    graded = _relit(large_head, cv2.GaussianBlur(ramp, (0, 0), 1.5))
    assert spec.PhotoRefusal.PHOTO_BG_UNIFORM in _failing(photos, graded)
