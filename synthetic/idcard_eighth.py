"""An eighth ID-card generator, written apart from the seven before it (synthetic/idcard.py,
idcard_hard.py, idcard_third.py, idcard_phone.py, idcard_upload.py, idcard_seventh.py and the
outside fourth) to judge the ID step on pictures it was never tuned on. Its card
(synthetic/eighth_card.py): the real layout with each printing batch's fields shifted, faces no
other generator prints values in (Noto Sans **Mono** CJK SC, a thickened light serif), the
blue-green tint, guilloche and iridescent band. Its captures (synthetic/eighth_capture.py): a
card held at a steep angle, small in a 12-megapixel frame, on a printed form, florals, plaid,
terrazzo or a bed sheet; warm low light; the phone's HDR halos and over-sharpening, a beauty
filter; a finger over a blank corner; WeChat once or twice; landscape photos turned by the EXIF
tag only.

**Legible by construction** (`make_eighth_pair`): the value characters keep at least
MIN_CHAR_PX uploaded pixels at the card's farthest edge, after every resend (the card is drawn
larger in its frame where it would not), defocus stays under BLUR_SHARE of a character, the
finger covers only a corner with no print within its reach, the card lies wholly in the frame.
**Not legible, or not a card** (`make_eighth_bad`): out of focus, cut through by the frame, the
back uploaded for the front, a bank card or a page of print instead of the ID card. Tests-only
data.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

import cv2
import numpy as np
from PIL import Image, ImageDraw

from synthetic import eighth_capture as cap
from synthetic.eighth_card import (
    _SANS_CJK_BOLD,
    CARD_H,
    CARD_W,
    NUMBER_FACES,
    PX,
    Boxes,
    _font,
    draw_back,
    draw_front,
    make_holder,
)
from synthetic.seventh_card import Holder

MIN_CHAR_PX = 16
BLUR_SHARE = 0.05
LOOKS = ("far", "angle", "hdr", "beauty", "warm_low", "plain")
BAD_KINDS = ("blurred", "cut_off", "wrong_side", "not_a_card")


@dataclass(frozen=True)
class EighthSide:
    jpeg: bytes
    look: str
    ground: str
    char_px: float  # a value character's height in the uploaded pixels, at the card's far edge
    resends: int  # times through WeChat
    exif_turn: int  # 0, 6 or 8
    finger: bool


@dataclass(frozen=True)
class EighthPair:
    holder: Holder
    front: EighthSide
    back: EighthSide
    legible: bool
    kind: str = "legible"


def _shoot(
    card: np.ndarray, boxes: Boxes, rng: random.Random, look: str, blur: float = -1.0
) -> tuple[EighthSide, np.ndarray, np.ndarray]:
    """One side photographed with `look`: (the side, the frame before encoding, homography)."""
    size = rng.choice(cap.FRAMES)
    if look == "far":
        size = rng.choice(cap.FRAMES[:3] + cap.FRAMES[4:6])  # a 12-megapixel phone's frame
    kind = rng.choice(cap.GROUNDS)
    resends = 0 if look == "far" else rng.choice((0, 0, 1, 2))
    resend_scale = min(1.0, 1280 / max(size)) if resends else 1.0
    share = rng.uniform(0.22, 0.34) if look == "far" else rng.uniform(0.5, 0.88)
    keystone = rng.uniform(0.15, 0.28) if look == "angle" else rng.uniform(0, 0.06)
    ground = cap.ground(kind, rng, size)
    for _ in range(8):
        corners = cap.place(rng, size, share, keystone)
        frame, m = cap.lay(card, corners, ground)
        if cap.char_px(m) * resend_scale >= MIN_CHAR_PX:
            break
        share = min(share * 1.2, 0.95)
    char = cap.char_px(m)
    has_finger = rng.random() < 0.3
    if has_finger:
        corner = rng.choice([(0.0, 0.0), (CARD_W, 0.0), (CARD_W, CARD_H), (0.0, CARD_H)])
        if cap.keep_off(list(boxes.values()), corner, 6 * PX):
            cap.finger(frame, m, corner, rng)
        else:
            has_finger = False
    sigma = rng.uniform(0, BLUR_SHARE) * char if blur < 0 else blur * char
    frame = cap.defocus(frame, sigma)
    if look == "warm_low":
        frame = cap.warm_low_light(frame, rng)
    elif look == "hdr":
        frame = cap.hdr(frame, rng, char)
    elif look == "beauty":
        frame = cap.beauty(frame, rng)
    turn = rng.choice((6, 8)) if size[0] > size[1] and rng.random() < 0.3 else 0
    data = cap.encode(frame, rng.randint(80, 95), turn)
    for _ in range(resends):
        data = cap.wechat(data, rng)
    side = EighthSide(data, look, kind, round(char * resend_scale, 1), resends, turn, has_finger)
    return side, frame, m


def make_eighth_pair(seed: int, today: date = date(2026, 3, 1)) -> EighthPair:
    rng = random.Random(seed * 6007 + 8)
    holder = make_holder(rng, today)
    sides = []
    for draw in (draw_front, draw_back):
        card, boxes = draw(holder, rng)
        side, _, _ = _shoot(card, boxes, rng, rng.choice(LOOKS))
        sides.append(side)
    return EighthPair(holder, sides[0], sides[1], legible=True)


def _cut(frame: np.ndarray, m: np.ndarray, rng: random.Random) -> np.ndarray:
    """The frame cropped through the card: 40–55 % of its width kept."""
    pts = np.array([[(0, CARD_H / 2), (CARD_W, CARD_H / 2)]], np.float32)
    (x0, _), (x1, _) = cv2.perspectiveTransform(pts, m)[0]
    lo, hi = sorted((float(x0), float(x1)))
    keep = int(lo + rng.uniform(0.4, 0.55) * (hi - lo))
    return np.ascontiguousarray(frame[:, :keep])


def _not_a_card(rng: random.Random) -> bytes:
    """A bank card on a table, or a page of print: no ID card."""
    w, h = 1600, 1200
    if rng.random() < 0.5:
        page = Image.fromarray(cap._form(rng, w, h).astype(np.uint8))
        return cap.encode(np.asarray(page, np.float32), 88)
    table = cap.ground("terrazzo", rng, (w, h))
    bank = Image.new("RGB", (CARD_W, CARD_H), (rng.randint(150, 200), 30, 40))
    d = ImageDraw.Draw(bank)
    d.text((60, 40), "中国工商银行", font=_font(_SANS_CJK_BOLD, 2, 60), fill=(250, 240, 220))
    d.rectangle((90, 200, 220, 300), fill=(220, 190, 90))
    digits = " ".join(f"{rng.randint(0, 9999):04d}" for _ in range(4))
    d.text((90, 400), f"6222 {digits[5:]}", font=_font(NUMBER_FACES[1][0], 0, 62), fill="white")
    d.text((90, 520), "银联 UnionPay", font=_font(_SANS_CJK_BOLD, 2, 40), fill="white")
    corners = cap.place(rng, (w, h), 0.6, 0.05)
    frame, _ = cap.lay(np.asarray(bank, np.float32), corners, table)
    return cap.encode(frame, 88)


def make_eighth_bad(seed: int, today: date = date(2026, 3, 1)) -> EighthPair:
    """A pair a person would send back: one side out of focus, cut through by the frame, the
    back uploaded for the front, or no ID card at all; the kind by the seed."""
    rng = random.Random(seed * 15485863 + 88)
    kind = BAD_KINDS[seed % len(BAD_KINDS)]
    holder = make_holder(rng, today)
    front_card, front_boxes = draw_front(holder, rng)
    back_card, back_boxes = draw_back(holder, rng)
    back, _, _ = _shoot(back_card, back_boxes, rng, "plain")
    if kind == "wrong_side":
        return EighthPair(holder, back, back, legible=False, kind=kind)
    if kind == "not_a_card":
        nothing = EighthSide(_not_a_card(rng), kind, "", 0.0, 0, 0, False)
        return EighthPair(holder, nothing, back, legible=False, kind=kind)
    look = rng.choice(("plain", "angle", "hdr"))
    blur = rng.uniform(0.4, 0.6) if kind == "blurred" else -1.0
    front, frame, m = _shoot(front_card, front_boxes, rng, look, blur)
    if kind == "cut_off":
        data = cap.encode(_cut(frame, m, rng), 88)
        front = EighthSide(data, look, front.ground, front.char_px, 0, 0, front.finger)
    return EighthPair(holder, front, back, legible=False, kind=kind)
