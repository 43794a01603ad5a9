"""Tinted lenses, red eye and clothes the backdrop's colour, on photos of the second generator
(synthetic/photo_second.py) — the rules' levels were set on the first one — and on first-
generator photos with what the rules must not mistake for them."""

from __future__ import annotations

import pytest

from activities.photo import PhotoActivities
from domain import photo_spec as spec
from infra.storage import LocalObjectStore
from synthetic.photo import cached_photo, faces_dir
from synthetic.photo_second import sample

pytestmark = pytest.mark.slow

HOPPER = str(faces_dir() / "grace_hopper_512x512.jpg")
WEAR_RULES = {
    spec.PhotoRefusal.PHOTO_GLASSES_TINTED,
    spec.PhotoRefusal.PHOTO_RED_EYE,
    spec.PhotoRefusal.PHOTO_CLOTHING,
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
