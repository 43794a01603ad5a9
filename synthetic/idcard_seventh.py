"""A seventh ID-card generator, written apart from the six before it (synthetic/idcard.py,
idcard_hard.py, idcard_third.py, idcard_phone.py, idcard_upload.py and the outside fourth) to
judge the ID step on pictures it was never tuned on: own holders and printing
(synthetic/seventh_card.py), own scenes and phone pipeline (synthetic/seventh_capture.py).

**Legible by construction** (`make_seventh_pair`): the value characters keep at least
MIN_CHAR_PX uploaded pixels (the card is drawn larger in its frame where a small frame would
give fewer), defocus stays under BLUR_SHARE of a character's height, a lamp's spot is kept off
every needed value, a thumb covers only a blank corner. **Not legible, or not a card**
(`make_seventh_bad`): the same cards made unreadable the ways a person would see at once — out
of focus, cut off by the frame's edge, the other side uploaded, a photo of no card — for
checking that the refusals still fire. Tests-only data.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

import cv2
import numpy as np

from synthetic.seventh_capture import SCENES, card_points, card_width, jpeg, phone
from synthetic.seventh_card import (
    CARD_H,
    CARD_W,
    PX,
    VALUE_MM,
    Boxes,
    Holder,
    draw_back,
    draw_front,
    make_holder,
)

MIN_CHAR_PX = 16
BLUR_SHARE = 0.06
BAD_KINDS = ("blurred", "cut_off", "wrong_side", "not_a_card")


@dataclass(frozen=True)
class SeventhSide:
    jpeg: bytes
    scene: str
    char_px: float


@dataclass(frozen=True)
class SeventhPair:
    holder: Holder
    front: SeventhSide
    back: SeventhSide
    legible: bool
    kind: str = "legible"


def _char_px(m: np.ndarray, resend: float) -> float:
    return VALUE_MM * PX * card_width(m) / CARD_W * resend


def _shoot(
    card: np.ndarray, boxes: Boxes, rng: random.Random, scene: str, blur: float = -1.0
) -> tuple[bytes, float, np.ndarray, np.ndarray]:
    """The side through `scene` and the phone: (jpeg, char px, homography, the frame)."""
    share = rng.uniform(0.45, 0.92)
    for _ in range(6):
        args = (list(boxes.values()),) if scene == "lamp" else ()
        frame, m = SCENES[scene](card, rng, share, *args)
        resend = 1.0
        if rng.random() < 0.25:  # sent through WeChat first: 1280 px, JPEG 50–70
            resend = min(1.0, 1280 / max(frame.shape[:2]))
        if _char_px(m, resend) >= MIN_CHAR_PX:
            break
        share = min(share * 1.3, 0.95)
    char_px = _char_px(m, resend) / resend
    sigma = rng.uniform(0, BLUR_SHARE) * char_px if blur < 0 else blur * char_px
    shot = phone(frame, rng, sigma)
    quality = rng.randint(50, 70) if resend < 1 else rng.randint(72, 94)
    return jpeg(shot, quality, 1280 if resend < 1 else None), _char_px(m, resend), m, shot


def make_seventh_pair(seed: int, today: date = date(2026, 3, 1)) -> SeventhPair:
    rng = random.Random(seed * 7919 + 7)
    holder = make_holder(rng, today)
    sides = []
    for draw in (draw_front, draw_back):
        card, boxes = draw(holder, rng)
        scene = rng.choice(list(SCENES))
        data, char_px, _, _ = _shoot(card, boxes, rng, scene)
        sides.append(SeventhSide(data, scene, round(char_px, 1)))
    return SeventhPair(holder, sides[0], sides[1], legible=True)


def _cut(shot: np.ndarray, m: np.ndarray) -> np.ndarray:
    """The frame cropped through the card's middle: half the values outside."""
    x0, x1 = sorted(float(p[0]) for p in card_points(m, [(0, CARD_H / 2), (CARD_W, CARD_H / 2)]))
    keep = int(x0 + 0.5 * (x1 - x0))
    return np.ascontiguousarray(shot[:, :keep])


def _no_card(rng: random.Random) -> bytes:
    """A desk, a keyboard's keys or a page of printed lines: no card."""
    w, h = 1600, 1200
    picture = np.full((h, w, 3), rng.randint(120, 200), np.float32)
    for _ in range(rng.randint(20, 60)):
        x, y = rng.randrange(w), rng.randrange(h)
        colour = [rng.randint(0, 255) for _ in range(3)]
        cv2.rectangle(picture, (x, y), (x + rng.randint(20, 200), y + rng.randint(10, 80)),
                      colour, -1)  # fmt: skip
    return jpeg(cv2.GaussianBlur(picture, (0, 0), 2), 85)


def make_seventh_bad(seed: int, today: date = date(2026, 3, 1)) -> SeventhPair:
    """A pair a person would send back: one side blurred, cut off, swapped for the other side,
    or not a card at all; the kind by the seed."""
    rng = random.Random(seed * 104729 + 11)
    kind = BAD_KINDS[seed % len(BAD_KINDS)]
    holder = make_holder(rng, today)
    front_card, front_boxes = draw_front(holder, rng)
    back_card, back_boxes = draw_back(holder, rng)
    back_data, back_px, _, _ = _shoot(back_card, back_boxes, rng, "desk")
    back = SeventhSide(back_data, "desk", round(back_px, 1))
    if kind == "wrong_side":
        return SeventhPair(holder, back, back, legible=False, kind=kind)
    if kind == "not_a_card":
        return SeventhPair(holder, SeventhSide(_no_card(rng), kind, 0.0), back, False, kind)
    scene = rng.choice(("desk", "hand", "holder_case"))
    blur = rng.uniform(0.35, 0.6) if kind == "blurred" else -1.0
    data, char_px, m, shot = _shoot(front_card, front_boxes, rng, scene, blur)
    if kind == "cut_off":
        data = jpeg(_cut(shot, m), 88)
    return SeventhPair(holder, SeventhSide(data, scene, round(char_px, 1)), back, False, kind)
