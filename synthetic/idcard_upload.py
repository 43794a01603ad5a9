"""A sixth ID-card generator: what candidates upload that the five before it do not draw.
Written apart from synthetic/idcard.py, idcard_hard.py, idcard_third.py, idcard_phone.py and
the fourth, outside one (own holders, card and scenes) so the ID step is judged on pictures it
was never tuned on. Tests-only data.

Scenes (synthetic/upload_scenes.py), one per side: photocopies and scans (grey, hard contrast,
halftone; half of them saved as greyscale JPEG), a card in a plastic sleeve (veil, glare bands),
a screenshot of the gallery (app bars with their own text), a photo of a screen (subpixel
stripes, moiré), a dark room (pushed noise, hand shake), a close crop cutting the card's edges;
WeChat's recompression on top of a third of them. Cards (synthetic/upload_card.py): worn ones
(rubbed ink, faded print, scratches), 「长期」, three- and four-line addresses, Yanbian's
bilingual card.

**Legibility ground truth**: the needed fields' ink is followed to the uploaded pixels; a field
is legible when its characters keep at least MIN_CHAR_PX and at most 4 % of its stroke pixels
lose the contrast a person needs (MIN_CONTRAST levels under the local paper, measured on the
picture smoothed at a third of a stroke, so noise a person looks through does not count).
A side that fails is drawn again with new scene parameters, up to DRAWS times; a pair still
failing is marked not legible (and not counted by the benchmark).
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from datetime import date

import cv2
import numpy as np
from PIL import Image

from synthetic.upload_card import FIELD_INK, PX, VALUE_MM, draw_back, draw_front
from synthetic.upload_holders import CardHolder, make_holder
from synthetic.upload_scenes import SCENES, Frame, wechat

MIN_CHAR_PX = 14
MIN_CONTRAST = 40
MAX_FAINT_SHARE = 0.04
DRAWS = 6
SIDE_FIELDS = {
    "front": ("name", "ethnicity", "address", "id_number"),
    "back": ("issuer", "validity"),
}


@dataclass(frozen=True)
class UploadSide:
    jpeg: bytes
    scene: str
    wechat: bool
    char_px: float
    legible: bool


@dataclass(frozen=True)
class UploadPair:
    holder: CardHolder
    worn: bool
    front: UploadSide
    back: UploadSide

    @property
    def legible(self) -> bool:
        return self.front.legible and self.back.legible


def faint_share(grey: np.ndarray, strokes: np.ndarray, char_px: float) -> float:
    """Share of stroke pixels less than MIN_CONTRAST under the paper around them."""
    smooth = cv2.GaussianBlur(grey, (0, 0), max(char_px / 30, 0.7))  # a third of a stroke
    size = max(3, round(char_px * 1.2)) | 1
    paper = cv2.morphologyEx(smooth, cv2.MORPH_CLOSE, np.ones((size, size), np.uint8))
    paper = cv2.blur(paper, (size, size))
    core = max(2, round(char_px / 25))
    cores = strokes & (cv2.erode(strokes.astype(np.uint8), np.ones((core, core), np.uint8)) > 0)
    if not cores.any():
        cores = strokes
    if not cores.any():
        return 1.0
    return float(np.mean((paper - smooth)[cores] < MIN_CONTRAST))


def _encode(rgb: np.ndarray, quality: int, grey: bool) -> bytes:
    image = Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8))
    out = io.BytesIO()
    (image.convert("L") if grey else image).save(out, "JPEG", quality=quality, subsampling=2)
    return out.getvalue()


def _photograph(
    card: Frame, side: str, rng: random.Random, scene: str
) -> tuple[UploadSide, np.ndarray]:
    ink_area = float((card[1] > 0).sum())
    rgb, mask = SCENES[scene](card, rng)
    char_px = VALUE_MM * PX * np.sqrt((mask > 0).sum() / ink_area)
    sent = rng.random() < 0.35
    quality = rng.randint(75, 95)
    if sent:
        (rgb, mask), quality = wechat((rgb, mask), rng, MIN_CHAR_PX / char_px)
        char_px = VALUE_MM * PX * np.sqrt((mask > 0).sum() / ink_area)
    grey = scene == "photocopy" and rng.random() < 0.5
    jpeg = _encode(rgb, quality, grey)
    seen = np.asarray(Image.open(io.BytesIO(jpeg)).convert("L"), np.float32)
    legible = char_px >= MIN_CHAR_PX and all(
        faint_share(seen, mask == FIELD_INK[field], char_px) <= MAX_FAINT_SHARE
        for field in SIDE_FIELDS[side]
    )
    return UploadSide(jpeg, scene, sent, round(char_px, 1), legible), mask


def _side(card: Frame, side: str, rng: random.Random) -> UploadSide:
    scene = rng.choice(list(SCENES))
    for _ in range(DRAWS):
        shot, _ = _photograph(card, side, rng, scene)
        if shot.legible:
            return shot
    return shot


def make_upload_pair(seed: int, today: date = date(2026, 3, 1)) -> UploadPair:
    rng = random.Random(seed)
    holder = make_holder(rng, today, bilingual=rng.random() < 0.12)
    worn = rng.random() < 0.3
    front = _side(draw_front(holder, rng, worn), "front", rng)
    back = _side(draw_back(holder, rng, worn), "back", rng)
    return UploadPair(holder, worn, front, back)
