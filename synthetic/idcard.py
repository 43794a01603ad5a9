"""Synthetic second-generation resident ID cards (both sides) photographed like a phone would.

Used by the OCR tests, `ruji bench ocr` and `ruji demo`. Deterministic for a seed. Layout follows
the real card (85.6 × 54 mm; labels, portrait on the right, number at the bottom; emblem side
with 签发机关 and 有效期限). Fonts come from Debian (`fonts-wqy-microhei`, `fonts-noto-cjk`).
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from synthetic.camera import Shot, photograph
from synthetic.identities import Identity, random_identity

CARD_W, CARD_H = 1000, 631
FACES_DIR = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "faces"
CJK_FONTS = [
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
]
LABEL_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"
NUMBER_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf"
LABEL_BLUE = (38, 110, 170)
INK = (25, 25, 25)


class Defect(StrEnum):
    NONE = "none"
    SWAPPED = "swapped"  # the two uploads exchanged
    MISSING = "missing"  # a photo with no card on it
    CROPPED = "cropped"  # part of the card outside the frame
    BLURRED = "blurred"
    GLARE = "glare"
    LOW_RES = "low_res"


@dataclass(frozen=True)
class CardPair:
    identity: Identity
    front_jpeg: bytes
    back_jpeg: bytes
    defect: Defect


@cache
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


@cache
def _portrait(face_path: str) -> Image.Image:
    """The face photo cropped to the card's portrait proportions (358 × 441), face centred."""
    image = Image.open(face_path).convert("RGB")
    box = _face_box(np.asarray(image))
    left: float
    top: float
    right: float
    bottom: float
    if box is None:
        left, top, right, bottom = 0, 0, image.width, image.height
    else:
        fl, ft, fr, fb = box
        side = (fr - fl) * 2.1
        cx = (fl + fr) / 2
        left, right = cx - side / 2, cx + side / 2
        height = side * 441 / 358
        top = min(max(ft - 0.45 * side, 0), max(image.height - height, 0))
        left = min(max(left, 0), max(image.width - side, 0))
        right, bottom = left + side, top + height
    return image.crop((int(left), int(top), int(right), int(bottom))).resize((290, 357))


def _face_box(rgb: np.ndarray) -> tuple[int, int, int, int] | None:
    from infra.landmarks import shared_landmark_model

    faces = shared_landmark_model().faces(rgb, upsample=0)
    return faces[0].box if faces else None


def _card_background(rng: random.Random, tint: tuple[int, int, int]) -> Image.Image:
    """Pale tinted card with fine guilloche waves, like the security print."""
    y, x = np.mgrid[0:CARD_H, 0:CARD_W].astype(np.float32)
    base = np.empty((CARD_H, CARD_W, 3), np.float32)
    for c in range(3):
        base[..., c] = tint[c] - 10 * (x / CARD_W) + 6 * (y / CARD_H)
    phase = rng.uniform(0, 6.28)
    waves = np.sin(x / 9.0 + 6 * np.sin(y / 40.0 + phase)) * np.sin(y / 13.0)
    base -= 7 * (waves > 0.85)[..., None]
    img = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8))
    ImageDraw.Draw(img).rounded_rectangle(
        (0, 0, CARD_W - 1, CARD_H - 1), 28, outline=(200, 200, 205)
    )
    return img


def _mask() -> Image.Image:
    mask = Image.new("L", (CARD_W, CARD_H), 0)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, CARD_W - 1, CARD_H - 1), 28, fill=255)
    return mask


def render_front(person: Identity, face_path: Path, rng: random.Random) -> Image.Image:
    card = _card_background(rng, (236, 240, 244))
    draw = ImageDraw.Draw(card)
    value_font = _font(rng.choice(CJK_FONTS), 34)
    label = _font(LABEL_FONT, 28)
    rows = {"姓名": 90, "性别": 168, "出生": 246, "住址": 324}
    for text, top in rows.items():
        draw.text((60, top + 4), text, font=label, fill=LABEL_BLUE)
    draw.text((180, rows["姓名"]), person.name, font=_font(str(value_font.path), 40), fill=INK)
    draw.text((180, rows["性别"]), person.sex, font=value_font, fill=INK)
    draw.text((330, rows["性别"] + 4), "民族", font=label, fill=LABEL_BLUE)
    draw.text((430, rows["性别"]), person.ethnicity, font=value_font, fill=INK)
    born = person.birth_date
    x = 180
    for part, unit in ((str(born.year), "年"), (str(born.month), "月"), (str(born.day), "日")):
        draw.text((x, rows["出生"]), part, font=value_font, fill=INK)
        x += int(value_font.getlength(part)) + 10
        draw.text((x, rows["出生"] + 4), unit, font=label, fill=LABEL_BLUE)
        x += 50
    for i, line in enumerate(person.address_lines[:3]):
        draw.text((180, rows["住址"] + i * 50), line, font=value_font, fill=INK)
    draw.text((60, 520), "公民身份号码", font=label, fill=LABEL_BLUE)
    number_font = _font(NUMBER_FONT, 38)
    for i, ch in enumerate(person.id_number):
        draw.text((300 + i * 31, 514), ch, font=number_font, fill=INK)
    card.paste(_portrait(str(face_path)), (640, 80))
    return card


def render_back(person: Identity, rng: random.Random) -> Image.Image:
    card = _card_background(rng, (240, 238, 232))
    draw = ImageDraw.Draw(card)
    cx, cy = 150, 150  # the national emblem, drawn as a red seal
    draw.ellipse((cx - 90, cy - 90, cx + 90, cy + 90), fill=(200, 40, 35))
    draw.ellipse((cx - 62, cy - 62, cx + 62, cy + 62), outline=(245, 200, 60), width=6)
    draw.regular_polygon((cx, cy - 8, 32), 5, fill=(245, 200, 60))
    title = _font(LABEL_FONT, 52)
    draw.text((310, 95), "中华人民共和国", font=title, fill=INK, spacing=8)
    draw.text((330, 185), "居 民 身 份 证", font=_font(LABEL_FONT, 64), fill=INK)
    label = _font(LABEL_FONT, 28)
    value_font = _font(rng.choice(CJK_FONTS), 32)
    draw.text((200, 440), "签发机关", font=label, fill=INK)
    draw.text((360, 436), person.issuer, font=value_font, fill=INK)
    draw.text((200, 520), "有效期限", font=label, fill=INK)
    until = "长期" if person.valid_until is None else f"{person.valid_until:%Y.%m.%d}"
    draw.text((360, 516), f"{person.valid_from:%Y.%m.%d}-{until}", font=value_font, fill=INK)
    return card


def _jpeg(image: Image.Image, quality: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def default_faces() -> list[Path]:
    return sorted(
        p for p in FACES_DIR.glob("*") if p.suffix in {".jpg", ".png"} and "partial" not in p.name
    )


def make_card_pair(
    seed: int,
    defect: Defect = Defect.NONE,
    face_path: Path | None = None,
    today: date = date(2026, 3, 1),
) -> CardPair:
    """Both sides of one random card, photographed; `defect` spoils one photo the way users do."""
    rng = random.Random(seed)
    person = random_identity(rng, today)
    face = face_path or rng.choice(default_faces())
    mask = _mask()
    shots: list[bytes] = []
    for card in (render_front(person, face, rng), render_back(person, rng)):
        shot = Shot.random(rng)
        if defect is Defect.CROPPED and not shots:
            shot = shot.cropped(rng)
        elif defect is Defect.BLURRED and not shots:
            shot = shot.blurred(rng)
        elif defect is Defect.GLARE and not shots:
            shot = shot.glaring(rng)
        elif defect is Defect.LOW_RES:
            shot = shot.low_res()
        elif defect is Defect.MISSING and not shots:
            shot = shot.without_card()
        shots.append(_jpeg(photograph(card, mask, shot, rng), shot.jpeg_quality))
    front, back = shots
    if defect is Defect.SWAPPED:
        front, back = back, front
    return CardPair(person, front, back, defect)
