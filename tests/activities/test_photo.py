"""The ID-photo check and auto-fix on photos built from real faces (synthetic/photo.py).

Each rule has one photo that passes it and one that fails it, asserted by rule code; the fix is
checked to make fixable photos fully compliant, to refuse the rest with reasons, and to be a
plain crop + scale of the source (pixel-level comparison, mirrored and rotated versions lose).
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image
from temporalio.testing import ActivityEnvironment

from activities.photo import PhotoActivities
from activities.photo_fix import apply_crop, encode_standard_jpeg
from domain import photo_spec as spec
from domain.vision import CheckPhotoInput, FixPhotoInput, PhotoReport
from infra.storage import LocalObjectStore
from synthetic.photo import cached_photo, faces_dir

pytestmark = pytest.mark.slow

OBAMA = str(faces_dir() / "obama.jpg")
HOPPER = str(faces_dir() / "grace_hopper_512x512.jpg")

# rule code → (face, seed, variant, filename) of a photo that breaks it
FAILING = {
    spec.PhotoRefusal.PHOTO_FORMAT: (OBAMA, 0, "png", "photo.jpg"),
    spec.PhotoRefusal.PHOTO_EXTENSION: (OBAMA, 0, "compliant", "photo.png"),
    spec.PhotoRefusal.PHOTO_SIZE_PX: (OBAMA, 0, "too_large_px", "photo.jpg"),
    spec.PhotoRefusal.PHOTO_DPI: (OBAMA, 0, "dpi_72", "photo.jpg"),
    spec.PhotoRefusal.PHOTO_COLOR_MODE: (OBAMA, 0, "cmyk", "photo.jpg"),
    spec.PhotoRefusal.PHOTO_QUALITY: (OBAMA, 0, "low_quality", "photo.jpg"),
    spec.PhotoRefusal.PHOTO_FILE_SIZE: (OBAMA, 0, "file_too_big", "photo.jpg"),
    spec.PhotoRefusal.PHOTO_FACE_COUNT: (OBAMA, 0, "two_people", "photo.jpg"),
    spec.PhotoRefusal.PHOTO_CENTERED: (OBAMA, 0, "off_centre", "photo.jpg"),
    spec.PhotoRefusal.PHOTO_HAIRLINE: (OBAMA, 0, "head_high", "photo.jpg"),
    spec.PhotoRefusal.PHOTO_EYES_HEIGHT: (OBAMA, 0, "head_low", "photo.jpg"),
    spec.PhotoRefusal.PHOTO_FACE_WIDTH: (OBAMA, 0, "head_small", "photo.jpg"),
    spec.PhotoRefusal.PHOTO_EYES_OPEN: (OBAMA, 2, "eyes_closed", "photo.jpg"),
    spec.PhotoRefusal.PHOTO_POSE: (OBAMA, 0, "tilted", "photo.jpg"),
    spec.PhotoRefusal.PHOTO_BG_COLOR: (OBAMA, 0, "bg_white", "photo.jpg"),
    spec.PhotoRefusal.PHOTO_BG_UNIFORM: (HOPPER, 0, "bg_gradient", "photo.jpg"),
    spec.PhotoRefusal.PHOTO_BG_OBJECTS: (OBAMA, 0, "bg_object", "photo.jpg"),
    spec.PhotoRefusal.PHOTO_EXPOSURE: (OBAMA, 0, "underexposed", "photo.jpg"),
    spec.PhotoRefusal.PHOTO_LIGHT_EVEN: (HOPPER, 0, "uneven_light", "photo.jpg"),
    spec.PhotoRefusal.PHOTO_HIGHLIGHTS: (OBAMA, 0, "highlight", "photo.jpg"),
    spec.PhotoRefusal.PHOTO_SHARPNESS: (OBAMA, 0, "blurred", "photo.jpg"),
    spec.PhotoRefusal.PHOTO_BORDER: (OBAMA, 0, "border", "photo.jpg"),
    spec.PhotoRefusal.PHOTO_GLASSES_GLARE: (HOPPER, 0, "glasses_glare", "photo.jpg"),
    spec.PhotoRefusal.PHOTO_GLASSES_TINTED: (OBAMA, 0, "sunglasses", "photo.jpg"),
    spec.PhotoRefusal.PHOTO_RED_EYE: (OBAMA, 0, "red_eye", "photo.jpg"),
    spec.PhotoRefusal.PHOTO_CLOTHING: (OBAMA, 0, "shirt_like_backdrop", "photo.jpg"),
    spec.PhotoRefusal.PHOTO_MOUTH_OPEN: (OBAMA, 0, "mouth_open", "photo.jpg"),
}


@pytest.fixture(scope="module")
def photos(tmp_path_factory) -> PhotoActivities:
    return PhotoActivities(LocalObjectStore(tmp_path_factory.mktemp("photos")))


@pytest.fixture(scope="module")
def compliant_report(photos) -> PhotoReport:
    return photos.inspect(cached_photo(OBAMA, 0), "photo.jpg").report


def by_code(report: PhotoReport) -> dict:
    return {r.code: r for r in report.rules}


def test_every_rule_has_a_failing_photo():
    assert set(FAILING) == set(spec.RULE_EXPECTED)


@pytest.mark.parametrize("code", sorted(spec.RULE_EXPECTED))
def test_compliant_photo_passes_rule(code, compliant_report):
    rule = by_code(compliant_report)[code]
    assert rule.passed, rule
    assert rule.message == ""


@pytest.mark.parametrize("code", sorted(FAILING))
def test_photo_breaking_rule_fails_it(code, photos):
    face, seed, variant, filename = FAILING[code]
    report = photos.inspect(cached_photo(face, seed, variant), filename).report
    rule = by_code(report)[code]
    assert not rule.passed, rule
    assert rule.message == spec.PhotoRefusal(code).message
    assert not report.passed


def test_compliant_photos_of_every_face_pass(photos):
    for name in ("obama.jpg", "grace_hopper_512x512.jpg", "astronaut.png"):
        report = photos.inspect(cached_photo(str(faces_dir() / name), 1), "photo.jpg").report
        assert report.passed, [r for r in report.rules if not r.passed]


def test_measured_values_are_reported(compliant_report):
    rules = by_code(compliant_report)
    assert rules[spec.PhotoRefusal.PHOTO_SIZE_PX].measured == [480.0, 640.0]
    assert (
        spec.HAIRLINE_PX[0]
        <= rules[spec.PhotoRefusal.PHOTO_HAIRLINE].measured
        <= spec.HAIRLINE_PX[1]
    )
    assert 20 <= rules[spec.PhotoRefusal.PHOTO_FILE_SIZE].measured <= 40


def test_unreadable_file_fails_format_and_is_not_fixable(photos):
    report = photos.inspect(b"%PDF-1.4 not a photo", "photo.jpg").report
    assert not by_code(report)[spec.PhotoRefusal.PHOTO_FORMAT].passed
    assert not report.fixable and spec.PhotoRefusal.PHOTO_FORMAT in report.unfixable_codes


# --- activities through Temporal's ActivityEnvironment --------------------------------------------
@pytest.fixture()
def store(tmp_path) -> LocalObjectStore:
    return LocalObjectStore(tmp_path)


def test_check_photo_activity(store):
    photos = PhotoActivities(store)
    obj = store.put("uploads/a/photo.jpg", cached_photo(OBAMA, 0, "bg_white"), "image/jpeg")
    report = ActivityEnvironment().run(
        photos.check_photo, CheckPhotoInput(photo=obj, filename="IMG.JPG")
    )
    assert not report.passed
    assert [r.code for r in report.rules if not r.passed] == [spec.PhotoRefusal.PHOTO_BG_COLOR]
    # only the wall's colour is wrong: the fix offers to replace the background (issue 16)
    assert report.unfixable_codes == [] and report.fixable and report.background_replaceable


@pytest.mark.parametrize(
    "variant", ["off_centre", "head_small", "head_low", "too_large_px", "png", "dpi_72"]
)
def test_fix_makes_fixable_photo_compliant(store, variant):
    photos = PhotoActivities(store)
    obj = store.put("uploads/a/original", cached_photo(OBAMA, 0, variant))
    assert photos.inspect(store.get(obj.key), "x.jpg").report.fixable
    result = ActivityEnvironment().run(
        photos.fix_photo, FixPhotoInput(photo=obj, fixed_key="fixed/a.jpg")
    )
    assert result.refusals == []
    assert result.report.passed, [r for r in result.report.rules if not r.passed]
    fixed = store.get("fixed/a.jpg")
    assert result.fixed is not None and result.fixed.size == len(fixed)
    assert store.exists(obj.key)  # the original is kept for the examiner
    im = Image.open(io.BytesIO(fixed))
    assert im.size == (480, 640) and round(im.info["dpi"][0]) == 300


@pytest.mark.parametrize(
    ("face", "variant", "code"),
    [
        (OBAMA, "bg_object", spec.PhotoRefusal.PHOTO_BG_OBJECTS),  # not replaced: may touch him
        (OBAMA, "underexposed", spec.PhotoRefusal.PHOTO_EXPOSURE),
        (HOPPER, "glasses_glare", spec.PhotoRefusal.PHOTO_GLASSES_GLARE),
        (
            OBAMA,
            "head_high",
            spec.PhotoRefusal.PHOTO_HAIRLINE,
        ),  # no room above the head: a crop cannot help
    ],
)
def test_fix_refuses_unfixable_photo_and_says_why(store, face, variant, code):
    photos = PhotoActivities(store)
    obj = store.put("uploads/a/original.jpg", cached_photo(face, 0, variant))
    result = ActivityEnvironment().run(
        photos.fix_photo, FixPhotoInput(photo=obj, fixed_key="fixed/a.jpg")
    )
    assert result.fixed is None and not store.exists("fixed/a.jpg")
    assert code in result.report.unfixable_codes
    assert result.refusals and result.refusals[0].code == spec.PhotoRefusal.PHOTO_NOT_FIXABLE
    assert code in result.refusals[0].measured and result.refusals[0].message


def test_fix_leaves_compliant_photo_alone(store):
    photos = PhotoActivities(store)
    obj = store.put("uploads/a/ok.jpg", cached_photo(OBAMA, 0))
    result = ActivityEnvironment().run(
        photos.fix_photo, FixPhotoInput(photo=obj, fixed_key="fixed/a.jpg")
    )
    assert result.fixed is None and result.report.passed and result.refusals == []


def test_fixed_photo_is_the_source_crop_never_mirrored_or_rotated(photos):
    source = cached_photo(OBAMA, 0, "off_centre")
    inspection = photos.inspect(source, "photo.jpg")
    fixed = np.asarray(
        Image.open(io.BytesIO(_fix_bytes(photos, inspection))).convert("RGB"), np.float64
    )
    crop = apply_crop(Image.open(io.BytesIO(source)), inspection.plan)
    expected = np.asarray(crop, np.float64)
    mirrored = expected[:, ::-1]
    rotated = np.asarray(crop.rotate(3, resample=Image.Resampling.BICUBIC), np.float64)
    error = np.abs(fixed - expected).mean()
    assert error < 3.0  # JPEG re-encoding only
    assert np.abs(fixed - mirrored).mean() > 5 * error
    assert np.abs(fixed - rotated)[40:-40, 40:-40].mean() > 2 * error


def _fix_bytes(photos: PhotoActivities, inspection) -> bytes:
    data = encode_standard_jpeg(apply_crop(inspection.image, inspection.plan))
    assert data is not None and photos.inspect(data, "photo.jpg").report.passed
    return data
