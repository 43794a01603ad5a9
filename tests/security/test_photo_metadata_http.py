"""The 寸照 through the real route and the real photo checker: a phone's EXIF (make, model,
serial, GPS) is not in the stored photo — the examiner's `photo` and the photos.zip export read
that object — while the picture the checker judged is the uploaded one, byte for byte."""

from __future__ import annotations

import io

import pytest
from PIL import ExifTags, Image

from activities.photo import PhotoActivities
from domain.enrollment import CaseFile
from infra.storage import LocalObjectStore
from synthetic.photo import compliant_photo, faces_dir, photo
from tests import stand_ins
from tests.api.server import jpeg_bytes
from tests.infra.test_image_metadata import (
    SECRETS,
    camera_exif,
    decoder_segments,
    exif_segment,
    seen_by_checker,
    with_segments,
)
from tests.security.stack import register, running_stack, seeded_database
from tests.workflows.harness import valid_id_number
from workflows.enrollment import EnrollmentWorkflow

pytestmark = pytest.mark.slow  # the real photo checker (dlib landmarks)
FACE = faces_dir() / "obama.jpg"


@pytest.fixture(scope="module")
async def world(dev_env, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("photo-metadata")
    photos = PhotoActivities(LocalObjectStore(tmp_path / "objects"))
    vision = [
        stand_ins.read_id_card,
        photos.check_photo,
        photos.fix_photo,
        stand_ins.verify_face,
    ]
    engine = seeded_database(tmp_path)
    async with running_stack(dev_env.client, engine, tmp_path, vision_activities=vision) as (
        http,
        _settings,
        sms,
    ):
        yield http, sms, tmp_path / "objects", dev_env.client


async def _at_photo_step(http, sms, serial: int) -> tuple[str, dict]:
    number = valid_id_number(serial, area="430111")  # its own identities on the shared dev server
    app_id, me = await register(http, sms, number, f"1390000{serial:04d}")
    files = {
        "front": ("front.jpg", jpeg_bytes(seed=1), "image/jpeg"),
        "back": ("back.jpg", jpeg_bytes(seed=2), "image/jpeg"),
    }
    r = await http.post("/api/v1/me/id-card", files=files, headers=me)
    assert r.status_code == 200, r.text
    r = await http.post("/api/v1/me/id-card/confirm", json=r.json()["id_card_read"], headers=me)
    assert r.json()["state"] == "PHOTO_PENDING", r.text
    return app_id, me


async def _case(client, app_id: str) -> CaseFile:
    return await client.get_workflow_handle(app_id).query(EnrollmentWorkflow.case_file)


def _assert_no_camera_metadata(data: bytes) -> None:
    assert not [s for s in SECRETS if s in data]
    with Image.open(io.BytesIO(data)) as image:
        exif = image.getexif()
        assert ExifTags.Base.Make not in exif and ExifTags.Base.Model not in exif
        assert not exif.get_ifd(ExifTags.IFD.GPSInfo)


async def test_an_accepted_photo_is_stored_without_its_exif_and_judged_on_the_same_picture(world):
    http, sms, objects, client = world
    app_id, me = await _at_photo_step(http, sms, 501)
    original = with_segments(compliant_photo(FACE, seed=3), exif_segment(camera_exif()))

    r = await http.post("/api/v1/me/photo", files={"photo": ("me.jpg", original)}, headers=me)

    assert r.status_code == 200 and r.json()["state"] == "FACE_PENDING", r.text
    official = (await _case(client, app_id)).state.photo.official
    assert official is not None and official.key.startswith(f"{app_id}/photo/upload-")
    stored = (objects / official.key).read_bytes()
    _assert_no_camera_metadata(stored)
    assert decoder_segments(stored) == decoder_segments(original)  # tables, density, scans
    assert seen_by_checker(stored) == seen_by_checker(original)


async def test_a_refused_photo_and_its_fix_are_both_stored_without_exif(world):
    """The refused upload stays as the original the examiner sees next to the fix."""
    http, sms, objects, client = world
    app_id, me = await _at_photo_step(http, sms, 502)
    too_big = with_segments(photo(FACE, 4, "too_large_px"), exif_segment(camera_exif()))

    r = await http.post("/api/v1/me/photo", files={"photo": ("me.jpg", too_big)}, headers=me)
    assert (r.status_code, r.json()["code"]) == (422, "PHOTO_NOT_COMPLIANT"), r.text
    r = await http.post("/api/v1/me/photo/fix", headers=me)
    assert r.status_code == 200 and r.json()["fixed"] is not None, r.text
    r = await http.post("/api/v1/me/photo/accept-fix", headers=me)
    assert r.json()["state"] == "FACE_PENDING", r.text

    kept = (await _case(client, app_id)).state.photo
    assert kept.official is not None and kept.original is not None
    for obj in (kept.official, kept.original):
        _assert_no_camera_metadata((objects / obj.key).read_bytes())
    assert decoder_segments((objects / kept.original.key).read_bytes()) == decoder_segments(too_big)
