"""Phone-camera 寸照 (issue 16): a 12 MP EXIF-rotated JPEG and an iPhone HEIC pass the upload
screen and reach the fix, which works from the full-resolution original; a wall of the wrong
colour is replaced only as an offer the report makes, and the face pixels are the scaled
original's, pixel for pixel."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageOps

from activities.photo import PhotoActivities
from activities.photo_background import face_hull, replace_background
from activities.photo_fix import apply_crop
from domain import photo_spec as spec
from domain.vision import CheckPhotoInput, FixPhotoInput, PhotoEdit
from infra.landmarks import shared_landmark_model
from infra.storage import LocalObjectStore
from infra.uploads import ID_PHOTO_POLICY, screen_image
from synthetic.photo import faces_dir
from synthetic.photo_camera import Wall, camera_photo

pytestmark = pytest.mark.slow
OBAMA = faces_dir() / "obama.jpg"


@pytest.fixture(scope="module")
def photos(tmp_path_factory) -> PhotoActivities:
    return PhotoActivities(LocalObjectStore(tmp_path_factory.mktemp("camera")))


def upload_and_fix(photos: PhotoActivities, data: bytes, filename: str, content_type: str):
    screened = screen_image(data, ID_PHOTO_POLICY, filename=filename, content_type=content_type)
    obj = photos._store.put(f"up/{filename}", data, screened.content_type)
    report = photos.check_photo(CheckPhotoInput(photo=obj, filename=filename))
    result = photos.fix_photo(FixPhotoInput(photo=obj, fixed_key=f"fixed/{filename}.jpg"))
    return screened, report, result


def test_an_exif_rotated_12_mp_jpeg_reaches_the_fix_and_comes_out_compliant(photos):
    data = camera_photo(OBAMA, seed=3, wall=Wall.LIGHT_BLUE)
    stored = Image.open(io.BytesIO(data))
    assert stored.size == (4000, 3000) and stored.getexif()[0x0112] == 6  # sideways on disk
    screened, report, result = upload_and_fix(photos, data, "IMG_0001.JPG", "image/jpeg")
    assert screened.width * screened.height == 12_000_000
    size_rule = next(r for r in report.rules if r.code == spec.PhotoRefusal.PHOTO_SIZE_PX)
    assert not size_rule.passed and report.fixable and not report.background_replaceable
    assert result.fixed is not None and result.report.passed, result.refusals
    fixed = Image.open(io.BytesIO(photos._store.get(result.fixed.key)))
    assert fixed.size == (480, 640) and fixed.format == "JPEG"  # upright: portrait, not 640×480
    assert result.report.edits == [PhotoEdit.CROPPED_SCALED] and not result.background_replaced


def test_an_iphone_heic_on_a_white_wall_gets_the_background_offer_and_the_fix(photos):
    data = camera_photo(OBAMA, seed=4, wall=Wall.WHITE, fmt="HEIF")
    screened, report, result = upload_and_fix(photos, data, "IMG_0002.HEIC", "image/heic")
    assert screened.format == "HEIF"
    failing = {r.code for r in report.rules if not r.passed}
    assert spec.PhotoRefusal.PHOTO_BG_COLOR in failing
    assert report.fixable and report.background_replaceable and report.unfixable_codes == []
    assert result.fixed is not None and result.report.passed, result.refusals
    assert result.background_replaced and result.face_pixels_changed == 0
    assert PhotoEdit.BACKGROUND_REPLACED in result.report.edits  # the examiner sees it


def test_without_the_candidates_consent_the_background_is_not_replaced(photos):
    data = camera_photo(OBAMA, seed=5, wall=Wall.GREY)
    obj = photos._store.put("up/grey.jpg", data, "image/jpeg")
    result = photos.fix_photo(
        FixPhotoInput(photo=obj, fixed_key="fixed/grey.jpg", replace_background=False)
    )
    assert result.fixed is None and not result.background_replaced
    assert result.refusals[0].code == spec.PhotoRefusal.PHOTO_NOT_FIXABLE


def test_face_pixels_equal_the_scaled_original_and_the_wall_becomes_standard_blue(photos):
    data = camera_photo(OBAMA, seed=6, wall=Wall.GREY)
    inspection = photos.inspect(data, "grey.jpg")
    assert inspection.image is not None and inspection.plan is not None
    upright = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    assert inspection.image.size == upright.size == (3000, 4000)
    scaled = np.asarray(apply_crop(inspection.image, inspection.plan))
    points = shared_landmark_model().faces(scaled)[0].points
    replaced = replace_background(scaled, points, seed=1)
    face = face_hull(scaled.shape, points)  # computed here again, not taken from the result
    assert face.sum() > 20_000
    assert np.array_equal(replaced.rgb[face], scaled[face])
    corner = replaced.rgb[:40, :40].reshape(-1, 3).mean(axis=0)
    assert np.allclose(corner, spec.BACKGROUND_RGB, atol=3)
    assert not np.allclose(
        scaled[:40, :40].reshape(-1, 3).mean(axis=0), spec.BACKGROUND_RGB, atol=20
    )
