"""Holders and card faces for the eighth ID-card generator (synthetic/idcard_eighth.py).

Written apart from the seven before it. The card is drawn as the real one is laid out
(85.6 × 54 mm; rows, label column, portrait window and number line where the card has them) but
each printing batch moves the fields a little: the whole value column, the rows' pitch and the
number line shift by up to ~1.2 mm, independently. The print is set in faces the others do not
use for values — the **Mono** cut of Noto Sans CJK SC and the light Noto Serif CJK SC regular
with a synthetic half-weight stroke —, numbers in Noto Sans Mono's own digits, Liberation Sans
regular or DejaVu Serif regular. The card's security print is drawn too: a blue-green tint
(pale cyan to pale green, top to bottom), guilloche rosettes and wave lines in pale cyan, and a
faint iridescent band across the middle. Rural holders (a 村, a 组) from counties no other
generator uses. Every needed field's box (card px) is kept so that a scene keeps its finger off
the print. Tests-only data.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from domain.identity import check_character
from synthetic.seventh_card import Holder  # the same record of a card's fields

PX = 12.0  # card pixels per mm
SUPER = 2  # drawn at twice the size, then averaged down
CARD_W, CARD_H = round(85.6 * PX), round(54.0 * PX)
VALUE_MM = 3.0  # a value character's ink height
FONTS = Path("/usr/share/fonts")
_SANS_CJK = FONTS / "opentype/noto/NotoSansCJK-Regular.ttc"
_SANS_CJK_BOLD = FONTS / "opentype/noto/NotoSansCJK-Bold.ttc"
_SERIF_CJK = FONTS / "opentype/noto/NotoSerifCJK-Regular.ttc"
MONO_SC = 7  # Noto Sans Mono CJK SC within the .ttc
SERIF_SC = 2
# (face, index, extra stroke in drawn px): the Mono cut, and the light serif thickened a little
VALUE_FACES = ((_SANS_CJK, MONO_SC, 0), (_SANS_CJK_BOLD, MONO_SC, 0), (_SERIF_CJK, SERIF_SC, 1))
NUMBER_FACES = (
    (_SANS_CJK_BOLD, MONO_SC),
    (FONTS / "truetype/liberation/LiberationSans-Regular.ttf", 0),
    (FONTS / "truetype/dejavu/DejaVuSerif.ttf", 0),
)
FACES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "faces"
PORTRAITS = ("obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg", "grace_hopper_512x512.jpg")
Box = tuple[int, int, int, int]  # left, top, right, bottom in card px
Boxes = dict[str, Box]

_SURNAMES = "周吴郑王冯褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜谢邹喻"
_GIVEN = "梓涵子轩浩然欣怡诗琪一诺雨桐俊杰佳怡志强丽娟建国秀英桂兰德胜国庆红梅晓东春燕"
_ETHNIC = ("汉", "汉", "汉", "汉", "汉", "土家", "苗", "侗", "瑶", "白", "壮", "蒙古", "维吾尔")
# area code, the address's start, its issuer: counties, not districts
_AREAS = tuple(
    tuple(line.split())
    for line in """
430121 湖南省长沙县 长沙县公安局
430381 湖南省湘乡市 湘乡市公安局
430682 湖南省临湘市 临湘市公安局
430723 湖南省常德市澧县 澧县公安局
430821 湖南省张家界市慈利县 慈利县公安局
430922 湖南省益阳市桃江县 桃江县公安局
431021 湖南省郴州市桂阳县 桂阳县公安局
431222 湖南省怀化市沅陵县 沅陵县公安局
431321 湖南省双峰县 双峰县公安局
433122 湖南省湘西土家族苗族自治州泸溪县 泸溪县公安局
433127 湖南省永顺县 永顺县公安局
""".strip().splitlines()
)
_TOWNS = ("城关镇", "桃花江镇", "杨家坪乡", "白沙镇", "青山桥镇", "龙潭镇", "石门乡", "金鸡村")
_VILLAGES = ("竹金坡村", "新华村", "长岭村", "枫树村", "荷塘村", "双江口村", "大坪村")


def make_holder(rng: random.Random, today: date) -> Holder:
    code, place, issuer = rng.choice(_AREAS)
    birth = date(rng.randint(1966, 2008), rng.randint(1, 12), rng.randint(1, 28))
    sex = rng.choice("男女")
    serial = f"{rng.randint(0, 99):02d}{rng.choice('13579' if sex == '男' else '02468')}"
    body = f"{code}{birth:%Y%m%d}{serial}"
    name = rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.randint(1, 2)))
    town = rng.choice(_TOWNS)
    if town.endswith("村"):
        rest = f"{town}{rng.randint(1, 12)}组{rng.randint(1, 60)}号"
    elif rng.random() < 0.6:
        rest = f"{town}{rng.choice(_VILLAGES)}{rng.randint(1, 15)}组{rng.randint(1, 99)}号"
    else:
        rest = f"{town}{rng.choice('东南西北')}街{rng.randint(1, 300)}号"
    while True:  # issued at 16 or older, still valid today
        issued = today - timedelta(days=rng.randint(20, 18 * 365))
        age = (issued - birth).days // 365
        if age < 16 or (issued.month, issued.day) == (2, 29):
            continue
        years = 10 if age <= 25 else 20 if age <= 45 else None
        until = None if years is None else issued.replace(year=issued.year + years)
        if until is None or until > today:
            break
    return Holder(
        name, sex, rng.choice(_ETHNIC), birth, place + rest, body + check_character(body),
        issuer, issued, until, rng.choice(PORTRAITS),
    )  # fmt: skip


@cache
def _font(path: Path, index: int, px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), px, index=index)


@dataclass(frozen=True)
class Batch:
    """Where one printing batch put the fields (mm offsets) and in which faces."""

    dx: float  # the value column
    dy: float  # the whole block of rows
    pitch: float  # the rows' spacing, times
    number_dx: float
    value_face: tuple[Path, int, int]
    number_face: tuple[Path, int]
    ink: tuple[int, int, int]
    label_ink: tuple[int, int, int]

    @classmethod
    def drawn(cls, rng: random.Random) -> Batch:
        k = rng.randint(0, 25)
        return cls(
            rng.uniform(-1.2, 1.2), rng.uniform(-1.0, 1.0), rng.uniform(0.96, 1.04),
            rng.uniform(-1.2, 1.2), rng.choice(VALUE_FACES), rng.choice(NUMBER_FACES),
            (k, k, k + rng.randint(0, 10)),
            (rng.randint(20, 70), rng.randint(110, 150), rng.randint(170, 205)),
        )  # fmt: skip


class Card:
    """A card face drawn at SUPER × PX px/mm; `done` averages it down to PX."""

    def __init__(self, rng: random.Random, batch: Batch):
        self.rng, self.batch = rng, batch
        s = PX * SUPER
        ground = _security(rng, CARD_W, CARD_H)  # soft print: drawn at the card's own scale
        size = (round(85.6 * s), round(54.0 * s))
        self.image = Image.fromarray(cv2.resize(ground, size, interpolation=cv2.INTER_LINEAR))
        self.draw = ImageDraw.Draw(self.image)
        self.boxes: Boxes = {}

    def _px(self, mm: float) -> int:
        return round(mm * PX * SUPER)

    def text(
        self, at: tuple[float, float], text: str, mm: float, face: tuple[Path, int, int],
        ink: tuple[int, int, int], key: str = "", spacing: float = 0.0,
    ) -> None:  # fmt: skip
        path, index, stroke = face
        font = _font(path, index, self._px(mm * 1.16))  # em over a CJK character's ink
        x, y = self._px(at[0]), self._px(at[1])
        left, top, right, bottom = float(x), float(y), float(x), float(y)
        for ch in text:  # character by character: the printer's own spacing
            self.draw.text((x, y), ch, font=font, fill=ink, stroke_width=stroke, stroke_fill=ink)
            b = self.draw.textbbox((x, y), ch, font=font, stroke_width=stroke)
            left, top = min(left, b[0]), min(top, b[1])
            right, bottom = max(right, b[2]), max(bottom, b[3])
            x += round(font.getlength(ch)) + self._px(spacing)
        if key:
            box = tuple(round(v / SUPER) for v in (left, top, right, bottom))
            old = self.boxes.get(key)
            if old:
                box = (min(old[0], box[0]), min(old[1], box[1]), max(old[2], box[2]),
                       max(old[3], box[3]))  # fmt: skip
            self.boxes[key] = box  # type: ignore[assignment]

    def label(self, at: tuple[float, float], text: str) -> None:
        face = (_SANS_CJK, 2, 0)
        self.text(at, text, 2.5, face, self.batch.label_ink, spacing=0.5 if len(text) == 2 else 0)

    def value(
        self, at: tuple[float, float], text: str, key: str = "", mm: float = VALUE_MM
    ) -> None:
        self.text(at, text, mm, self.batch.value_face, self.batch.ink, key)

    def number(self, at: tuple[float, float], text: str) -> None:
        path, index = self.batch.number_face
        font = _font(path, index, self._px(4.2))
        step = self._px(44.0) / len(text)  # 18 digits on a fixed pitch
        x0, y = self._px(at[0]), self._px(at[1])
        for i, ch in enumerate(text):
            w = font.getlength(ch)
            self.draw.text((x0 + i * step + (step - w) / 2, y), ch, font=font, fill=self.batch.ink)
        b = self.draw.textbbox((x0, y), "0", font=font)
        self.boxes["id_number"] = (
            round(x0 / SUPER), round(b[1] / SUPER), round((x0 + 18 * step) / SUPER),
            round(b[3] / SUPER),
        )  # fmt: skip

    def picture(self, rgb: np.ndarray, at: tuple[float, float]) -> None:
        self.image.paste(Image.fromarray(rgb), (self._px(at[0]), self._px(at[1])))

    def done(self) -> np.ndarray:
        big = np.asarray(self.image, np.float32)
        return cv2.resize(big, (CARD_W, CARD_H), interpolation=cv2.INTER_AREA)


def _security(rng: random.Random, w: int, h: int) -> np.ndarray:
    """The card's ground: a blue-green tint, guilloche rosettes and waves, an iridescent band."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    t = yy / h
    top = np.array([rng.uniform(226, 236), rng.uniform(238, 246), rng.uniform(242, 250)])
    bottom = np.array([rng.uniform(228, 238), rng.uniform(242, 250), rng.uniform(230, 240)])
    ground = (top * (1 - t[..., None]) + bottom * t[..., None]).astype(np.float32)
    lines = np.zeros((h, w), np.float32)
    for _ in range(2):  # rosettes: epitrochoids around a centre
        cx, cy = rng.uniform(0.2, 0.8) * w, rng.uniform(0.3, 0.7) * h
        r1, r2, k = rng.uniform(0.15, 0.3) * h, rng.uniform(0.04, 0.1) * h, rng.randint(9, 17)
        for j in range(6):
            a = np.linspace(0, 2 * math.pi, 3000)
            rr = r1 * (1 + 0.1 * j)
            px = cx + rr * np.cos(a) + r2 * np.cos(k * a + j)
            py = cy + rr * np.sin(a) + r2 * np.sin(k * a + j)
            cv2.polylines(lines, [np.stack([px, py], 1).astype(np.int32)], True, 1.0, 1)
    phase = rng.uniform(0, 6.28)
    waves = 0.5 + 0.5 * np.sin(xx / w * 38 + 3 * np.sin(yy / h * 7 + phase))
    lines = np.maximum(lines * 0.6, (waves > 0.985).astype(np.float32) * 0.3)
    cyan = np.array([150.0, 205.0, 215.0])
    out = ground * (1 - 0.35 * lines[..., None]) + cyan * 0.35 * lines[..., None]
    band = np.exp(-(((yy - h * rng.uniform(0.45, 0.6)) / (0.07 * h)) ** 2))  # light-variable ink
    hue = np.stack([np.sin(xx / w * 9 + k) for k in (0, 2.1, 4.2)], -1) * 8
    out = out + band[..., None] * hue
    printed: np.ndarray = np.clip(out, 0, 255).astype(np.uint8)
    return printed


@cache
def _portrait(name: str, w: int, h: int) -> np.ndarray:
    image = np.asarray(Image.open(FACES / name).convert("RGB"), np.float32)
    ih, iw = image.shape[:2]
    crop_w = min(iw, ih * w / h) * 0.78
    crop = image[int(ih * 0.03) : int(ih * 0.03 + crop_w * h / w), int(iw / 2 - crop_w / 2) :]
    crop = crop[:, : int(crop_w)]
    out = cv2.resize(crop, (w, h), interpolation=cv2.INTER_AREA)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    keep = np.exp(-((((xx - w / 2) / (0.45 * w)) ** 2 + ((yy - h * 0.55) / (0.6 * h)) ** 2) ** 3))
    grey = out.mean(axis=2, keepdims=True)
    soft = out * 0.7 + grey * 0.3  # the card's portrait is printed paler than the photo
    printed: np.ndarray = np.clip(soft * keep[..., None] + 236 * (1 - keep[..., None]), 0, 255)
    return printed.astype(np.uint8)


def draw_front(holder: Holder, rng: random.Random) -> tuple[np.ndarray, Boxes]:
    batch = Batch.drawn(rng)
    card = Card(rng, batch)
    vx = 17.5 + batch.dx

    def row(i: float) -> float:  # a row's top (mm): 姓名 0, 性别 1, 出生 2, 住址 3
        return 6.2 + batch.dy + i * 6.9 * batch.pitch

    card.label((6.0, row(0) + 0.3), "姓名")
    card.value((vx, row(0)), holder.name, "name", mm=VALUE_MM * 1.08)
    card.label((6.0, row(1) + 0.3), "性别")
    card.value((vx, row(1)), holder.sex)
    card.label((vx + 9.0, row(1) + 0.3), "民族")
    card.value((vx + 17.5, row(1)), holder.ethnicity, "ethnicity")
    card.label((6.0, row(2) + 0.3), "出生")
    b = holder.birth
    card.value((vx, row(2)), f"{b.year}")
    card.value((vx + 9.2, row(2)), "年")
    card.value((vx + 14.2 - (1.0 if b.month > 9 else 0), row(2)), f"{b.month}")
    card.value((vx + 17.8, row(2)), "月")
    card.value((vx + 22.6 - (1.0 if b.day > 9 else 0), row(2)), f"{b.day}")
    card.value((vx + 26.2, row(2)), "日")
    card.label((6.0, row(3) + 0.3), "住址")
    per = 11
    for i in range(0, len(holder.address), per):
        card.value((vx, row(3) + i / per * 4.4), holder.address[i : i + per], "address")
    card.label((6.0, 46.3 + batch.dy * 0.5), "公民身份号码")
    card.number((29.0 + batch.number_dx, 45.8 + batch.dy * 0.5), holder.number)
    pw, ph = round(26 * PX * SUPER), round(32 * PX * SUPER)
    card.picture(_portrait(holder.portrait, pw, ph), (56.5, 5.0 + batch.dy * 0.5))
    card.boxes["portrait"] = (round(56.5 * PX), round(5.0 * PX), round(82.5 * PX), round(37 * PX))
    return card.done(), card.boxes


def _emblem(card: Card, rng: random.Random) -> None:
    s = PX * SUPER
    cx, cy, r = 13.5 * s, 13.5 * s, 9.0 * s
    red = (rng.randint(195, 225), rng.randint(25, 55), rng.randint(30, 50))
    d = card.draw
    d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=red)
    d.ellipse((cx - r * 0.8, cy - r * 0.8, cx + r * 0.8, cy + r * 0.8), outline=(240, 200, 70),
              width=round(0.4 * s))  # fmt: skip
    for j in range(5):  # the five stars
        a = -math.pi / 2 + j * 0.5 - 1.0
        sx, sy = cx + r * 0.5 * math.cos(a), cy - r * 0.25 + r * 0.35 * math.sin(a)
        rs = r * (0.22 if j == 2 else 0.1)
        turns = [-math.pi / 2 + q * 4 * math.pi / 5 for q in range(5)]
        pts = [(sx + rs * math.cos(t), sy + rs * math.sin(t)) for t in turns]
        d.polygon(pts, fill=(245, 205, 70))
    d.rectangle((cx - r * 0.45, cy + r * 0.25, cx + r * 0.45, cy + r * 0.45), fill=(245, 205, 70))


def draw_back(holder: Holder, rng: random.Random) -> tuple[np.ndarray, Boxes]:
    batch = Batch.drawn(rng)
    card = Card(rng, batch)
    _emblem(card, rng)
    title = (_SANS_CJK_BOLD, SERIF_SC, 0)
    card.text((31.0, 8.0), "中华人民共和国", 4.6, title, batch.ink, spacing=0.8)
    card.text((28.0, 18.0), "居民身份证", 6.8, title, batch.ink, spacing=1.6)
    vx = 33.0 + batch.dx
    y = 39.0 + batch.dy
    card.label((18.0, y + 0.3), "签发机关")
    card.value((vx, y), holder.issuer, "issuer")
    card.label((18.0, y + 7.0 * batch.pitch + 0.3), "有效期限")
    until = "长期" if holder.until is None else f"{holder.until:%Y.%m.%d}"
    card.value((vx, y + 7.0 * batch.pitch), f"{holder.issued:%Y.%m.%d}-{until}", "validity")
    return card.done(), card.boxes
