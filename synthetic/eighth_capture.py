"""Grounds, scenes and the phone's processing for the eighth ID-card generator.

What the seven before it do not draw: a card **held at a steep angle** (one short edge
foreshortened to 72–85 % of the other), a card **small in a 12-megapixel frame** taken from far
and sent whole, a card **on a printed form** (rows of Chinese print around it), printed
cloths (florals, plaid), terrazzo; a **warm low-light** room (tungsten cast, the phone's gain
noise); the phone's **HDR** (local tone mapping that leaves halos round the card and the print)
with **over-sharpening**, a **beauty filter** (edge-keeping smoothing, lifted and pinkish);
a **finger over a blank corner**; **WeChat twice** (1280 px, JPEG 45–70, then again);
a landscape photo whose pixels are stored portrait and turned by the **EXIF tag only**.
Tests-only data.
"""

from __future__ import annotations

import io
import math
import random

import cv2
import numpy as np
from PIL import Image

from synthetic.eighth_card import CARD_H, CARD_W, PX, VALUE_MM, Box

Frame = tuple[int, int]  # width, height
FRAMES: tuple[Frame, ...] = ((4000, 3000), (4032, 3024), (3264, 2448), (1920, 1080), (3000, 4000),
                             (2448, 3264), (1080, 1920))  # fmt: skip
GROUNDS = ("floral", "plaid", "terrazzo", "form", "bedsheet")


def _np(rng: random.Random) -> np.random.Generator:
    return np.random.default_rng(rng.getrandbits(32))


def ground(kind: str, rng: random.Random, size: Frame) -> np.ndarray:
    """What the card lies on, at a fifth of the frame (upscaled: a phone's depth of field)."""
    w, h = size[0] // 4, size[1] // 4
    g = _np(rng)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    if kind == "floral":
        base = np.array([rng.uniform(120, 220) for _ in range(3)])
        img = np.ones((h, w, 3), np.float32) * base
        for _ in range(int(w * h / 900)):
            cx, cy, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(4, 14)
            colour = tuple(rng.uniform(30, 250) for _ in range(3))
            for p in range(5):
                a = p * 2 * math.pi / 5
                cv2.circle(img, (int(cx + r * math.cos(a)), int(cy + r * math.sin(a))),
                           int(r * 0.6), colour, -1, cv2.LINE_AA)  # fmt: skip
    elif kind == "plaid":
        c1, c2 = (np.array([rng.uniform(40, 220) for _ in range(3)]) for _ in range(2))
        pitch = rng.uniform(12, 40)
        sx = (np.sin(xx / pitch * 2 * math.pi) > 0.3).astype(np.float32)
        sy = (np.sin(yy / pitch * 2 * math.pi) > 0.3).astype(np.float32)
        mix = (0.5 * sx + 0.5 * sy)[..., None]
        img = c1 * (1 - mix) + c2 * mix
    elif kind == "terrazzo":
        img = np.ones((h, w, 3), np.float32) * rng.uniform(150, 215)
        for _ in range(int(w * h / 120)):
            c = rng.uniform(40, 240)
            pts = np.array([(rng.uniform(0, w), rng.uniform(0, h))]) + g.normal(0, 2.5, (5, 2))
            cv2.fillPoly(img, [pts.astype(np.int32)], (c, c * 0.95, c * 0.9))
    elif kind == "form":  # a printed form: lines of small Chinese print and table rules
        img = _form(rng, w, h)
    else:  # a bed sheet: soft folds of one colour with a small repeat
        base = np.array([rng.uniform(60, 200) for _ in range(3)])
        fold = 0.85 + 0.15 * np.sin(xx / w * rng.uniform(3, 8) + np.sin(yy / h * 4) * 2)
        dots = ((np.sin(xx / 3.0) * np.sin(yy / 3.0)) > 0.8).astype(np.float32) * 25
        img = base * fold[..., None] + dots[..., None]
    img = img + g.normal(0, 3, img.shape)
    ground: np.ndarray = np.clip(img, 0, 255).astype(np.float32)
    return cv2.resize(ground, size, interpolation=cv2.INTER_CUBIC)


def _form(rng: random.Random, w: int, h: int) -> np.ndarray:
    from PIL import ImageDraw

    from synthetic.eighth_card import _SANS_CJK, _font

    page = Image.new("RGB", (w, h), tuple(rng.randint(228, 248) for _ in range(3)))
    d = ImageDraw.Draw(page)
    font = _font(_SANS_CJK, 2, max(8, h // 40))
    words = "自学考试报名登记表考生姓名身份证号码联系电话通讯地址报考专业考试科目备注签名日期"
    y = h // 30
    while y < h:
        text = "".join(rng.choice(words) for _ in range(rng.randint(8, 40)))
        d.text((w // 30, y), text, font=font, fill=(50, 50, 60))
        d.line((0, y + h // 32, w, y + h // 32), fill=(90, 90, 100), width=1)
        y += h // 22
    return np.asarray(page, np.float32)


def place(rng: random.Random, size: Frame, share: float, keystone: float) -> np.ndarray:
    """The card's corners (TL, TR, BR, BL) in the frame: `share` of the frame's width, turned a
    little, one short edge shortened by `keystone` (held at an angle), wholly inside."""
    w, h = size
    cw = share * min(w, h * CARD_W / CARD_H * 0.95)
    ch = cw * CARD_H / CARD_W
    near, far = 1.0, 1.0 - keystone
    left_first = rng.random() < 0.5
    sl, sr = (far, near) if left_first else (near, far)
    pts = np.array(
        [
            (-cw / 2, -ch / 2 * sl),
            (cw / 2, -ch / 2 * sr),
            (cw / 2, ch / 2 * sr),
            (-cw / 2, ch / 2 * sl),
        ]
    )
    pts[:, 0] *= 1 - keystone * 0.3  # the far side also narrows the card
    a = math.radians(rng.uniform(-8, 8))
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    pts = pts @ rot.T
    span = pts.max(0) - pts.min(0)
    fit = min(1.0, 0.97 * w / span[0], 0.97 * h / span[1])  # turned, it must still fit
    pts, span = pts * fit, span * fit
    room = np.array([w, h]) - span
    at = np.array([rng.uniform(0.08, 0.92), rng.uniform(0.08, 0.92)]) * room
    corners: np.ndarray = (pts - pts.min(0) + at).astype(np.float32)
    return corners


def _soft(mask: np.ndarray, sigma: float) -> np.ndarray:
    """`mask` blurred by `sigma` px, worked at a quarter of its size (cheap on 12 megapixels)."""
    h, w = mask.shape[:2]
    small = cv2.resize(mask, (max(1, w // 4), max(1, h // 4)), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), max(0.5, sigma / 4))
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def lay(card: np.ndarray, corners: np.ndarray, back: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    src = np.array([(0, 0), (CARD_W, 0), (CARD_W, CARD_H), (0, CARD_H)], np.float32)
    m = cv2.getPerspectiveTransform(src, corners)
    size = (back.shape[1], back.shape[0])
    warped = cv2.warpPerspective(card.astype(np.float32), m, size, flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.ones((CARD_H, CARD_W), np.float32), m, size)
    shadow = _soft(mask, max(2.0, size[0] / 300))
    keep = ((1 - 0.35 * shadow) * (1 - mask))[..., None]
    out = back * keep + warped * mask[..., None]
    return out.astype(np.float32), m


def px_per_mm(m: np.ndarray) -> float:
    """The least scale of the card anywhere in the frame (the far edge of a tilted card)."""
    pts = np.array([(0, 0), (CARD_W, 0), (CARD_W, CARD_H), (0, CARD_H)], np.float32)
    p = cv2.perspectiveTransform(pts[None], m)[0]
    left, right = np.linalg.norm(p[3] - p[0]), np.linalg.norm(p[2] - p[1])
    top, bottom = np.linalg.norm(p[1] - p[0]), np.linalg.norm(p[2] - p[3])
    return float(min(min(left, right) / CARD_H, min(top, bottom) / CARD_W) * PX)


def char_px(m: np.ndarray) -> float:
    return VALUE_MM * px_per_mm(m)


def finger(img: np.ndarray, m: np.ndarray, corner: tuple[float, float], rng: random.Random) -> None:
    """A fingertip over the card's blank corner at `corner` (card px), from outside the card."""
    p = cv2.perspectiveTransform(np.array([[corner]], np.float32), m)[0, 0]
    c = cv2.perspectiveTransform(np.array([[(CARD_W / 2, CARD_H / 2)]], np.float32), m)[0, 0]
    scale = px_per_mm(m)
    out = p + (p - c) / np.linalg.norm(p - c) * 14 * scale  # the finger comes from outside
    width = 7.5 * scale
    mask = np.zeros(img.shape[:2], np.float32)
    cv2.line(mask, tuple(int(v) for v in out), tuple(int(v) for v in p), 1.0, int(width))
    cv2.circle(mask, tuple(int(v) for v in p), int(width / 2), 1.0, -1)
    mask = _soft(mask, width / 10)
    skin = np.array([rng.uniform(200, 235), rng.uniform(150, 180), rng.uniform(120, 150)])
    img *= 1 - mask[..., None]
    img += skin * mask[..., None]


def warm_low_light(img: np.ndarray, rng: random.Random) -> np.ndarray:
    g = _np(rng)
    gain = rng.uniform(0.4, 0.6)
    cast = (np.array([1.08, 0.94, 0.72]) * gain).astype(np.float32)
    dark = img * cast
    noise = g.normal(0, rng.uniform(4, 7), img.shape[:2]).astype(np.float32)[..., None]
    chroma = g.normal(0, 2.5, img.shape).astype(np.float32)
    lifted: np.ndarray = (np.clip(dark + noise + chroma, 0, 255) / 255) ** 0.8 * 255  # lifted
    return cv2.GaussianBlur(lifted.astype(np.float32), (0, 0), 0.7)  # and denoised a little


def hdr(img: np.ndarray, rng: random.Random, char: float) -> np.ndarray:
    """Local tone mapping with a wide radius (halos at the card's edges and round dark print)
    and the phone's heavy unsharp mask."""
    wide = _soft(img, rng.uniform(0.015, 0.03) * max(img.shape[:2]))
    local = img + rng.uniform(0.5, 0.9) * (img - wide)
    local = 128 + (local - 128) * 0.85
    fine = cv2.GaussianBlur(local, (0, 0), max(1.0, char * 0.08))
    sharpened: np.ndarray = local + rng.uniform(1.2, 2.2) * (local - fine)
    return sharpened


def beauty(img: np.ndarray, rng: random.Random) -> np.ndarray:
    """A front camera's beauty filter: edge-keeping smoothing, lifted, pinkish, less contrast."""
    out: np.ndarray = img.astype(np.float32)
    for _ in range(rng.randint(1, 2)):
        out = cv2.bilateralFilter(out, 9, rng.uniform(30, 50), 6)
    out = 255 * (out / 255) ** 0.85
    smoothed: np.ndarray = 30 + out * 0.86 * np.array([1.03, 0.99, 1.0], np.float32)
    return smoothed


def defocus(img: np.ndarray, sigma: float) -> np.ndarray:
    return cv2.GaussianBlur(img, (0, 0), sigma) if sigma > 0.3 else img


def encode(rgb: np.ndarray, quality: int, exif_turn: int = 0) -> bytes:
    """JPEG at `quality`; `exif_turn` 6 or 8 stores the pixels turned with the tag set, so a
    viewer that honours the tag shows the frame as it was."""
    data = np.clip(rgb, 0, 255).astype(np.uint8)
    if exif_turn == 6:
        data = np.ascontiguousarray(np.rot90(data, 1))
    elif exif_turn == 8:
        data = np.ascontiguousarray(np.rot90(data, -1))
    image = Image.fromarray(data)
    out = io.BytesIO()
    if exif_turn:
        exif = Image.Exif()
        exif[0x0112] = exif_turn
        image.save(out, "JPEG", quality=quality, exif=exif.tobytes())
    else:
        image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def wechat(data: bytes, rng: random.Random) -> bytes:
    """WeChat's recompression: the long side to 1280 px, JPEG 45–70 (EXIF dropped, the turn
    applied)."""
    from PIL import ImageOps

    image = ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB")
    scale = min(1.0, 1280 / max(image.size))
    if scale < 1:
        image = image.resize((round(image.width * scale), round(image.height * scale)),
                             Image.Resampling.BILINEAR)  # fmt: skip
    out = io.BytesIO()
    image.save(out, "JPEG", quality=rng.randint(45, 70))
    return out.getvalue()


def keep_off(boxes: list[Box], corner: tuple[float, float], reach: float) -> bool:
    """No needed box within `reach` card px of `corner`."""
    x, y = corner
    return all(
        max(b[0] - x, 0, x - b[2]) ** 2 + max(b[1] - y, 0, y - b[3]) ** 2 > reach**2 for b in boxes
    )
