"""The cause a refusal names for a field that was not read (activities/idcard_legibility.py),
measured on drawn pictures: no OCR runs here."""

from __future__ import annotations

import cv2
import numpy as np

from activities.idcard_image import Photo, id_image_refusal
from activities.idcard_legibility import (
    ANCHORS,
    ASPECT,
    REGIONS,
    unreadable_refusal,
    whole_photo_refusal,
)
from domain.idcard_parse import OcrLine
from domain.vision import CardSide, IdImageRefusal

CARD_LEFT, CARD_TOP, CARD_WIDTH = 100, 100, 800


def at(x: float, y: float) -> tuple[int, int]:
    """Card fractions (y of the card's height) to photo pixels."""
    return round(CARD_LEFT + x * CARD_WIDTH), round(CARD_TOP + y * ASPECT * CARD_WIDTH)


def label_lines() -> list[OcrLine]:
    lines = []
    for label, (x, y) in ANCHORS[CardSide.FRONT].items():
        left, middle = at(x, y)
        box = ((left, middle - 12), (left + 60, middle - 12), (left + 60, middle + 12))
        lines.append(OcrLine(label, 0.99, (*box, (left, middle + 12))))
    return lines


def card_photo(paper: int) -> np.ndarray:
    """A 1000 × 800 photo whose card has `paper` for paper, with print in every value's area
    (the ethnicity's too: it is there, crisp, only not read)."""
    rgb = np.full((800, 1000, 3), 255, np.uint8)
    x0, y0 = at(0, 0)
    x1, y1 = at(1, 1)
    rgb[y0:y1, x0:x1] = paper
    for field in ("name", "sex", "ethnicity", "birth_date", "address", "id_number"):
        left, top, right, bottom = REGIONS[field]
        (a, b), (c, d) = at(left, top), at(right, bottom)
        for x in range(a + 4, c - 16, 22):  # character-sized strokes
            cv2.rectangle(rgb, (x, b + 6), (x + 14, d - 6), (20, 20, 20), 2)
    return rgb


def test_a_photocopys_white_paper_is_not_called_glare():
    """A copy's page and card are white everywhere (upload 6200009 was refused ID_GLARE for its
    民族 on main): the field's white is the paper's, so glare does not explain the miss."""
    rgb = card_photo(paper=255)
    photo = Photo(rgb=rgb, original_size=(rgb.shape[1], rgb.shape[0]))
    refusal = unreadable_refusal(photo, CardSide.FRONT, "ethnicity", label_lines())
    assert refusal.code == "ID_FIELDS_UNREADABLE"
    assert refusal.details == {"side": "front", "field": "ethnicity"}


def test_a_glare_spot_on_a_field_is_still_glare():
    rgb = card_photo(paper=222)
    cx, cy = at(0.51, 0.29)
    cv2.circle(rgb, (cx, cy), 90, (255, 255, 255), -1)
    photo = Photo(rgb=rgb, original_size=(rgb.shape[1], rgb.shape[0]))
    refusal = unreadable_refusal(photo, CardSide.FRONT, "ethnicity", label_lines())
    assert refusal.code == "ID_GLARE"
    assert refusal.measured > refusal.expected


def whole_photo_code(rgb: np.ndarray) -> str:
    photo = Photo(rgb=rgb, original_size=(rgb.shape[1], rgb.shape[0]))
    refusal = whole_photo_refusal(photo, CardSide.FRONT, "card", IdImageRefusal.ID_CARD_NOT_FOUND)
    return str(refusal.code)


def test_a_photocopys_white_page_with_no_card_read_is_not_called_glare_or_cut():
    """The sixth generator's copies on main: whole fronts refused ID_GLARE — the white page, one
    blown-out blob — where no card was found on it."""
    page = card_photo(paper=255)
    assert whole_photo_code(page) == "ID_CARD_NOT_FOUND"


def test_glare_inside_the_frame_and_a_card_the_frame_cut_keep_their_codes():
    desk = np.full((800, 1000, 3), 90, np.uint8)
    spotted = desk.copy()
    spotted[150:650, 200:800] = 215  # a pale card …
    cv2.circle(spotted, (500, 400), 150, (255, 255, 255), -1)  # … with a reflection on it
    assert whole_photo_code(spotted) == "ID_GLARE"
    cut = desk.copy()
    cut[200:600, 400:1000] = 215  # the frame's right edge cuts the card
    assert whole_photo_code(cut) == "ID_CARD_CROPPED"


def test_a_refusal_for_the_portrait_names_it_in_chinese():
    """Seventh 7000064 was refused 「头像面照片模糊，portrait无法识别…」: the field's key, not
    its name, reached the candidate."""
    for code in (
        IdImageRefusal.ID_BLURRY,
        IdImageRefusal.ID_GLARE,
        IdImageRefusal.ID_LOW_RESOLUTION,
    ):
        message = id_image_refusal(code, "front", field="portrait", expected=12).message
        assert "portrait" not in message and "人像" in message, message
