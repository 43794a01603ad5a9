"""A third ID-card generator, written apart from synthetic/idcard.py and synthetic/idcard_hard.py
(no shared drawing, identity or camera code) so the ID step is measured on cards it was never
tuned on. Tests-only data.

Ordinary pictures of cards every person can read: other fonts (the Debian CJK faces the other
two leave out: Micro Hei Mono, Noto Sans Mono CJK, Noto Serif bold, the regular-weight numbers),
the real layout with its own jitter of positions and spacing, other paper tints and security
print, backgrounds, brightness offsets, light gradients, rotation 0–4°, mild blur, the card
filling 50–90 % of the frame, JPEG 45–95 — no glare, no shadow, no clipping of the print.
Identities are drawn here too: all 56 民族 as printed, compound surnames, names of one to three
given characters, transliterated names with 「·」, addresses of 2–3 printed lines with lettered
blocks (B座) and hyphenated rooms (3-2-501), numbers with a correct GB 11643 check character.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from domain.identity import IdCardFields

PX_PER_MM = 14
CARD_W, CARD_H = round(85.6 * PX_PER_MM), round(54 * PX_PER_MM)
NOTO = "/usr/share/fonts/opentype/noto/"
WQY = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
VALUE_FACES = [  # (file, face index)
    (WQY, 1),  # WenQuanYi Micro Hei Mono
    (NOTO + "NotoSansCJK-Regular.ttc", 7),  # Noto Sans Mono CJK SC
    (NOTO + "NotoSerifCJK-Bold.ttc", 2),  # Noto Serif CJK SC Bold
    (NOTO + "NotoSansCJK-Regular.ttc", 3),  # Noto Sans CJK TC (simplified text, TC glyphs)
    (NOTO + "NotoSerifCJK-Regular.ttc", 0),  # Noto Serif CJK JP
]
LABEL_FACES = [
    (WQY, 0),
    (NOTO + "NotoSansCJK-Regular.ttc", 2),
    (NOTO + "NotoSerifCJK-Bold.ttc", 2),
]
DIGIT_FACES = [
    ("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf", 0),
    ("/usr/share/fonts/truetype/liberation/LiberationMono-Regular.ttf", 0),
    (WQY, 1),
    (NOTO + "NotoSansCJK-Regular.ttc", 7),
]
FACES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "faces"
_CASCADE = "haarcascade_frontalface_alt2.xml"
PHOTO_SIZES = ((1024, 768), (1280, 960), (1600, 1200), (2048, 1536), (3024, 2268), (1920, 1080))

# 民族 as the card prints them (GB 3304 without 族), weighted like Hunan's population roughly.
ETHNIC = (
    "汉 蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水 "  # noqa: E501
    "东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 "  # noqa: E501
    "俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺"
).split()
HUNAN_MINORITIES = "土家 苗 侗 瑶 白 回 壮 维吾尔".split()
SURNAMES = (
    "王 李 张 刘 陈 杨 黄 赵 周 吴 徐 孙 胡 朱 高 林 何 郭 马 罗 梁 宋 郑 谢 韩 唐 冯 于 董 萧 程 曹 袁 邓 "  # noqa: E501
    "许 傅 沈 曾 彭 吕 苏 卢 蒋 蔡 贾 丁 魏 薛 叶 阎 余 潘 杜 戴 夏 钟 汪 田 任 姜 范 方 石 姚 谭 廖 邹 "  # noqa: E501
    "熊 金 陆 郝 孔 白 崔 康 毛 邱 秦 江 史 顾 侯 邵 孟 龙 万 段 雷 钱 汤 尹 黎 易 常 武 乔 贺 赖 龚 文 "  # noqa: E501
    "欧阳 司马 诸葛 上官 东方"
).split()
GIVEN = (
    "子 文 思 嘉 俊 宇 浩 泽 梓 欣 雨 一 晨 佳 若 诗 语 天 明 志 建 国 华 丽 秀 玉 兰 桂 英 霞 "
    "红 军 平 伟 勇 斌 峰 杰 涛 波 辉 鑫 磊 超 婷 倩 琳 敏 静 燕 娟 芳 颖 慧 洁 蕾 蓉 湘 楚 沅 澧 岳 "  # noqa: E501
    "衡 韶 雅 博 睿 涵 轩 瑞 凯 航 铭 鹏 旭 彬 锋 琦 璐 瑶 萱 怡 悦 菲 薇 妍 晗 昊 煜 逸"
).split()
# county code, province, prefecture ("-": none), county, issuing police office; one a line
COUNTIES = [
    (code, province, "" if city == "-" else city, county, issuer)
    for code, province, city, county, issuer in (
        row.split()
        for row in """
430121 湖南省 长沙市 长沙县 长沙县公安局
430112 湖南省 长沙市 望城区 长沙市公安局望城分局
430182 湖南省 长沙市 宁乡市 宁乡市公安局
430211 湖南省 株洲市 天元区 株洲市公安局天元分局
430223 湖南省 株洲市 攸县 攸县公安局
430321 湖南省 湘潭市 湘潭县 湘潭县公安局
430381 湖南省 湘潭市 湘乡市 湘乡市公安局
430408 湖南省 衡阳市 蒸湘区 衡阳市公安局蒸湘分局
430426 湖南省 衡阳市 祁东县 祁东县公安局
430521 湖南省 邵阳市 邵东市 邵东市公安局
430528 湖南省 邵阳市 新宁县 新宁县公安局
430611 湖南省 岳阳市 君山区 岳阳市公安局君山分局
430682 湖南省 岳阳市 临湘市 临湘市公安局
430726 湖南省 常德市 石门县 石门县公安局
430821 湖南省 张家界市 慈利县 慈利县公安局
430923 湖南省 益阳市 安化县 安化县公安局
431021 湖南省 郴州市 桂阳县 桂阳县公安局
431126 湖南省 永州市 宁远县 宁远县公安局
431229 湖南省 怀化市 靖州苗族侗族自治县 靖州苗族侗族自治县公安局
431230 湖南省 怀化市 通道侗族自治县 通道侗族自治县公安局
431382 湖南省 娄底市 涟源市 涟源市公安局
433127 湖南省 湘西土家族苗族自治州 永顺县 永顺县公安局
433130 湖南省 湘西土家族苗族自治州 龙山县 龙山县公安局
500101 重庆市 - 万州区 重庆市公安局万州区分局
450305 广西壮族自治区 桂林市 七星区 桂林市公安局七星分局
""".strip().splitlines()
    )
]
TRANSLITERATED = {"维吾尔", "哈萨克", "柯尔克孜", "塔吉克", "乌孜别克", "塔塔尔"}
OWN_NAMES = (
    "阿依古丽 买买提 艾力 古丽娜 努尔 热依拉 吐尔逊 阿布都 迪丽拜尔 帕提古丽 依明 库尔班".split()
)
ROADS = "芙蓉中路 万家丽北路 雨花亭街 书院路 枫林三路 建设南路 红旗路 人民西路 迎宾东路 梅溪湖路".split()  # noqa: E501
TOWNS = "城关镇 白沙镇 金江镇 双峰镇 龙潭镇 茶陵镇 黄土店镇 三塘镇 大坪乡 高桥乡".split()
HAMLETS = "枫树村 石桥村 大塘村 荷叶村 新屋村 竹山村 杨柳村 金盆村".split()
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def check_digit(body: str) -> str:
    """GB 11643-1999 check character of the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True))
    return "10X98765432"[total % 11]


@dataclass(frozen=True)
class Person:
    name: str
    sex: str
    ethnicity: str
    born: date
    address_lines: tuple[str, ...]
    number: str
    issuer: str
    valid_from: date
    valid_until: date | None

    def fields(self) -> IdCardFields:
        """What the card says, as the ID step answers it."""
        said = {k: getattr(self, k) for k in ("name", "sex", "ethnicity", "issuer", "valid_from")}
        said |= {"birth_date": self.born, "id_number": self.number}
        said |= {"address": "".join(self.address_lines), "valid_until": self.valid_until}
        return IdCardFields.model_validate({**said, "long_term": self.valid_until is None})


def _plus_years(day: date, years: int) -> date:
    return day.replace(year=day.year + years, day=min(day.day, 28) if day.month == 2 else day.day)


def _term(age: int) -> int | None:
    return 5 if age < 16 else 10 if age < 26 else 20 if age < 46 else None


def person(rng: random.Random, today: date) -> Person:
    code, province, city, county, issuer = rng.choice(COUNTIES)
    born = date(today.year - rng.randint(18, 62), rng.randint(1, 12), rng.randint(1, 28))
    sex = rng.choice("男女")
    order = rng.randrange(0, 500) * 2 + (1 if sex == "男" else 0)
    body = f"{code}{born:%Y%m%d}{order:03d}"
    roll = rng.random()
    ethnicity = "汉" if roll < 0.6 else rng.choice(HUNAN_MINORITIES if roll < 0.8 else ETHNIC)
    surname = rng.choice(SURNAMES)
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2, 2, 3))))
    if ethnicity in TRANSLITERATED and rng.random() < 0.7:  # 阿依古丽·买买提
        surname, given = f"{rng.choice(OWN_NAMES)}·", rng.choice(OWN_NAMES)
    if rng.random() < 0.55:
        place = f"{rng.choice(ROADS)}{rng.randint(1, 1200)}号"
        kind = rng.random()
        if kind < 0.3:
            place += f"{rng.randint(1, 40)}栋{rng.randint(101, 3206)}房"
        elif kind < 0.45:  # a lettered block: A栋, B座
            place += f"{rng.choice('ABCDE')}{rng.choice('栋座区')}{rng.randint(101, 2806)}室"
        elif kind < 0.55:  # block-unit-room written with hyphens
            place += f"{rng.randint(1, 12)}-{rng.randint(1, 6)}-{rng.randint(101, 1806)}"
    else:
        place = f"{rng.choice(TOWNS)}{rng.choice(HAMLETS)}{rng.randint(1, 15)}组"
        if rng.random() < 0.4:
            place += f"{rng.randint(1, 99)}号"
    address = f"{province}{city}{county}{place}"[:33]
    lines = tuple(address[i : i + 11] for i in range(0, len(address), 11))  # as the card wraps
    # the last card: issued at 16 or renewed later, still valid today
    term: int | None = 10
    issued = today
    for _ in range(20):
        issued = today - timedelta(days=rng.randint(60, 20 * 365))
        age = issued.year - born.year - ((issued.month, issued.day) < (born.month, born.day))
        if age < 16:
            continue
        term = _term(age)
        if term is None or _plus_years(issued, term) > today + timedelta(days=30):
            break
    else:
        issued = today - timedelta(days=rng.randint(60, 700))
        term = 20
    until = None if term is None else _plus_years(issued, term)
    return Person(
        surname + given,
        sex,
        ethnicity,
        born,
        lines,
        body + check_digit(body),
        issuer,
        issued,
        until,
    )


@cache
def _face(path: str, index: int, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size, index=index)


def _paper(rng: random.Random, back: bool) -> Image.Image:
    """Pale tinted card, security print of fine diagonal hatching and concentric rings."""
    tints = [(244, 242, 234), (236, 241, 246), (243, 237, 238), (238, 243, 236), (246, 244, 240)]
    tint = np.array(rng.choice(tints), np.float32) + rng.uniform(-4, 4)
    y, x = np.mgrid[0:CARD_H, 0:CARD_W].astype(np.float32)
    base = np.broadcast_to(tint, (CARD_H, CARD_W, 3)).copy()
    hatch = np.sin((x + y) / rng.uniform(3.0, 5.0)) > 0.92
    cx, cy = rng.uniform(0.3, 0.8) * CARD_W, rng.uniform(0.3, 0.7) * CARD_H
    rings = np.sin(np.hypot(x - cx, y - cy) / rng.uniform(4, 7)) > 0.95
    shade = np.array((10, 6, 2) if back else (4, 6, 10), np.float32)
    base -= hatch[..., None] * shade * 0.6 + rings[..., None] * shade * 0.5
    base += (y / CARD_H - 0.5)[..., None] * rng.uniform(-8, 8)
    return Image.fromarray(np.clip(base, 0, 255).astype(np.uint8))


@cache
def _portrait_source(path: Path) -> Image.Image:
    """The face photo framed like an ID photo (358 : 441, the head about half the width) around
    the face OpenCV's alt2 Haar cascade finds; without one, the top middle of the picture."""
    image = Image.open(path).convert("RGB")
    gray = cv2.equalizeHist(cv2.cvtColor(np.asarray(image), cv2.COLOR_RGB2GRAY))
    cascade = cv2.CascadeClassifier(str(Path(cv2.__file__).parent / "data" / _CASCADE))
    found = cascade.detectMultiScale(gray, 1.05, 6, minSize=(32, 32))
    if len(found) == 0:
        fx, fy, fw = image.width * 0.3, image.height * 0.1, image.width * 0.4
    else:
        fx, fy, fw, _ = (float(v) for v in max(found, key=lambda f: f[2] * f[3]))
    width = min(fw * 1.9, image.width, image.height * 358 / 441)
    height = width * 441 / 358
    left = min(max(fx + fw / 2 - width / 2, 0), image.width - width)
    top = min(max(fy - 0.4 * fw, 0), image.height - height)
    return image.crop((round(left), round(top), round(left + width), round(top + height)))


def _faces() -> list[Path]:
    return sorted(
        p for p in FACES.iterdir() if p.suffix in (".jpg", ".png") and "partial" not in p.stem
    )


def _j(rng: random.Random, value: float, spread: float) -> int:
    return round(value + rng.uniform(-spread, spread))


def front(p: Person, rng: random.Random) -> Image.Image:
    card = _paper(rng, back=False)
    draw = ImageDraw.Draw(card)
    mm = PX_PER_MM
    vface, lface = rng.choice(VALUE_FACES), rng.choice(LABEL_FACES)
    blue = (rng.randint(30, 80), rng.randint(100, 140), rng.randint(160, 200))
    ink = (rng.randint(10, 70),) * 3
    x_label = _j(rng, 5.2 * mm, 0.6 * mm)
    x_value = x_label + _j(rng, 10.5 * mm, 0.5 * mm)
    pw = _j(rng, 25.5 * mm, 0.8 * mm)  # the portrait, right of the values
    portrait_at = (CARD_W - pw - _j(rng, 5.5 * mm, 0.8 * mm), _j(rng, 6.5 * mm, 0.6 * mm))
    # value characters ~3.3 mm; an 11-character address line ends before the portrait
    size = min(rng.uniform(3.1, 3.5) * mm, (portrait_at[0] - x_value - 1.2 * mm) / 11)
    value = _face(*vface, round(size))
    label = _face(*lface, round(size * rng.uniform(0.8, 0.9)))
    pitch = rng.uniform(6.4, 7.2) * mm
    y0 = _j(rng, 8.0 * mm, 0.7 * mm)
    rows = [y0 + round(k * pitch + rng.uniform(-0.3, 0.3) * mm) for k in range(4)]
    drop = round(size * 0.08)  # labels are smaller: lower them onto the values' baseline
    for text, y in zip(("姓名", "性别", "出生", "住址"), rows, strict=True):
        draw.text((x_label, y + drop), text, font=label, fill=blue)
    draw.text((x_value, rows[0] - round(0.1 * size)), p.name, font=value, fill=ink)
    draw.text((x_value, rows[1]), p.sex, font=value, fill=ink)
    x_eth = x_value + _j(rng, 12 * mm, 1.0 * mm)
    draw.text((x_eth, rows[1] + drop), "民族", font=label, fill=blue)
    draw.text(
        (x_eth + label.getlength("民族") + _j(rng, 3 * mm, 0.8 * mm), rows[1]),
        p.ethnicity,
        font=value,
        fill=ink,
    )
    x = float(x_value)
    gap = rng.uniform(0.6, 1.6) * mm
    for part, unit in (
        (str(p.born.year), "年"),
        (str(p.born.month), "月"),
        (str(p.born.day), "日"),
    ):
        draw.text((x, rows[2]), part, font=value, fill=ink)
        x += value.getlength(part) + gap
        draw.text((x, rows[2] + drop), unit, font=label, fill=blue)
        x += label.getlength(unit) + gap * rng.uniform(1.5, 3)
    leading = rng.uniform(1.3, 1.5) * size
    for i, line in enumerate(p.address_lines):
        draw.text((x_value, rows[3] + round(i * leading)), line, font=value, fill=ink)
    y_number = _j(rng, 45.5 * mm, 0.8 * mm)
    draw.text((x_label, y_number + drop), "公民身份号码", font=label, fill=blue)
    digits = _face(*rng.choice(DIGIT_FACES), round(size * rng.uniform(1.05, 1.2)))
    x = x_label + label.getlength("公民身份号码") + rng.uniform(4, 8) * mm
    track = rng.uniform(0.05, 0.3) * mm
    for ch in p.number:
        draw.text((x, y_number - 2), ch, font=digits, fill=ink)
        x += digits.getlength(ch) + track
    portrait = _portrait_source(rng.choice(_faces()))
    card.paste(portrait.resize((pw, round(pw * 441 / 358))), portrait_at)
    return card


def back(p: Person, rng: random.Random) -> Image.Image:
    card = _paper(rng, back=True)
    draw = ImageDraw.Draw(card)
    mm = PX_PER_MM
    cx, cy, r = _j(rng, 13 * mm, 1 * mm), _j(rng, 14 * mm, 1 * mm), rng.uniform(8.5, 10) * mm
    red, gold = (rng.randint(185, 215), 30, 35), (240, 190, 60)
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=gold, width=round(0.6 * mm), fill=red)
    draw.regular_polygon((cx, cy - 0.2 * r, 0.32 * r), 5, fill=gold)
    for k in (-2, -1, 1, 2):
        draw.regular_polygon(
            (cx + k * 0.3 * r, cy + 0.15 * r - abs(k) * 0.1 * r, 0.09 * r), 5, fill=gold
        )
    draw.rectangle((cx - 0.6 * r, cy + 0.5 * r, cx + 0.6 * r, cy + 0.62 * r), fill=gold)
    title_face = rng.choice(LABEL_FACES)
    x_title = _j(rng, 29 * mm, 1.5 * mm)
    draw.text(
        (x_title, _j(rng, 8 * mm, 0.8 * mm)),
        "中华人民共和国",
        font=_face(*title_face, round(5 * mm)),
        fill=(30, 30, 30),
    )
    spaced = rng.choice(("居民身份证", "居 民 身 份 证"))
    draw.text(
        (x_title, _j(rng, 16 * mm, 0.8 * mm)),
        spaced,
        font=_face(*title_face, round(7 * mm)),
        fill=(30, 30, 30),
    )
    size = rng.uniform(3.0, 3.5) * mm
    value = _face(*rng.choice(VALUE_FACES), round(size))
    label = _face(*rng.choice(LABEL_FACES), round(size * 0.9))
    ink = (rng.randint(10, 45),) * 3
    x_label = _j(rng, 17 * mm, 1.0 * mm)
    x_value = x_label + round(label.getlength("签发机关")) + _j(rng, 3 * mm, 0.8 * mm)
    y_issuer = _j(rng, 38.5 * mm, 0.8 * mm)
    y_valid = y_issuer + _j(rng, 7 * mm, 0.5 * mm)
    draw.text((x_label, y_issuer + 2), "签发机关", font=label, fill=ink)
    draw.text((x_value, y_issuer), p.issuer, font=value, fill=ink)
    draw.text((x_label, y_valid + 2), "有效期限", font=label, fill=ink)
    until = "长期" if p.valid_until is None else f"{p.valid_until:%Y.%m.%d}"
    dash = rng.choice(("-", "-", "—"))
    draw.text((x_value, y_valid), f"{p.valid_from:%Y.%m.%d}{dash}{until}", font=value, fill=ink)
    return card


@dataclass(frozen=True)
class Lighting:
    size: tuple[int, int]
    fill: float  # card width / photo width
    angle: float  # degrees, 0–4 either way
    offset: float  # added to every level
    gain: float
    slope: tuple[float, float, float]  # gain gradient: direction (radians), depth; and curvature
    blur: float
    noise: float
    quality: int

    @classmethod
    def draw(cls, rng: random.Random) -> Lighting:
        return cls(
            size=rng.choice(PHOTO_SIZES),
            fill=rng.uniform(0.5, 0.9),
            angle=rng.choice((-1, 1)) * rng.uniform(0, 4),
            offset=rng.uniform(-55, 40),
            gain=rng.uniform(0.75, 1.1),
            slope=(rng.uniform(0, 6.283), rng.uniform(0, 0.4), rng.uniform(-0.2, 0.1)),
            blur=rng.uniform(0, 1.8),
            noise=rng.uniform(0.5, 5.0),
            quality=rng.randint(45, 95),
        )


def _surface(rng: random.Random, w: int, h: int) -> np.ndarray:
    colours = [(200, 196, 188), (92, 70, 52), (48, 52, 60), (160, 170, 175), (222, 214, 200)]
    base = np.array(rng.choice(colours), np.float32)
    low = cv2.resize(
        np.array([[rng.uniform(-1, 1) for _ in range(8)] for _ in range(6)], np.float32), (w, h)
    )
    return base + (low * rng.uniform(4, 14))[..., None]


def photograph(card: Image.Image, light: Lighting, rng: random.Random) -> bytes:
    w, h = light.size
    cw = min(light.fill * w, 0.92 * h / (CARD_H / CARD_W))  # the card fits the frame
    scale = cw / CARD_W
    centre = (
        w / 2 + rng.uniform(-0.4, 0.4) * (w - cw) / 2,
        h / 2 + rng.uniform(-0.3, 0.3) * (h - cw * CARD_H / CARD_W) / 2,
    )
    matrix = cv2.getRotationMatrix2D((CARD_W / 2, CARD_H / 2), light.angle, scale)
    matrix[:, 2] += np.array(centre) - np.array((CARD_W / 2, CARD_H / 2))
    rgba = np.dstack([np.asarray(card), np.full((CARD_H, CARD_W), 255, np.uint8)])
    corner = np.zeros((CARD_H, CARD_W), np.uint8)
    cv2.rectangle(corner, (0, 0), (CARD_W - 1, CARD_H - 1), 255, -1)
    rgba[..., 3] = corner
    placed = cv2.warpAffine(
        rgba, matrix, (w, h), flags=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    )
    alpha = placed[..., 3:].astype(np.float32) / 255
    photo = _surface(rng, w, h) * (1 - alpha) + placed[..., :3].astype(np.float32) * alpha
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    u, v = x / w - 0.5, y / h - 0.5
    direction, depth, bow = light.slope
    gain = light.gain * (
        1 + depth * (u * np.cos(direction) + v * np.sin(direction)) + bow * (u * u + v * v)
    )
    photo = photo * gain[..., None] + light.offset
    if light.blur > 0.2:
        photo = cv2.GaussianBlur(photo, (0, 0), light.blur * max(w, h) / 1600)
    photo += np.random.default_rng(rng.randrange(2**32)).normal(0, light.noise, photo.shape)
    buffer = io.BytesIO()
    Image.fromarray(np.clip(photo, 0, 255).astype(np.uint8)).save(
        buffer, "JPEG", quality=light.quality
    )
    return buffer.getvalue()


@dataclass(frozen=True)
class ThirdPair:
    person: Person
    front_jpeg: bytes
    back_jpeg: bytes
    front_light: Lighting
    back_light: Lighting


def make_third_pair(seed: int, today: date = date(2026, 3, 1)) -> ThirdPair:
    """Both sides of one card, photographed under ordinary light; every field stays legible."""
    rng = random.Random(f"third-{seed}")
    someone = person(rng, today)
    lights = Lighting.draw(rng), Lighting.draw(rng)
    return ThirdPair(
        someone,
        photograph(front(someone, rng), lights[0], rng),
        photograph(back(someone, rng), lights[1], rng),
        *lights,
    )
