"""The ID photo's working copy (activities/idcard_image.decode): the card lies across the photo,
so a portrait photo keeps as many pixels across as a landscape one."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from activities.idcard_image import WORKING_LONG_SIDE, decode
from activities.idcard_text_region import detector_input


def jpeg(width: int, height: int, orientation: int = 1) -> bytes:
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = orientation
    Image.new("RGB", (width, height), (180, 190, 200)).save(out, "JPEG", exif=exif)
    return out.getvalue()


def working_size(data: bytes) -> tuple[int, int]:
    photo = decode(data)
    assert photo is not None
    height, width = photo.rgb.shape[:2]
    return width, height


def test_a_landscape_photo_is_worked_on_at_its_long_side():
    assert working_size(jpeg(4032, 3024)) == (WORKING_LONG_SIDE, 960)
    assert working_size(jpeg(1920, 1080)) == (WORKING_LONG_SIDE, 720)
    assert working_size(jpeg(1000, 750)) == (1000, 750)  # never enlarged


def test_a_portrait_photo_keeps_the_same_width_for_the_card():
    """A fourth generator's card (4000072) in a 2145×2859 photo was shrunk to 586 px across
    and its faint labels were lost; the same photo cropped to landscape was read right."""
    assert working_size(jpeg(3024, 4032)) == (WORKING_LONG_SIDE, 1707)
    assert working_size(jpeg(2160, 3840)) == (WORKING_LONG_SIDE, 2276)
    assert working_size(jpeg(1080, 2400))[1] == 2276  # taller than 9:16: held to the height


def test_a_photo_turned_upright_by_exif_is_sized_upright():
    # stored landscape, shown portrait (orientation 6: the phone was held upright)
    assert working_size(jpeg(4032, 3024, orientation=6)) == (WORKING_LONG_SIDE, 1707)


def test_the_detector_sees_a_portrait_photo_as_wide_as_a_landscape_one():
    """rapidocr's own limit (the long side) would shrink a portrait photo's card to 3/4 again
    before detection; a landscape photo is detected on exactly what rapidocr would give it."""
    from rapidocr.ch_ppocr_det.utils import DetPreProcess

    for width, height in ((1280, 960), (1280, 720), (700, 500), (960, 960)):
        landscape = np.zeros((height, width, 3), np.uint8)
        expected = DetPreProcess(960, "max").resize(landscape)
        assert expected is not None
        assert detector_input(landscape, 960).shape == expected.shape
    portrait = np.zeros((1707, 1280, 3), np.uint8)
    assert detector_input(portrait, 960).shape[:2] == (1280, 960)
