"""The card of the sixth generator (synthetic/idcard_upload.py), drawn at 12 px/mm with the
fonts the other generators leave out (the KR and HK cuts of Noto CJK, mono number faces), a
wave-line security print, and, for an old card, worn ink and a faded print. Alongside the
picture, a mask gives every needed field's ink its own value, so the scene can follow the
strokes to the uploaded pixels and tell whether a person could still read them.
"""

from __future__ import annotations

import random
from functools import cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from synthetic.upload_holders import CardHolder

PX = 12  # px per mm
CARD_W, CARD_H = round(85.6 * PX), round(54 * PX)
NOTO = "/usr/share/fonts/opentype/noto/"
TTF = "/usr/share/fonts/truetype/"
# (file, index): 1 = KR, 4 = HK in the Noto CJK collections
VALUE_FACES = [
    (NOTO + "NotoSansCJK-Regular.ttc", 1),
    (NOTO + "NotoSansCJK-Bold.ttc", 4),
    (NOTO + "NotoSerifCJK-Bold.ttc", 1),
    (NOTO + "NotoSansCJK-Regular.ttc", 4),
]
LABEL_FACES = [(NOTO + "NotoSansCJK-Regular.ttc", 1), (NOTO + "NotoSerifCJK-Regular.ttc", 4)]
NUMBER_FACES = [
    (TTF + "liberation/LiberationMono-Bold.ttf", 0),
    (TTF + "dejavu/DejaVuSansMono-Bold.ttf", 0),
    (TTF + "dejavu/DejaVuSerif-Bold.ttf", 0),
]
FACES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "faces"
#: mask values of the needed fields' ink
FIELD_INK = {"name": 1, "ethnicity": 2, "address": 3, "id_number": 4, "issuer": 5, "validity": 6}
VALUE_MM = 3.3  # a value character's height


@cache
def _face(path: str, index: int, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size, index=index)


def _font(face: tuple[str, int], mm: float) -> ImageFont.FreeTypeFont:
    return _face(face[0], face[1], round(mm * PX))


class Card:
    """One side being drawn: the picture and the needed fields' ink mask."""

    def __init__(self, rng: random.Random, worn: bool):
        self.rng = rng
        self.worn = worn
        tint = np.array([rng.randint(228, 246), rng.randint(226, 242), rng.randint(214, 236)])
        y, x = np.mgrid[0:CARD_H, 0:CARD_W].astype(np.float32)
        waves = np.zeros_like(x)
        for _ in range(3):
            period, amp, tilt = rng.uniform(9, 20), rng.uniform(4, 16), rng.uniform(-0.2, 0.2)
            waves += np.cos(
                2 * np.pi * (y + tilt * x + amp * np.sin(x / rng.uniform(30, 80))) / period
            )
        strength = rng.uniform(4, 9) * (0.35 if worn else 1.0)
        colour = np.array([rng.uniform(-1, 0.2), rng.uniform(-0.6, 0.3), rng.uniform(0.2, 1)])
        paper = tint + strength * waves[..., None] * colour
        if worn:  # yellowed
            paper = paper * np.array([1.0, 0.97, 0.9])
        self.picture = Image.fromarray(np.clip(paper, 0, 255).astype(np.uint8))
        self.mask = Image.new("L", (CARD_W, CARD_H), 0)
        self.ink = (rng.randint(10, 40),) * 3 if not worn else (rng.randint(55, 85),) * 3
        self.label_ink = (rng.randint(60, 110), rng.randint(120, 150), rng.randint(170, 205))
        self.value_face = rng.choice(VALUE_FACES)
        self.label_face = rng.choice(LABEL_FACES)

    def text(
        self,
        at_mm: tuple[float, float],
        text: str,
        font: ImageFont.FreeTypeFont,
        fill: tuple[int, ...],
        field: str = "",
        spacing: float = 0.0,
    ) -> None:
        x, y = at_mm[0] * PX, at_mm[1] * PX
        pen = ImageDraw.Draw(self.picture)
        marks = ImageDraw.Draw(self.mask)
        for char in text:
            pen.text((x, y), char, font=font, fill=fill)
            if field:
                marks.text((x, y), char, font=font, fill=FIELD_INK[field])
            x += font.getlength(char) + spacing * PX

    def label(self, at_mm: tuple[float, float], text: str, spacing: float = 0.0) -> None:
        self.text(at_mm, text, _font(self.label_face, 2.7), self.label_ink, spacing=spacing)

    def value(self, at_mm: tuple[float, float], text: str, field: str = "") -> None:
        self.text(at_mm, text, _font(self.value_face, VALUE_MM), self.ink, field)

    def finished(self) -> tuple[np.ndarray, np.ndarray]:
        rgb, mask = np.asarray(self.picture).copy(), np.asarray(self.mask).copy()
        if self.worn:  # worn print: specks of ink rubbed off, a few scratches
            rubbed = (np.random.default_rng(self.rng.randrange(1 << 30)).random(mask.shape)) < 0.07
            rubbed = cv2.dilate(rubbed.astype(np.uint8), np.ones((2, 2), np.uint8)).astype(bool)
            ink = rgb.mean(axis=2) < 150
            rgb[rubbed & ink] = (rgb[rubbed & ink] * 0.3 + 0.7 * np.array([225, 220, 205])).astype(
                np.uint8
            )
            mask[rubbed] = 0
            for _ in range(self.rng.randint(2, 6)):
                p0 = (self.rng.randrange(CARD_W), self.rng.randrange(CARD_H))
                p1 = (self.rng.randrange(CARD_W), self.rng.randrange(CARD_H))
                cv2.line(rgb, p0, p1, (235, 232, 225), 1, cv2.LINE_AA)
        return rgb, mask


@cache
def _portrait(path: Path, w: int, h: int) -> np.ndarray:
    """The fixture's face (OpenCV's alt2 cascade) framed head and shoulders at 3:4."""
    image = Image.open(path).convert("RGB")
    cascade = cv2.CascadeClassifier(
        str(Path(cv2.__file__).parent / "data" / "haarcascade_frontalface_alt2.xml")
    )
    grey = cv2.cvtColor(np.asarray(image), cv2.COLOR_RGB2GRAY)
    found = cascade.detectMultiScale(grey, 1.15, 4, minSize=(30, 30))
    fx, fy, fw = (image.width * 0.3, image.height * 0.2, image.width * 0.4)
    if len(found):
        fx, fy, fw, _ = (float(v) for v in max(found, key=lambda f: f[2] * f[3]))
    width = min(fw * 2.2, image.width, image.height * 0.78)
    left = min(max(fx + fw / 2 - width / 2, 0), image.width - width)
    top = min(max(fy - 0.5 * fw, 0), image.height - width / 0.78)
    crop = image.crop((round(left), round(top), round(left + width), round(top + width / 0.78)))
    photo = np.asarray(crop.resize((w, h)), np.float32)
    return (photo * 0.9 + 0.1 * 240).astype(np.uint8)


def draw_front(h: CardHolder, rng: random.Random, worn: bool) -> tuple[np.ndarray, np.ndarray]:
    card = Card(rng, worn)
    dy = rng.uniform(-0.4, 0.4)
    korean = _font((NOTO + "NotoSansCJK-Regular.ttc", 1), 2.3)
    name_y = 7.0 + dy
    if h.korean_name:
        card.text((6.0, 4.8 + dy), "성명", korean, card.label_ink)
        card.text((17.0, 4.6 + dy), h.korean_name, korean, card.ink)
        name_y = 8.0 + dy
    card.label((6.0, name_y + 0.4), "姓名", spacing=0.9)
    card.value((17.0, name_y), h.name, "name")
    card.label((6.0, 14.0 + dy), "性别", spacing=0.9)
    card.value((17.0, 13.6 + dy), h.sex)
    card.label((27.5, 14.0 + dy), "民族", spacing=0.9)
    card.value((38.0, 13.6 + dy), h.ethnicity, "ethnicity")
    card.label((6.0, 20.2 + dy), "出生", spacing=0.9)
    born = h.born
    for x, part in ((17.0, f"{born.year}"), (26.5, "年"), (31.5, f"{born.month}"), (35.0, "月")):
        card.value((x, 19.8 + dy), part)
    card.value((39.5, 19.8 + dy), f"{born.day}")
    card.value((43.5, 19.8 + dy), "日")
    top = 26.4 + dy
    if h.korean_address:
        card.text((6.0, top - 0.2), "주소", korean, card.label_ink)
        card.text((17.0, top - 0.4), h.korean_address, korean, card.ink)
        top += 3.6
    card.label((6.0, top + 0.4), "住址", spacing=0.9)
    lines = h.address_lines()
    pitch = 4.4 if len(lines) < 4 else 4.0
    for i, line in enumerate(lines):
        card.value((17.0, top + i * pitch), line, "address")
    card.label((6.0, 46.0 + dy), "公民身份号码", spacing=0.2)
    number_font = _font(rng.choice(NUMBER_FACES), 3.5)
    card.text((28.5, 45.6 + dy), h.number, number_font, card.ink, "id_number", spacing=0.45)
    rgb, mask = card.finished()
    faces = sorted(
        p for p in FACES.glob("*.*") if p.suffix in (".jpg", ".png") and "partial" not in p.stem
    )
    pw, ph = round(24 * PX), round(31 * PX)
    x0, y0 = round(57 * PX), round(6 * PX)
    portrait = _portrait(rng.choice(faces), pw, ph)
    rgb[y0 : y0 + ph, x0 : x0 + pw] = (
        portrait * (0.75 if worn else 1.0)
        + rgb[y0 : y0 + ph, x0 : x0 + pw] * (0.25 if worn else 0.0)
    ).astype(np.uint8)
    return rgb, mask


def _emblem(rgb: np.ndarray, worn: bool) -> None:
    red = (200, 40, 35) if not worn else (205, 110, 95)
    centre, radius = (round(13 * PX), round(13.5 * PX)), round(7.5 * PX)
    cv2.circle(rgb, centre, radius, red, -1, cv2.LINE_AA)
    cv2.circle(rgb, centre, radius - 10, (235, 195, 60), 3, cv2.LINE_AA)
    for i in range(5):
        angle = np.pi / 2 + i * 2 * np.pi / 5
        star = (centre[0] + round(np.cos(angle) * 30), centre[1] - round(np.sin(angle) * 30) - 5)
        cv2.circle(rgb, star, 6 if i else 10, (240, 200, 60), -1)


def draw_back(h: CardHolder, rng: random.Random, worn: bool) -> tuple[np.ndarray, np.ndarray]:
    card = Card(rng, worn)
    title = _font(card.value_face, 4.3)
    card.text((29.0, 7.5), "中华人民共和国", title, card.ink, spacing=1.3)
    card.text((26.0, 15.5), "居民身份证", _font(card.value_face, 7.0), card.ink, spacing=2.4)
    dy = rng.uniform(-0.5, 0.5)
    card.label((14.0, 39.8 + dy), "签发机关", spacing=0.3)
    card.value((29.5, 39.4 + dy), h.issuer, "issuer")
    card.label((14.0, 46.4 + dy), "有效期限", spacing=0.3)
    until = "长期" if h.valid_until is None else f"{h.valid_until:%Y.%m.%d}"
    card.value((29.5, 46.0 + dy), f"{h.valid_from:%Y.%m.%d}-{until}", "validity")
    rgb, mask = card.finished()
    _emblem(rgb, worn)
    return rgb, mask
