"""A second, harder ID-card generator, written apart from synthetic/idcard.py (no shared drawing or
camera code) so the ID step is measured on pictures it was not tuned on.

Other fonts and layout noise, several value and label renderings; phone pictures with
perspective, rotation up to 12°, the card filling 40–90 % of the frame width, uneven light,
over-exposure, shadows, specular glare, several backgrounds, phone noise and sharpening, JPEG
50–95 (synthetic/card_scene.py). The generator knows, per field, whether the printed text is
still legible in the final picture: ink and paper are followed through the same light, glare and
clipping, and a field whose strokes lost their contrast is marked illegible.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from synthetic.card_scene import Scene, shoot
from synthetic.identities import Identity, random_identity

W, H = 1200, 757  # 85.6 × 54 mm
NOTO = "/usr/share/fonts/opentype/noto/"
VALUE_FONTS = [  # (path, face index): SC faces of the collections
    (NOTO + "NotoSansCJK-Regular.ttc", 2),
    (NOTO + "NotoSerifCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    (NOTO + "NotoSansCJK-Medium.ttc", 2),
]
LABEL_FONTS = [(NOTO + "NotoSansCJK-Bold.ttc", 2), (NOTO + "NotoSerifCJK-Bold.ttc", 2)]
NUMBER_FONTS = [
    ("/usr/share/fonts/truetype/liberation/LiberationMono-Bold.ttf", 0),
    ("/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf", 0),
    (NOTO + "NotoSansCJK-Bold.ttc", 7),  # Noto Sans Mono CJK SC
]
FACES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "faces"
_HAAR = str(Path(cv2.__file__).parent / "data" / "haarcascade_frontalface_default.xml")
FRONT_FIELDS = ("name", "sex", "ethnicity", "birth_date", "address", "id_number", "portrait")
BACK_FIELDS = ("issuer", "validity")


@dataclass
class Side:
    jpeg: bytes
    legible: dict[str, bool]  # field → still legible in the final picture
    scene: Scene


@dataclass
class HardPair:
    identity: Identity
    front: Side
    back: Side
    notes: list[str] = field(default_factory=list)

    @property
    def all_needed_legible(self) -> bool:
        return all(self.front.legible.values()) and all(self.back.legible.values())


@cache
def _font(path: str, index: int, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size, index=index)


def _available(fonts: list[tuple[str, int]]) -> list[tuple[str, int]]:
    return [f for f in fonts if Path(f[0]).exists()]


def _paper(rng: random.Random, tint: tuple[int, int, int]) -> np.ndarray:
    """Pale print with a radial tint and a fine rosette — another security pattern than v1's."""
    y, x = np.mgrid[0:H, 0:W].astype(np.float32)
    r = np.hypot(x - rng.uniform(0.3, 0.7) * W, y - rng.uniform(0.3, 0.7) * H) / W
    base = np.empty((H, W, 3), np.float32)
    for c in range(3):
        base[..., c] = tint[c] - 8 * r + rng.uniform(-3, 3)
    rosette = np.cos(r * rng.uniform(140, 220)) * np.cos(np.arctan2(y - H / 2, x - W / 2) * 24)
    base -= 6 * (rosette > 0.7)[..., None]
    return np.clip(base, 0, 255)


class _Ink:
    """Draws text on the card and, per field, on a mask: where the ink of that field is."""

    def __init__(self, card: Image.Image):
        self.card = card
        self.draw = ImageDraw.Draw(card)
        self.masks: dict[str, Image.Image] = {}

    def text(
        self,
        xy: tuple[float, float],
        text: str,
        font: ImageFont.FreeTypeFont,
        fill: tuple[int, ...],
        field: str | None = None,
    ) -> float:
        self.draw.text(xy, text, font=font, fill=fill)
        if field is not None:
            mask = self.masks.setdefault(field, Image.new("L", (W, H), 0))
            ImageDraw.Draw(mask).text(xy, text, font=font, fill=255)
        return float(font.getlength(text))


def _jit(rng: random.Random, v: float, spread: float = 0.012) -> int:
    return round(v + rng.uniform(-spread, spread) * W)


def render_front(p: Identity, face: Path, rng: random.Random) -> tuple[Image.Image, _Ink]:
    tint = (rng.randint(232, 242), rng.randint(236, 246), rng.randint(238, 250))
    card = Image.fromarray(_paper(rng, tint).astype(np.uint8))
    ink = _Ink(card)
    vpath = rng.choice(_available(VALUE_FONTS))
    lpath = rng.choice(_available(LABEL_FONTS))
    scale = rng.uniform(0.92, 1.08)
    label = _font(*lpath, round(33 * scale))
    value = _font(*vpath, round(40 * scale))
    blue = (rng.randint(20, 60), rng.randint(95, 130), rng.randint(150, 190))
    black = (rng.randint(0, 40),) * 3
    x_label, x_value = _jit(rng, 0.06 * W, 0.006), _jit(rng, 0.175 * W, 0.006)
    rows = [_jit(rng, f * H, 0.006) for f in (0.125, 0.25, 0.375, 0.495)]
    for text, top in zip(("姓名", "性别", "出生", "住址"), rows, strict=True):
        ink.text((x_label, top + 5), text, label, blue)
    ink.text((x_value, rows[0] - 4), p.name, _font(*vpath, round(46 * scale)), black, "name")
    ink.text((x_value, rows[1]), p.sex, value, black, "sex")
    x_eth = _jit(rng, 0.33 * W, 0.006)
    ink.text((x_eth, rows[1] + 5), "民族", label, blue)
    ink.text((x_eth + round(120 * scale), rows[1]), p.ethnicity, value, black, "ethnicity")
    x = float(x_value)
    b = p.birth_date
    for part, unit in ((str(b.year), "年"), (str(b.month), "月"), (str(b.day), "日")):
        x += ink.text((x, rows[2]), part, value, black, "birth_date") + 8
        x += ink.text((x, rows[2] + 5), unit, label, blue) + rng.randint(14, 26)
    for i, line in enumerate(p.address_lines[:3]):
        ink.text((x_value, rows[3] + i * round(58 * scale)), line, value, black, "address")
    y_num = _jit(rng, 0.82 * H, 0.006)
    ink.text((x_label, y_num + 8), "公民身份号码", label, blue)
    number = _font(*rng.choice(_available(NUMBER_FONTS)), round(46 * scale))
    step = rng.uniform(36, 40) * scale
    for i, ch in enumerate(p.id_number):
        ink.text((round(0.3 * W + i * step), y_num), ch, number, black, "id_number")
    portrait = _portrait(face).resize((round(0.28 * W), round(0.28 * W * 441 / 358)))
    at = (_jit(rng, 0.65 * W), _jit(rng, 0.11 * H, 0.005))
    card.paste(portrait, at)
    face_area = Image.new("L", (W, H), 0)  # where the face is, for the portrait's legibility
    pw, ph = portrait.size
    ImageDraw.Draw(face_area).ellipse(
        (at[0] + 0.25 * pw, at[1] + 0.12 * ph, at[0] + 0.75 * pw, at[1] + 0.62 * ph), fill=255
    )
    ink.masks["portrait"] = face_area
    return card, ink


def render_back(p: Identity, rng: random.Random) -> tuple[Image.Image, _Ink]:
    tint = (rng.randint(236, 246), rng.randint(232, 242), rng.randint(222, 236))
    card = Image.fromarray(_paper(rng, tint).astype(np.uint8))
    ink = _Ink(card)
    d = ink.draw
    cx, cy, r = _jit(rng, 0.14 * W), _jit(rng, 0.25 * H), 0.1 * W
    d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(205, 35, 40))
    d.regular_polygon((cx, cy - 6, r * 0.35), 5, rotation=rng.uniform(-3, 3), fill=(250, 205, 70))
    for k in range(4):
        d.regular_polygon(
            (cx - r * 0.6 + k * r * 0.4, cy + r * 0.55, r * 0.1), 5, fill=(250, 205, 70)
        )
    lpath = rng.choice(_available(LABEL_FONTS))
    ink.text(
        (_jit(rng, 0.3 * W), _jit(rng, 0.14 * H)), "中华人民共和国", _font(*lpath, 62), (20, 20, 20)
    )
    ink.text(
        (_jit(rng, 0.3 * W), _jit(rng, 0.29 * H)), "居民身份证", _font(*lpath, 84), (20, 20, 20)
    )
    label = _font(*lpath, 34)
    value = _font(*rng.choice(_available(VALUE_FONTS)), 38)
    x_label, x_value = _jit(rng, 0.2 * W, 0.006), _jit(rng, 0.355 * W, 0.006)
    y_issuer, y_valid = _jit(rng, 0.69 * H, 0.006), _jit(rng, 0.82 * H, 0.006)
    ink.text((x_label, y_issuer + 4), "签发机关", label, (25, 25, 25))
    ink.text((x_value, y_issuer), p.issuer, value, (25, 25, 25), "issuer")
    ink.text((x_label, y_valid + 4), "有效期限", label, (25, 25, 25))
    until = "长期" if p.valid_until is None else f"{p.valid_until:%Y.%m.%d}"
    ink.text(
        (x_value, y_valid), f"{p.valid_from:%Y.%m.%d}-{until}", value, (25, 25, 25), "validity"
    )
    return card, ink


@cache
def _portrait(path: Path) -> Image.Image:
    """The face photo cropped to the portrait's proportions around OpenCV's Haar face (another
    detector than the step's dlib, so the portrait is not placed where the step looks)."""
    image = Image.open(path).convert("RGB")
    gray = cv2.cvtColor(np.asarray(image), cv2.COLOR_RGB2GRAY)
    cascade = cv2.CascadeClassifier(_HAAR)
    found = cascade.detectMultiScale(gray, 1.1, 5, minSize=(40, 40))
    if len(found) == 0:
        fx, fy, fw = image.width / 4, image.height / 6, image.width / 2.0
    else:
        fx, fy, fw = (float(v) for v in max(found, key=lambda f: f[2])[:3])
    side = min(fw * 2.2, image.width, image.height * 358 / 441)
    h = side * 441 / 358
    left = min(max(fx + fw / 2 - side / 2, 0), image.width - side)
    top = min(max(fy - 0.35 * side, 0), image.height - h)
    box = (round(left), round(top), round(left + side), round(top + h))
    return image.crop(box).filter(ImageFilter.SMOOTH)


def _faces() -> list[Path]:
    return sorted(p for p in FACES.glob("*.jp*g") if "partial" not in p.name) + sorted(
        p for p in FACES.glob("*.png")
    )


def _side(card: Image.Image, ink: _Ink, scene: Scene, rng: random.Random) -> Side:
    picture, legible = shoot(card, ink.masks, scene, rng)
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=scene.jpeg_quality)
    return Side(jpeg=buffer.getvalue(), legible=legible, scene=scene)


def make_hard_pair(
    seed: int,
    today: date = date(2026, 3, 1),
    *,
    expired: bool = False,
    scene: dict[str, Scene] | None = None,
) -> HardPair:
    """One card, both sides, photographed; `scene` overrides the random picture of a side."""
    rng = random.Random(seed ^ 0x5EED_CAFE)
    person = random_identity(rng, today)
    if expired:
        start = today - timedelta(days=365 * 10 + rng.randint(30, 900))
        person = _with_validity(person, start, start + timedelta(days=365 * 10))
    front, front_ink = render_front(person, rng.choice(_faces()), rng)
    back, back_ink = render_back(person, rng)
    scenes = scene or {}
    return HardPair(
        identity=person,
        front=_side(front, front_ink, scenes.get("front") or Scene.random(rng), rng),
        back=_side(back, back_ink, scenes.get("back") or Scene.random(rng), rng),
    )


def _with_validity(p: Identity, start: date, until: date) -> Identity:
    from dataclasses import replace

    return replace(p, valid_from=start, valid_until=until)
