"""A fifth ID-card generator: the card as a candidate photographs it with a phone. Written apart
from synthetic/idcard.py, idcard_hard.py and idcard_third.py (its own identities, drawing and
camera) so the ID step is judged on photos it was never tuned on. Tests-only data.

The card is drawn at 16 px/mm in the real layout, then photographed: portrait frames (3:4, 9:16)
and landscape ones from 720 to 4000 px; the card filling 35–90 % of the frame along its long
side, sometimes turned 90° to fill a portrait frame, sometimes upside down; perspective tilt;
a desk, fabric or hand behind it; uneven light, a soft shadow, a colour cast; mild blur, sensor
noise, the phone's sharpening; JPEG at phone qualities, some stored turned with the EXIF
orientation tag set. Every card stays legible to a person: the value characters keep at least
MIN_CHAR_PX uploaded pixels, blur stays a fraction of a stroke, shadows and casts keep the ink
darker than the paper, and nothing covers the print.
"""

from __future__ import annotations

import io
import math
import random
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from domain.identity import IdCardFields

MM = 16  # px per mm of the drawn card
CARD_W, CARD_H = round(85.6 * MM), round(54 * MM)
NOTO = "/usr/share/fonts/opentype/noto/"
WQY = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
# (file, face index): SC faces of the Debian CJK fonts, each sometimes in its bold cut
VALUE_FONTS = [(NOTO + "NotoSansCJK-Bold.ttc", 2), (WQY, 0), (NOTO + "NotoSerifCJK-Regular.ttc", 2)]
LABEL_FONTS = [(NOTO + "NotoSansCJK-Regular.ttc", 2), (WQY, 0), (NOTO + "NotoSansCJK-Bold.ttc", 2)]
NUMBER_FONTS = [
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", 0),
    ("/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf", 0),
    ("/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed-Bold.ttf", 0),
]
FACES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "faces"
MIN_CHAR_PX = 16  # value characters in the uploaded photo: a person reads them easily

_SURNAMES = (
    "刘陈杨黄周吴徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余杜叶程魏苏吕丁任卢姚"
    "沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严莫"
    "孔向常汤康易乔赖文"
)
_COMPOUND = ("欧阳", "司徒", "皇甫", "令狐", "慕容")
_GIVEN = (
    "安柏晨丹东芬刚光海航红宏慧佳建杰金锦晶娟军恺兰磊丽莉林玲龙梅敏娜宁鹏萍琪倩强青清蓉睿珊书"
    "淑涛婷伟文霞祥晓欣新星秀雪雅艳阳瑶怡毅英颖勇雨玉媛云泽湘楠梓桐澜"
)
_ETHNIC = (
    "汉 蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 "
    "拉祜 水 东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 "
    "怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺"
).split()
_LOCAL_MINORITIES = "土家 苗 侗 瑶 白 回".split()
# code, the address's start, the issuing office
_PLACES = [
    row.split()
    for row in """
430102 湖南省长沙市芙蓉区 长沙市公安局芙蓉分局
430104 湖南省长沙市岳麓区 长沙市公安局岳麓分局
430181 湖南省浏阳市 浏阳市公安局
430202 湖南省株洲市荷塘区 株洲市公安局荷塘分局
430281 湖南省醴陵市 醴陵市公安局
430302 湖南省湘潭市雨湖区 湘潭市公安局雨湖分局
430421 湖南省衡阳县 衡阳县公安局
430482 湖南省常宁市 常宁市公安局
430503 湖南省邵阳市大祥区 邵阳市公安局大祥分局
430524 湖南省隆回县 隆回县公安局
430621 湖南省岳阳县 岳阳县公安局
430681 湖南省汨罗市 汨罗市公安局
430702 湖南省常德市武陵区 常德市公安局武陵分局
430723 湖南省澧县 澧县公安局
430802 湖南省张家界市永定区 张家界市公安局永定分局
430903 湖南省益阳市赫山区 益阳市公安局赫山分局
431002 湖南省郴州市北湖区 郴州市公安局北湖分局
431103 湖南省永州市冷水滩区 永州市公安局冷水滩分局
431202 湖南省怀化市鹤城区 怀化市公安局鹤城分局
431224 湖南省溆浦县 溆浦县公安局
431302 湖南省娄底市娄星区 娄底市公安局娄星分局
433101 湖南省吉首市 吉首市公安局
433125 湖南省保靖县 保靖县公安局
""".strip().splitlines()
]
_STREETS = (
    "五一大道 韶山北路 解放西路 劳动路 八一路 车站北路 桐梓坡路 金星北路 潇湘大道 人民路".split()
)
_TOWNS = "花明楼镇 永安镇 白果镇 石门桥镇 金塘镇 桃花江镇 荷花坪乡 水口镇 高坪乡 龙田镇".split()
_VILLAGES = "桃源村 新民村 长岭村 杉木村 光明村 团结村 白竹村 清水村 和平村".split()
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def check_char(body: str) -> str:
    """GB 11643-1999: the weighted sum of the 17 digits, mod 11, picks the last character."""
    return "10X98765432"[sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True)) % 11]


@dataclass(frozen=True)
class Holder:
    name: str
    sex: str
    ethnicity: str
    born: date
    address: str
    number: str
    issuer: str
    valid_from: date
    valid_until: date | None  # None: 长期

    def fields(self) -> IdCardFields:
        return IdCardFields(
            name=self.name,
            sex=self.sex,
            ethnicity=self.ethnicity,
            birth_date=self.born,
            address=self.address,
            id_number=self.number,
            issuer=self.issuer,
            valid_from=self.valid_from,
            valid_until=self.valid_until,
            long_term=self.valid_until is None,
        )

    @property
    def address_lines(self) -> list[str]:
        """The card wraps the address every 11 characters."""
        return [self.address[i : i + 11] for i in range(0, len(self.address), 11)]


def _years_later(day: date, years: int) -> date:
    return date(day.year + years, day.month, min(day.day, 28))


def holder(rng: random.Random, today: date) -> Holder:
    code, start, office = rng.choice(_PLACES)
    age = rng.choices((rng.randint(17, 25), rng.randint(26, 45), rng.randint(46, 58)), (5, 4, 1))[0]
    born = date(today.year - age, 1, 1) - timedelta(days=rng.randrange(365))
    sex = "男" if rng.random() < 0.5 else "女"
    serial = rng.randrange(0, 500) * 2 + (1 if sex == "男" else 0)  # odd for men
    body = f"{code}{born:%Y%m%d}{serial:03d}"
    roll = rng.random()
    ethnicity = (
        "汉" if roll < 0.7 else rng.choice(_LOCAL_MINORITIES) if roll < 0.9 else rng.choice(_ETHNIC)
    )
    surname = rng.choice(_COMPOUND) if rng.random() < 0.05 else rng.choice(_SURNAMES)
    name = surname + "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2, 2, 2))))
    if rng.random() < 0.5:
        rest = f"{rng.choice(_STREETS)}{rng.randint(1, 399)}号"
        rest += rng.choice(("", f"{rng.randint(1, 30)}栋{rng.randint(1, 6)}0{rng.randint(1, 9)}"))
    else:
        rest = f"{rng.choice(_TOWNS)}{rng.choice(_VILLAGES)}{rng.randint(1, 15)}组"
        rest += rng.choice(("", f"{rng.randint(1, 99)}号"))
    issued_age = rng.randint(max(16, age - 19), age)
    issued = _years_later(born, issued_age) + timedelta(days=rng.randrange(200))
    while issued >= today:
        issued -= timedelta(days=365)
    term = 10 if issued_age < 26 else 20 if issued_age < 46 else None
    until = None if term is None else _years_later(issued, term)
    if until is not None and until <= today:  # renewed: a card valid today
        issued, until = _years_later(issued, term or 0), _years_later(until, term or 0)
        issued = min(issued, today - timedelta(days=30))
    return Holder(
        name=name,
        sex=sex,
        ethnicity=ethnicity,
        born=born,
        address=start + rest,
        number=body + check_char(body),
        issuer=office,
        valid_from=issued,
        valid_until=until,
    )


@cache
def _font(path: str, index: int, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size, index=index)


def _paper(rng: random.Random, back: bool) -> Image.Image:
    """Pale card stock with a faint tint gradient and the wavy security print."""
    y, x = np.mgrid[0:CARD_H, 0:CARD_W].astype(np.float32)
    tint = np.array((236, 240, 238) if back else (240, 238, 232), np.float32)
    tint += np.array([rng.uniform(-6, 6) for _ in range(3)], np.float32)
    base = tint + (x / CARD_W - 0.5)[..., None] * np.array((-6, 2, 8), np.float32)
    waves = np.zeros((CARD_H, CARD_W), np.float32)
    for k in range(3):
        freq, phase = rng.uniform(0.004, 0.012), rng.uniform(0, 6.3)
        waves += np.sin(x * freq + np.sin(y * freq * 1.7 + phase) * (2 + k))
    pattern = (np.abs(waves) < 0.08).astype(np.float32)[..., None]
    ink = np.array((rng.uniform(8, 20), rng.uniform(4, 14), rng.uniform(-4, 6)), np.float32)
    paper = base - pattern * ink
    return Image.fromarray(np.clip(paper, 0, 255).astype(np.uint8))


@cache
def _portrait(path: Path) -> Image.Image:
    """The face fixture framed as the card's photo (head in the upper middle), its background
    lightened towards white as the card's print does."""
    image = Image.open(path).convert("RGB")
    gray = cv2.cvtColor(np.asarray(image), cv2.COLOR_RGB2GRAY)
    cascade = cv2.CascadeClassifier(
        str(Path(cv2.__file__).parent / "data" / "haarcascade_frontalface_default.xml")
    )
    found = cascade.detectMultiScale(gray, 1.1, 5, minSize=(40, 40))
    if len(found) == 0:
        fx, fy, fw = image.width * 0.25, image.height * 0.15, image.width * 0.5
    else:
        fx, fy, fw, _ = (float(v) for v in max(found, key=lambda f: f[2] * f[3]))
    width = min(fw * 2.0, image.width, image.height * 0.81)
    height = width / 0.81
    left = min(max(fx + fw / 2 - width / 2, 0), image.width - width)
    top = min(max(fy - 0.45 * fw, 0), image.height - height)
    crop = image.crop((round(left), round(top), round(left + width), round(top + height)))
    return Image.blend(crop, Image.new("RGB", crop.size, (236, 236, 236)), 0.12)


def _faces() -> list[Path]:
    return sorted(
        p for p in FACES.glob("*.*") if p.suffix in (".jpg", ".png") and "partial" not in p.stem
    )


def _mm(rng: random.Random, at: float, spread: float = 0.4) -> int:
    return round((at + rng.uniform(-spread, spread)) * MM)


def draw_front(h: Holder, rng: random.Random) -> Image.Image:
    card = _paper(rng, back=False)
    draw = ImageDraw.Draw(card)
    vfont, lfont = rng.choice(VALUE_FONTS), rng.choice(LABEL_FONTS)
    value = _font(*vfont, round(rng.uniform(3.0, 3.4) * MM))
    label = _font(*lfont, round(rng.uniform(2.5, 2.8) * MM))
    label_ink = (rng.randint(40, 70), rng.randint(110, 140), rng.randint(170, 200))
    ink = (rng.randint(0, 30), rng.randint(0, 30), rng.randint(0, 35))
    lx, vx = _mm(rng, 5.0), _mm(rng, 15.5)
    row = [_mm(rng, 7.2, 0.3) + round(k * 6.6 * MM) for k in range(4)]
    for text, y in zip(("姓名", "性别", "出生", "住址"), row, strict=True):
        draw.text((lx, y + 4), text, font=label, fill=label_ink)
    draw.text((vx, row[0]), h.name, font=value, fill=ink)
    draw.text((vx, row[1]), h.sex, font=value, fill=ink)
    ex = vx + _mm(rng, 12.5)
    draw.text((ex, row[1] + 4), "民族", font=label, fill=label_ink)
    draw.text((ex + _mm(rng, 9.5, 0.3), row[1]), h.ethnicity, font=value, fill=ink)
    x = float(vx)
    for part, unit, room in ((f"{h.born.year}", "年", 1.6), (f"{h.born.month}", "月", 1.2)):
        draw.text((x, row[2]), part, font=value, fill=ink)
        x += value.getlength(part) + 0.9 * MM
        draw.text((x, row[2] + 4), unit, font=label, fill=label_ink)
        x += label.getlength(unit) + room * MM
    draw.text((x, row[2]), f"{h.born.day}", font=value, fill=ink)
    x += value.getlength(f"{h.born.day}") + 0.9 * MM
    draw.text((x, row[2] + 4), "日", font=label, fill=label_ink)
    leading = rng.uniform(4.4, 4.9) * MM
    for i, line in enumerate(h.address_lines):
        draw.text((vx, row[3] + round(i * leading)), line, font=value, fill=ink)
    ny = _mm(rng, 44.0, 0.4)
    draw.text((lx, ny + 6), "公民身份号码", font=label, fill=label_ink)
    digits = _font(*rng.choice(NUMBER_FONTS), round(rng.uniform(3.4, 3.8) * MM))
    x = lx + label.getlength("公民身份号码") + rng.uniform(6.5, 8.5) * MM
    pitch = rng.uniform(0.25, 0.45) * MM
    for ch in h.number:
        draw.text((x, ny), ch, font=digits, fill=ink)
        x += digits.getlength(ch) + pitch
    pw = _mm(rng, 25.0, 0.5)
    portrait = _portrait(rng.choice(_faces())).resize((pw, round(pw / 0.81)))
    card.paste(portrait, (CARD_W - pw - _mm(rng, 5.0, 0.5), _mm(rng, 6.0, 0.4)))
    return card


def draw_back(h: Holder, rng: random.Random) -> Image.Image:
    card = _paper(rng, back=True)
    draw = ImageDraw.Draw(card)
    red, gold = (rng.randint(190, 220), rng.randint(20, 45), 40), (235, 185, 70)
    cx, cy, r = _mm(rng, 13.0), _mm(rng, 13.5), 9.5 * MM
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=red, outline=gold, width=round(0.5 * MM))
    draw.regular_polygon((cx, cy - 0.25 * r, 0.3 * r), 5, fill=gold)
    for k in range(4):
        angle = math.radians(200 + k * 30)
        draw.regular_polygon(
            (cx + 0.55 * r * math.cos(angle) + 0.35 * r, cy + 0.55 * r * math.sin(angle), 0.08 * r),
            5,
            fill=gold,
        )
    draw.arc((cx - 0.8 * r, cy - 0.8 * r, cx + 0.8 * r, cy + 0.8 * r), 20, 160, fill=gold, width=8)
    title = rng.choice(LABEL_FONTS[:1] + LABEL_FONTS[2:])
    draw.text(
        (_mm(rng, 28.0), _mm(rng, 7.0, 0.3)),
        "中华人民共和国",
        font=_font(*title, round(5.2 * MM)),
        fill=(20, 20, 20),
    )
    draw.text(
        (_mm(rng, 25.0), _mm(rng, 17.0, 0.3)),
        "居民身份证",
        font=_font(*title, round(8.0 * MM)),
        fill=(20, 20, 20),
    )
    value = _font(*rng.choice(VALUE_FONTS), round(rng.uniform(3.0, 3.3) * MM))
    label = _font(*rng.choice(LABEL_FONTS), round(rng.uniform(2.6, 2.9) * MM))
    ink = (rng.randint(0, 30),) * 3
    label_ink = (rng.randint(30, 60), rng.randint(40, 70), rng.randint(60, 90))
    lx, vx = _mm(rng, 17.0), _mm(rng, 31.0)
    iy, vy = _mm(rng, 37.5, 0.3), _mm(rng, 44.3, 0.3)
    draw.text((lx, iy + 4), "签发机关", font=label, fill=label_ink)
    draw.text((vx, iy), h.issuer, font=value, fill=ink)
    draw.text((lx, vy + 4), "有效期限", font=label, fill=label_ink)
    until = "长期" if h.valid_until is None else f"{h.valid_until:%Y.%m.%d}"
    draw.text((vx, vy), f"{h.valid_from:%Y.%m.%d}-{until}", font=value, fill=ink)
    return card


FRAMES = (  # (width, height) of portrait frames; landscape ones are these turned
    (3000, 4000), (2448, 3264), (1536, 2048), (1200, 1600), (960, 1280),
    (2160, 3840), (1080, 1920), (720, 1280),
)  # fmt: skip


@dataclass(frozen=True)
class Shot:
    """How one side was photographed (kept for reading a failure)."""

    frame: tuple[int, int]  # width, height as the photo is seen (upright)
    turned: int  # the card's turn in the frame, degrees counter-clockwise: 0, 90, 180, 270
    fill: float  # the card's long side over the frame's side along it
    tilt: float  # perspective: the largest corner shift, share of the card's width
    background: str  # desk, fabric, hand
    blur: float  # Gaussian sigma, uploaded px
    noise: float
    quality: int
    exif: int  # EXIF orientation tag the file carries (1: stored upright)

    @classmethod
    def draw(cls, rng: random.Random) -> Shot:
        w, h = rng.choice(FRAMES)
        portrait = rng.random() < 0.7
        frame = (w, h) if portrait else (h, w)
        turned = 90 if portrait and rng.random() < 0.35 else 0
        if rng.random() < 0.15:
            turned += 180
        along = frame[1] if turned % 180 else frame[0]  # frame side along the card's long side
        across = frame[0] if turned % 180 else frame[1]
        fill = rng.uniform(0.35, 0.9)
        fill = min(fill, 0.92 * across / (CARD_H / CARD_W) / along / 1.12)  # room for the tilt
        # legible: the value characters (3.2 mm of 85.6) keep MIN_CHAR_PX
        fill = max(fill, MIN_CHAR_PX * 85.6 / 3.2 / along)
        char_px = fill * along * 3.2 / 85.6
        return cls(
            frame=frame,
            turned=turned,
            fill=fill,
            tilt=rng.uniform(0.0, 0.09),
            background=rng.choice(("desk", "fabric", "hand")),
            blur=rng.uniform(0.0, min(0.07 * char_px, 2.5)),
            noise=rng.uniform(1.5, 7.0),
            quality=rng.choice((70, 75, 80, 85, 88, 90, 92, 95)),
            exif=rng.choice((1, 1, 1, 6, 6, 8, 3)),
        )


def _background(kind: str, w: int, h: int, rng: random.Random) -> np.ndarray:
    """Drawn at a quarter of the frame's size (a desk is out of focus anyway), then enlarged."""
    np_rng = np.random.default_rng(rng.randrange(2**32))
    sw, sh = w // 4, h // 4
    y, x = np.mgrid[0:sh, 0:sw].astype(np.float32)
    if kind == "desk":  # wood grain: stretched noise bands
        colour = np.array(rng.choice(((150, 105, 70), (190, 160, 120), (95, 70, 50))), np.float32)
        bands = cv2.resize(np_rng.normal(0, 1, (8, 64)).astype(np.float32), (sw, sh))
        out = colour + (np.sin(y / sh * rng.uniform(40, 90) + bands * 3.0) * 12)[..., None]
    elif kind == "fabric":  # a woven cloth: two fine orthogonal threads
        colour = np.array(
            rng.choice(((70, 80, 110), (120, 60, 60), (80, 100, 80), (60, 60, 65))), np.float32
        )
        period = max(sw, sh) / rng.uniform(120, 220)
        weave = np.sin(x / period * 2 * np.pi) * np.sin(y / period * 2 * np.pi)
        out = colour + (weave * 10)[..., None]
    else:  # a palm under the card, the floor around it
        skin = np.array(rng.choice(((224, 180, 150), (200, 150, 115), (170, 120, 90))), np.float32)
        floor = np.array((90, 90, 95), np.float32) + np.float32(rng.uniform(-20, 40))
        palm = ((x / sw - 0.5) / 0.45) ** 2 + ((y / sh - 0.6) / 0.5) ** 2 < 1
        out = cv2.GaussianBlur(np.where(palm[..., None], skin, floor), (0, 0), max(sw, sh) / 300)
    enlarged: np.ndarray = cv2.resize(out.astype(np.float32), (w, h))
    return enlarged


def _thumb(photo: np.ndarray, corners: np.ndarray, rng: random.Random, skin: np.ndarray) -> None:
    """A thumb over the card's bottom edge, below the number, covering no print."""
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = corners
    t = rng.uniform(0.3, 0.6)
    bx, by = x3 + (x2 - x3) * t, y3 + (y2 - y3) * t  # a point on the bottom edge
    width = math.dist((x0, y0), (x1, y1))
    down = np.array((x3 - x0, y3 - y0)) / max(math.dist((x0, y0), (x3, y3)), 1)
    centre = (bx + down[0] * width * 0.05, by + down[1] * width * 0.05)
    axes = (round(width * 0.07), round(width * 0.085))
    angle = math.degrees(math.atan2(down[1], down[0]))
    mask = np.zeros(photo.shape[:2], np.uint8)
    cv2.ellipse(mask, (round(centre[0]), round(centre[1])), axes, angle, 0, 360, 255, -1)
    soft = cv2.GaussianBlur(mask, (0, 0), width * 0.004 + 1).astype(np.float32)[..., None] / 255
    photo *= 1 - soft
    photo += soft * skin


def photograph(card: Image.Image, shot: Shot, rng: random.Random) -> bytes:
    w, h = shot.frame
    along = h if shot.turned % 180 else w
    cw = shot.fill * along  # the card's width in the photo
    ch = cw * CARD_H / CARD_W
    src = np.array([[0, 0], [CARD_W, 0], [CARD_W, CARD_H], [0, CARD_H]], np.float32)
    local = np.array([[-cw / 2, -ch / 2], [cw / 2, -ch / 2], [cw / 2, ch / 2], [-cw / 2, ch / 2]])
    local += np.array([[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(4)]) * shot.tilt * cw
    angle = math.radians(shot.turned + rng.uniform(-6, 6))
    rot = np.array([[math.cos(angle), math.sin(angle)], [-math.sin(angle), math.cos(angle)]])
    placed = local @ rot.T
    span = placed.max(axis=0) - placed.min(axis=0)
    room = np.maximum((np.array((w, h)) - span) / 2 - 0.02 * min(w, h), 0)
    centre = np.array((w / 2, h / 2)) + np.array([rng.uniform(-1, 1) for _ in range(2)]) * room
    corners = (placed + centre).astype(np.float32)
    low, high = corners.min(axis=0), corners.max(axis=0)
    margin = 0.01 * min(w, h)
    shrink = min(
        1.0,
        *((centre[k] - margin) / max(centre[k] - low[k], 1) for k in (0, 1)),
        *(((w, h)[k] - margin - centre[k]) / max(high[k] - centre[k], 1) for k in (0, 1)),
    )
    corners = (placed * shrink + centre).astype(np.float32)  # the whole card stays in the frame
    matrix = cv2.getPerspectiveTransform(src, corners)
    rgba = np.dstack([np.asarray(card), np.full((CARD_H, CARD_W), 255, np.uint8)])
    warped = cv2.warpPerspective(
        rgba, matrix, (w, h), flags=cv2.INTER_AREA if cw < CARD_W else cv2.INTER_LINEAR
    )
    alpha = warped[..., 3:].astype(np.float32) / 255
    background = _background(shot.background, w, h, rng)
    photo = background * (1 - alpha) + warped[..., :3].astype(np.float32) * alpha
    if shot.background == "hand":
        _thumb(photo, corners, rng, background[int(h * 0.6), int(w * 0.5)])
    y, x = np.mgrid[0 : h // 8, 0 : w // 8].astype(np.float32)  # light varies slowly
    u, v = x / (w // 8) - 0.5, y / (h // 8) - 0.5
    direction = rng.uniform(0, 2 * math.pi)
    light = 1 + rng.uniform(0.05, 0.3) * (u * math.cos(direction) + v * math.sin(direction))
    light -= rng.uniform(0.0, 0.35) * (u * u + v * v)  # vignetting
    if rng.random() < 0.5:  # the soft shadow of a phone or a hand, across part of the card
        edge = (u * math.cos(direction + 1.2) + v * math.sin(direction + 1.2)) - rng.uniform(
            -0.2, 0.2
        )
        light *= 1 - rng.uniform(0.15, 0.4) / (1 + np.exp(-edge / rng.uniform(0.02, 0.06)))
    cast = np.array(
        rng.choice(((1.0, 1.0, 1.0), (1.08, 1.0, 0.84), (0.92, 1.0, 1.1), (0.96, 1.04, 0.92))),
        np.float32,
    )
    exposure = rng.uniform(0.8, 1.08)
    light = cv2.resize(light.astype(np.float32) * exposure, (w, h), interpolation=cv2.INTER_LINEAR)
    photo = photo * light[..., None] * cast
    if shot.blur > 0.3:
        photo = cv2.GaussianBlur(photo, (0, 0), shot.blur)
    np_rng = np.random.default_rng(rng.randrange(2**32))
    grain = np_rng.normal(0, 1, (h // 2 + 1, w // 2 + 1)).astype(np.float32)  # luma, a bit coarse
    noise = cv2.resize(grain, (w, h))
    photo += (noise * shot.noise * np.sqrt(np.clip(photo.mean(axis=2), 10, 255) / 128))[..., None]
    shot_u8 = np.clip(photo, 0, 255).astype(np.uint8)
    soft = cv2.GaussianBlur(shot_u8, (0, 0), 1.2)  # the phone's own sharpening
    amount = rng.uniform(0.2, 0.6)
    image = Image.fromarray(cv2.addWeighted(shot_u8, 1 + amount, soft, -amount, 0))
    stored = {
        1: image,
        6: image.transpose(Image.Transpose.ROTATE_90),
        8: image.transpose(Image.Transpose.ROTATE_270),
        3: image.transpose(Image.Transpose.ROTATE_180),
    }[shot.exif]
    exif = Image.Exif()
    exif[0x0112] = shot.exif
    exif[0x010F] = "Phone"
    buffer = io.BytesIO()
    stored.save(buffer, "JPEG", quality=shot.quality, subsampling=2, exif=exif.tobytes())
    return buffer.getvalue()


@dataclass(frozen=True)
class PhonePair:
    holder: Holder
    front_jpeg: bytes
    back_jpeg: bytes
    front_shot: Shot
    back_shot: Shot


def make_phone_pair(seed: int, today: date = date(2026, 3, 1)) -> PhonePair:
    """Both sides of one card as a phone photographs them; every field legible to a person."""
    rng = random.Random(f"phone-{seed}")
    someone = holder(rng, today)
    shots = Shot.draw(rng), Shot.draw(rng)
    return PhonePair(
        someone,
        photograph(draw_front(someone, rng), shots[0], rng),
        photograph(draw_back(someone, rng), shots[1], rng),
        *shots,
    )
