"""Holders and card faces for the seventh ID-card generator (synthetic/idcard_seventh.py).

Written apart from the six before it: its own holders and its own drawing. Text is set the way
a card printer's raster does it rather than as a font's outline: each string is rasterised on
its own, condensed (0.84–1.0), given a weight of its own (thinned, plain, or spread
like ink on a retransfer film), and laid on the card with the colour planes slightly out of
register. Number faces none of the others use (Liberation Serif / Sans Narrow, DejaVu Sans
Condensed and Serif Condensed); the value faces are the SC cuts only (a TC or JP cut draws other
glyphs for the same character — another generator's concern). Every needed field's printed box
is kept (card pixels), so a scene can keep its glare off the values. Tests-only data.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from domain.identity import IdCardFields, check_character

PX = 14.0  # card pixels per mm
CARD_W, CARD_H = round(85.6 * PX), round(54.0 * PX)
VALUE_MM = 3.2  # a value character's body height
EM_PER_BODY = 1.08  # a CJK face's em over its characters' ink height
# where a value's column ends (mm): the front's values stop short of the portrait
COLUMN_END_MM = {"name": 54.0, "address": 54.0, "ethnicity": 54.0}
NUMBER_MM = 46.0  # the 18 digits' width
FONTS = Path("/usr/share/fonts")
_SANS, _SERIF = "opentype/noto/NotoSansCJK-Regular.ttc", "opentype/noto/NotoSerifCJK-Bold.ttc"
_BOLD_SANS = "opentype/noto/NotoSansCJK-Bold.ttc"
VALUE_FACES = ((_SANS, 2), (_SERIF, 2), (_BOLD_SANS, 2), ("truetype/wqy/wqy-microhei.ttc", 0))
NUMBER_FACES = (
    ("truetype/liberation/LiberationSerif-Bold.ttf", 0),
    ("truetype/liberation/LiberationSansNarrow-Bold.ttf", 0),
    ("truetype/dejavu/DejaVuSansCondensed.ttf", 0),
    ("truetype/dejavu/DejaVuSerifCondensed-Bold.ttf", 0),
)
FACES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "faces"
PORTRAITS = ("obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg", "grace_hopper_512x512.jpg")
Box = tuple[int, int, int, int]  # left, top, right, bottom in card px
Boxes = dict[str, Box]
NEEDED = {"front": ("name", "ethnicity", "address", "id_number"), "back": ("issuer", "validity")}

_SURNAMES = "刘陈谭彭邹贺龙文向易蒋罗廖夏曹欧阳司马雷汤颜覃"
_GIVEN = "湘沅澧岳衡韶蓉芙楚麓雯婧琳璐泽宸睿瑾颖昊翔鹏弘毅博雅淑贤慧敏丹青秋菊"
_ETHNIC = ("汉", "汉", "汉", "汉", "土家", "苗", "侗", "瑶", "白", "回", "满", "朝鲜", "哈尼")
# area code, the address's start, its issuer
_AREAS = tuple(
    tuple(line.split())
    for line in """
430105 湖南省长沙市开福区 长沙市公安局开福分局
430104 湖南省长沙市岳麓区 长沙市公安局岳麓分局
430203 湖南省株洲市芦淞区 株洲市公安局芦淞分局
430302 湖南省湘潭市雨湖区 湘潭市公安局雨湖分局
430481 湖南省耒阳市 耒阳市公安局
430602 湖南省岳阳市岳阳楼区 岳阳市公安局岳阳楼分局
430702 湖南省常德市武陵区 常德市公安局武陵分局
431102 湖南省永州市零陵区 永州市公安局零陵分局
431202 湖南省怀化市鹤城区 怀化市公安局鹤城分局
433101 湖南省吉首市 吉首市公安局
""".strip().splitlines()
)
_STREETS = ("芙蓉中路", "湘江北路", "韶山南路", "建设西路", "人民东路", "解放路", "桐梓坡路")
_PLACES = ("新村", "花园", "公寓", "小区", "家园", "苑")


@dataclass(frozen=True)
class Holder:
    name: str
    sex: str
    ethnicity: str
    birth: date
    address: str
    number: str
    issuer: str
    issued: date
    until: date | None  # None: 长期
    portrait: str

    def fields(self) -> IdCardFields:
        return IdCardFields(
            name=self.name, sex=self.sex, ethnicity=self.ethnicity, birth_date=self.birth,
            address=self.address, id_number=self.number, issuer=self.issuer,
            valid_from=self.issued, valid_until=self.until, long_term=self.until is None,
        )  # fmt: skip


def _years(age: int) -> int | None:
    return 5 if age < 16 else 10 if age <= 25 else 20 if age <= 45 else None


def make_holder(rng: random.Random, today: date) -> Holder:
    code, place, issuer = rng.choice(_AREAS)
    birth = date(rng.randint(1958, 2008), rng.randint(1, 12), rng.randint(1, 28))
    sex = rng.choice("男女")
    serial = f"{rng.randint(0, 99):02d}{rng.choice('13579' if sex == '男' else '02468')}"
    body = f"{code}{birth:%Y%m%d}{serial}"
    surname = rng.choice(("欧阳", "司马")) if rng.random() < 0.1 else rng.choice(_SURNAMES[:18])
    name = surname + "".join(rng.choice(_GIVEN) for _ in range(rng.randint(1, 2)))
    street = f"{rng.choice(_STREETS)}{rng.randint(1, 899)}号"
    if rng.random() < 0.6:
        street += f"{rng.choice('东南西北')}{rng.choice(_PLACES)}{rng.randint(1, 30)}栋"
        street += f"{rng.randint(1, 6)}0{rng.randint(1, 9)}室"
    while True:  # issued while the holder was 0–70 and still valid today
        issued = today - timedelta(days=rng.randint(30, 19 * 365))
        age = (issued - birth).days // 365
        if age < 0 or (issued.month, issued.day) == (2, 29):  # no 29 February to expire on
            continue
        years = _years(age)
        until = None if years is None else issued.replace(year=issued.year + years)
        if until is None or until > today:
            break
    return Holder(
        name, sex, rng.choice(_ETHNIC), birth, place + street, body + check_character(body),
        issuer, issued, until, rng.choice(PORTRAITS),
    )  # fmt: skip


@cache
def _font(path: str, index: int, px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONTS / path), px, index=index)


@dataclass
class Style:
    """How one card's printer set its text."""

    value_face: tuple[str, int]
    number_face: tuple[str, int]
    condense: float
    weight: int  # -1 thinned, 0 plain, 1 spread
    ink: tuple[int, int, int]
    label_ink: tuple[int, int, int]
    register: tuple[int, int]  # the label plane's offset, card px

    @classmethod
    def drawn(cls, rng: random.Random) -> Style:
        grey = rng.randint(0, 45)
        return cls(
            rng.choice(VALUE_FACES), rng.choice(NUMBER_FACES), rng.uniform(0.84, 1.0),
            rng.choice((-1, 0, 0, 1)), (grey, grey + rng.randint(0, 8), grey + rng.randint(0, 12)),
            (rng.randint(70, 125), rng.randint(135, 170), rng.randint(185, 220)),
            (rng.randint(-3, 3), rng.randint(-3, 3)),
        )  # fmt: skip


def _raster(
    text: str, face: tuple[str, int], mm: float, condense: float, weight: int
) -> np.ndarray:
    """`text` as coverage (0–1), `mm` high, squeezed or widened, thinned or spread."""
    font = _font(face[0], face[1], round(mm * PX * EM_PER_BODY))
    left, top, right, bottom = font.getbbox(text)
    sheet = Image.new("L", (int(right) + 8, int(bottom) + 8), 0)
    ImageDraw.Draw(sheet).text((4, 4), text, font=font, fill=255)
    cover: np.ndarray = np.asarray(sheet, np.float32)[int(top) :, :] / 255.0
    cover = cv2.resize(cover, (max(round(cover.shape[1] * condense), 1), cover.shape[0]))
    if weight:
        kernel = np.ones((2, 2), np.uint8)
        cover = (cv2.dilate if weight > 0 else cv2.erode)(cover, kernel)
        cover = cv2.GaussianBlur(cover, (0, 0), 0.5)
    clipped: np.ndarray = np.clip(cover, 0, 1)
    return clipped


class Face:
    """One side being printed: paper, then labels, values and pictures; the boxes of the values."""

    def __init__(self, rng: random.Random, style: Style):
        self.rng, self.style = rng, style
        y, x = np.mgrid[0:CARD_H, 0:CARD_W].astype(np.float32)
        base = np.array([rng.randint(232, 248), rng.randint(234, 248), rng.randint(236, 250)])
        rings = np.sin(np.hypot(x - CARD_W * 0.55, y - CARD_H * 0.5) / rng.uniform(3, 6))
        lattice = np.sin(x / rng.uniform(5, 9) + 3 * np.sin(y / rng.uniform(20, 40)))
        pattern = 3.5 * rings + 3.0 * lattice
        tint = np.array([rng.uniform(-1, 0.5), rng.uniform(-0.3, 0.6), rng.uniform(0.3, 1.0)])
        fade = 0.8 + 0.2 * np.cos(x / CARD_W * np.pi * rng.uniform(0.5, 1.5))
        self.rgb = (base + pattern[..., None] * tint) * fade[..., None] + 255 * (
            1 - fade[..., None]
        )
        self.boxes: Boxes = {}

    def put(self, cover: np.ndarray, at: tuple[float, float], ink: tuple[int, int, int]) -> Box:
        x, y = round(at[0] * PX), round(at[1] * PX)
        h, w = cover.shape
        h, w = min(h, CARD_H - y), min(w, CARD_W - x)
        alpha = cover[:h, :w, None]
        area = self.rgb[y : y + h, x : x + w]
        self.rgb[y : y + h, x : x + w] = area * (1 - alpha) + np.array(ink, np.float32) * alpha
        return x, y, x + w, y + h

    def label(self, at: tuple[float, float], text: str, mm: float = 2.6) -> None:
        dx, dy = self.style.register
        spaced = " ".join(text) if len(text) == 2 else text
        cover = _raster(spaced, (_SANS, 2), mm, 1.0, 0)
        self.put(cover, (at[0] + dx / PX, at[1] + dy / PX), self.style.label_ink)

    def value(
        self, at: tuple[float, float], text: str, field: str = "", mm: float = VALUE_MM
    ) -> None:
        """A value, squeezed where it would run past its column (into the portrait)."""
        s = self.style
        cover = _raster(text, s.value_face, mm, s.condense, s.weight)
        room = round((COLUMN_END_MM.get(field, 84.0) - at[0]) * PX)
        if cover.shape[1] > room:
            cover = cv2.resize(cover, (room, cover.shape[0]), interpolation=cv2.INTER_AREA)
        box = self.put(cover, at, s.ink)
        if field:
            old = self.boxes.get(field, box)
            self.boxes[field] = (min(old[0], box[0]), min(old[1], box[1]), max(old[2], box[2]),
                                 max(old[3], box[3]))  # fmt: skip

    def number(self, at: tuple[float, float], text: str) -> None:
        s = self.style
        cover = _raster(" ".join(text), s.number_face, 3.4, 1.0, s.weight)
        width = round(NUMBER_MM * PX * s.condense**0.5)  # the printer spaces digits to fit
        cover = cv2.resize(cover, (width, cover.shape[0]), interpolation=cv2.INTER_AREA)
        self.boxes["id_number"] = self.put(cover, at, s.ink)

    def picture(self, rgb: np.ndarray, at: tuple[float, float]) -> None:
        x, y = round(at[0] * PX), round(at[1] * PX)
        h, w = rgb.shape[:2]
        self.rgb[y : y + h, x : x + w] = rgb

    def done(self) -> np.ndarray:
        printed: np.ndarray = np.clip(self.rgb, 0, 255).astype(np.uint8)
        return printed


@cache
def _portrait(name: str, w: int, h: int) -> np.ndarray:
    """Head and shoulders on a pale ground, as the card's portrait is printed: the photo's own
    background lifted towards white around the face."""
    image = np.asarray(Image.open(FACES / name).convert("RGB"), np.float32)
    ih, iw = image.shape[:2]
    crop_w = min(iw, ih * w / h) * 0.8
    cx, top = iw / 2, ih * 0.04
    crop = image[int(top) : int(top + crop_w * h / w), int(cx - crop_w / 2) : int(cx + crop_w / 2)]
    out = cv2.resize(crop, (w, h), interpolation=cv2.INTER_AREA)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    keep = np.exp(-((((xx - w / 2) / (0.42 * w)) ** 2 + ((yy - h * 0.5) / (0.55 * h)) ** 2) ** 2))
    tone = out.mean(axis=2, keepdims=True) * np.array([0.97, 0.99, 1.02])
    pale = out * 0.55 + tone * 0.45
    printed: np.ndarray = (pale * keep[..., None] + 238 * (1 - keep[..., None])).astype(np.float32)
    return printed


def _date(d: date) -> str:
    return f"{d:%Y.%m.%d}"


def draw_front(holder: Holder, rng: random.Random) -> tuple[np.ndarray, Boxes]:
    face = Face(rng, style := Style.drawn(rng))
    y0 = rng.uniform(-0.6, 0.6)  # the whole print shifted a little on the card

    def row(share: float) -> float:  # a row's top (mm) from its middle's share of the card
        return share * 54.0 + y0 - 1.6

    face.label((5.1, row(0.171)), "姓名")
    face.value((15.0, row(0.171) - 0.4), holder.name, "name")
    face.label((5.1, row(0.295)), "性别")
    face.value((15.0, row(0.295) - 0.4), holder.sex)
    face.label((28.2, row(0.295)), "民族")
    face.value((36.0, row(0.295) - 0.4), holder.ethnicity, "ethnicity")
    face.label((5.1, row(0.419)), "出生")
    b = holder.birth
    face.value((15.0, row(0.419) - 0.4), f"{b.year}")
    face.value((25.5, row(0.419) - 0.4), "年")
    face.value((30.0, row(0.419) - 0.4), f"{b.month}")
    face.value((34.2, row(0.419) - 0.4), "月")
    face.value((38.6, row(0.419) - 0.4), f"{b.day}")
    face.value((42.6, row(0.419) - 0.4), "日")
    face.label((5.1, row(0.54)), "住址")
    for i in range(0, len(holder.address), 11):
        face.value((15.0, row(0.54) - 0.4 + i / 11 * 4.6), holder.address[i : i + 11], "address")
    face.label((5.1, row(0.846)), "公民身份号码", 2.5)
    face.number((28.5, row(0.846) - 0.6), holder.number)
    pw, ph = round(26 * PX), round(32 * PX)
    face.picture(_portrait(holder.portrait, pw, ph), (55.0, 5.5 + y0))
    # the face itself: a lamp's spot may graze the portrait, not wash the face out
    face.boxes["face"] = (round(62 * PX), round((10 + y0) * PX), round(74 * PX), round(28 * PX))
    del style
    return face.done(), face.boxes


def _emblem(face: Face, rng: random.Random) -> None:
    cx, cy, r = round(12 * PX), round(11 * PX), round(8 * PX)
    red = (rng.randint(190, 225), rng.randint(30, 60), rng.randint(30, 60))
    layer = np.zeros(face.rgb.shape[:2], np.uint8)
    cv2.circle(layer, (cx, cy), r, 255, -1, cv2.LINE_AA)
    cv2.circle(layer, (cx, cy), round(r * 0.72), 0, 3, cv2.LINE_AA)
    gold = np.zeros_like(layer)
    star = [
        (cx + r * 0.5 * np.cos(a), cy + r * 0.5 * np.sin(a)) for a in np.arange(5) * 1.2566 - 1.5708
    ]
    cv2.fillPoly(gold, [np.array([star[i] for i in (0, 2, 4, 1, 3)], np.int32)], 255)
    a, g = layer[..., None] / 255.0, gold[..., None] / 255.0
    face.rgb = face.rgb * (1 - a) + np.array(red) * a
    face.rgb = face.rgb * (1 - g) + np.array((235, 200, 60)) * g


def draw_back(holder: Holder, rng: random.Random) -> tuple[np.ndarray, Boxes]:
    face = Face(rng, Style.drawn(rng))
    _emblem(face, rng)
    face.value((26.5, 8.2), "中华人民共和国", mm=4.2)
    face.value((24.0, 16.5), "居民身份证", mm=6.6)
    face.label((14.5, 37.4), "签发机关")
    face.value((29.0, 37.0), holder.issuer, "issuer")
    face.label((14.5, 44.3), "有效期限")
    until = "长期" if holder.until is None else _date(holder.until)
    face.value((29.0, 43.9), f"{_date(holder.issued)}-{until}", "validity")
    return face.done(), face.boxes
