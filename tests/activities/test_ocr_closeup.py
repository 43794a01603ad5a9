"""The card's close-up is decoded from the upload's own pixels: a card on a small part of a large
phone photo is not read from the working copy, which scaled the whole photo to 1280 px."""

import io

import numpy as np
from PIL import Image

from activities.idcard_image import WORKING_LONG_SIDE, card_closeup, decode, turned

STRIPES = (1000, 1500, 2000, 2100)  # left, top, right, bottom in the upload, portrait 3000 × 4000


def _upload(orientation: int = 1) -> bytes:
    """A 3:4 portrait photo with fine print (2-px stripes) in one area and a red mark at its
    top-left corner; stored turned with the EXIF tag when `orientation` is 6."""
    rgb = np.full((4000, 3000, 3), 200, np.uint8)
    left, top, right, bottom = STRIPES
    rgb[top:bottom, left:right] = 255
    rgb[top:bottom, left:right:4] = 0
    rgb[top:bottom, left + 1 : right : 4] = 0
    rgb[top : top + 40, left : left + 40] = (255, 0, 0)
    image = Image.fromarray(rgb)
    exif = Image.Exif()
    if orientation == 6:  # stored a quarter turn counter-clockwise, shown turned back
        image = image.transpose(Image.Transpose.ROTATE_90)
        exif[0x0112] = 6
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=95, subsampling=0, exif=exif.tobytes())
    return buffer.getvalue()


def _working(box: tuple[int, int, int, int], per_px: float) -> tuple[int, int, int, int]:
    left, top, right, bottom = box
    return (
        int(left / per_px),
        int(top / per_px),
        int(right / per_px) + 1,
        int(bottom / per_px) + 1,
    )


def test_a_card_on_part_of_a_large_photo_keeps_the_pixels_it_was_uploaded_with() -> None:
    data = _upload()
    photo = decode(data)
    assert photo is not None and max(photo.rgb.shape[:2]) == WORKING_LONG_SIDE
    area = _working(STRIPES, photo.upload_per_px)
    closeup = card_closeup(data, photo, 0, area)
    assert closeup is not None
    assert abs(closeup.upload_per_px - 1.0) < 0.01  # the upload's own scale, not 3.1 × coarser
    row = closeup.rgb[closeup.rgb.shape[0] // 2, 50:-50].mean(axis=1)
    x0, y0, x1, _ = area
    working_row = photo.rgb[(y0 + 200 // 3), x0 + 20 : x1 - 20].mean(axis=1)
    assert row.std() > 80  # the stripes are there to read
    assert working_row.std() < 30  # in the working copy they had merged into grey
    assert closeup.original_size == photo.original_size == (3000, 4000)


def test_the_closeup_follows_exif_and_the_turns_the_card_was_read_with() -> None:
    data = _upload(orientation=6)
    photo = decode(data)
    assert photo is not None and photo.original_size == (3000, 4000)
    level = turned(photo, 1)  # as if the card had been found lying across
    left, top, right, bottom = STRIPES
    # the stripes' area after np.rot90 (counter-clockwise): x' = y, y' = width - x
    box = (top, 3000 - right, bottom, 3000 - left)
    closeup = card_closeup(data, level, 1, _working(box, level.upload_per_px))
    assert closeup is not None
    corner = closeup.rgb[-40:, :40].reshape(-1, 3).mean(axis=0)  # the mark, now bottom-left
    assert corner[0] > 200 and corner[1] < 80 and corner[2] < 80


def test_a_photo_already_read_at_its_own_size_is_not_read_again() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 900), (200, 200, 200)).save(buffer, "JPEG")
    photo = decode(buffer.getvalue())
    assert photo is not None
    assert card_closeup(buffer.getvalue(), photo, 0, (100, 100, 700, 500)) is None
