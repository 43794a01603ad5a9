"""How the seventh generator's cards reach the server (synthetic/idcard_seventh.py): the scene a
candidate makes and the phone's own pipeline after it. Written apart from the six before it.

Scenes: a desk (wood grain or a patterned tablecloth), a hand holding the card (fingers over a
corner, never over print), a photocopy photographed on the desk (ordered-dither toner, the copy's
page curling in the light), a flatbed scan in colour, the card on a laptop's screen (a pixel
lattice resampled at an angle: moiré), a lamp's specular spot (kept off the values, free to land
on the portrait), a badge holder (a coloured plastic frame, a soft reflection band), a dim room
(low exposure, the phone's denoiser smearing fine texture). The pipeline: exposure and white
balance, vignetting, defocus and a little motion, sensor noise, sharpening, JPEG at the phone's
quality, sometimes WeChat's resend. Each scene returns the picture and the homography that
placed the card, so the legibility bookkeeping follows the values' boxes.
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable

import cv2
import numpy as np
from PIL import Image

from synthetic.seventh_card import CARD_H, CARD_W, Box

Shot = tuple[np.ndarray, np.ndarray]  # RGB float32 frame, 3×3 card → frame homography


def _rng(rng: random.Random) -> np.random.Generator:
    return np.random.default_rng(rng.randrange(1 << 30))


def _frame(rng: random.Random) -> tuple[int, int]:
    long = rng.choice((1600, 2000, 2400, 2800))
    ratio = rng.choice((4 / 3, 16 / 9))
    short = round(long / ratio)
    return (short, long) if rng.random() < 0.55 else (long, short)  # (w, h): portrait or not


def _card_at(rng: random.Random, size: tuple[int, int], share: float, tilt: float) -> np.ndarray:
    """Card corners in the frame: `share` of the frame's width (or height, for a card that
    would not fit), rotated a few degrees, each corner pushed by up to `tilt` of its width."""
    w, h = size
    width = min(share * w, share * h / 0.631 * 0.95)
    height = width * CARD_H / CARD_W
    cx = rng.uniform(w / 2 - (w - width) * 0.3, w / 2 + (w - width) * 0.3)
    cy = rng.uniform(h / 2 - (h - height) * 0.3, h / 2 + (h - height) * 0.3)
    a = np.deg2rad(rng.uniform(-7, 7))
    box = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], np.float32) * (width / 2, height / 2)
    box += np.array([[rng.uniform(-tilt, tilt) * width for _ in range(2)] for _ in range(4)])
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]], np.float32)
    corners = box @ rot.T
    # tilt and turn must not push a corner out of the frame: the whole card is in the picture
    fit = min(1.0, *((w / 2 - 4) / np.abs(corners[:, 0])), *((h / 2 - 4) / np.abs(corners[:, 1])))
    corners *= fit
    cx = float(np.clip(cx, -corners[:, 0].min() + 2, w - corners[:, 0].max() - 2))
    cy = float(np.clip(cy, -corners[:, 1].min() + 2, h - corners[:, 1].max() - 2))
    return (corners + (cx, cy)).astype(np.float32)


def _lay(card: np.ndarray, corners: np.ndarray, ground: np.ndarray) -> Shot:
    h, w = ground.shape[:2]
    src = np.array([[0, 0], [CARD_W, 0], [CARD_W, CARD_H], [0, CARD_H]], np.float32)
    m = cv2.getPerspectiveTransform(src, corners)
    out = cv2.warpPerspective(card.astype(np.float32), m, (w, h), flags=cv2.INTER_LINEAR)
    cover = cv2.warpPerspective(np.ones(card.shape[:2], np.float32), m, (w, h))[..., None]
    shade = cv2.GaussianBlur(cover[..., 0], (0, 0), max(w, h) / 150)[..., None]  # its shadow
    ground = ground * (1 - 0.35 * shade)
    return out * cover + ground * (1 - cover), m


def card_points(m: np.ndarray, points: list[tuple[float, float]]) -> np.ndarray:
    placed: np.ndarray = cv2.perspectiveTransform(np.array([points], np.float32), m)[0]
    return placed


def card_width(m: np.ndarray) -> float:
    """The card's top edge in frame pixels."""
    left, right = card_points(m, [(0, 0), (CARD_W, 0)])
    return float(np.linalg.norm(right - left))


def _wood(rng: random.Random, size: tuple[int, int]) -> np.ndarray:
    w, h = size
    g = _rng(rng)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    warp = cv2.resize(g.normal(0, 1, (8, 8)).astype(np.float32), (w, h))
    grain = np.sin((y + 40 * warp) / rng.uniform(6, 14)) * 0.5 + 0.5
    base = np.array(rng.choice(((150, 105, 70), (190, 150, 105), (95, 65, 45))), np.float32)
    wood: np.ndarray = base * (0.8 + 0.3 * grain[..., None])
    return wood


def _cloth(rng: random.Random, size: tuple[int, int]) -> np.ndarray:
    w, h = size
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    cell = rng.uniform(30, 90)
    check = ((x // cell + y // cell) % 2)[..., None]
    a = np.array([rng.randint(120, 240) for _ in range(3)], np.float32)
    b = np.array([rng.randint(60, 200) for _ in range(3)], np.float32)
    cloth: np.ndarray = a * check + b * (1 - check)
    return cloth


def desk(card: np.ndarray, rng: random.Random, share: float) -> Shot:
    size = _frame(rng)
    ground = _wood(rng, size) if rng.random() < 0.5 else _cloth(rng, size)
    return _lay(card, _card_at(rng, size, share, 0.06), ground)


def hand(card: np.ndarray, rng: random.Random, share: float) -> Shot:
    """Held in the air: the room blurred behind; a thumb over a corner, fingers behind the
    opposite edge, none over print (the card's corners are blank)."""
    size = _frame(rng)
    room = cv2.GaussianBlur(_cloth(rng, size), (0, 0), 25)
    frame, m = _lay(card, _card_at(rng, size, share, 0.09), room)
    skin = np.array((rng.randint(185, 235), rng.randint(140, 180), rng.randint(115, 150)))
    corner = rng.choice(((0.0, 0.0), (1.0, 1.0), (1.0, 0.0)))
    at = card_points(m, [(corner[0] * CARD_W, corner[1] * CARD_H)])[0]
    scale = card_width(m)
    thumb: np.ndarray = np.zeros(frame.shape[:2], np.float32)
    r = max(scale * 0.045, 12)
    cv2.ellipse(thumb, (int(at[0]), int(at[1])), (int(r * 1.6), int(r)), rng.uniform(0, 180), 0,
                360, 1.0, -1, cv2.LINE_AA)  # fmt: skip
    thumb = cv2.GaussianBlur(thumb, (0, 0), 2)[..., None]
    shade = 0.85 + 0.15 * cv2.GaussianBlur(thumb, (0, 0), r / 2)[..., None]
    return frame * (1 - thumb) + skin * shade * thumb, m


def copy_on_desk(card: np.ndarray, rng: random.Random, share: float) -> Shot:
    """A photocopy of the card on a white sheet, photographed: toner by ordered dither (4×4
    Bayer), a lighter or darker copier, grey; the sheet on the desk."""
    grey = card.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
    grey = np.clip((grey - rng.uniform(90, 130)) * rng.uniform(1.4, 2.2) + 150, 0, 255)
    bayer = np.array([[0, 8, 2, 10], [12, 4, 14, 6], [3, 11, 1, 9], [15, 7, 13, 5]], np.float32)
    cell = rng.choice((1, 2))
    tile = np.kron(bayer, np.ones((cell, cell), np.float32))
    limit = (np.tile(tile, (CARD_H // tile.shape[0] + 1, CARD_W // tile.shape[1] + 1))
             [:CARD_H, :CARD_W] + 0.5) / 16 * 255  # fmt: skip
    dark = rng.uniform(15, 45)
    toned = np.where(grey > limit, 250.0, dark)
    solid = grey < 120  # the black values print solid, not screened
    copied = np.where(solid, dark, toned)
    copied = cv2.GaussianBlur(copied.astype(np.float32), (0, 0), 0.7)
    sheet_card = np.repeat(copied[..., None], 3, axis=2)
    # the card on its sheet: a white margin around it, then the sheet on the desk
    pad = round(CARD_W * 0.35)
    sheet = np.full((CARD_H + 2 * pad, CARD_W + 2 * pad, 3), 248.0, np.float32)
    sheet[pad : pad + CARD_H, pad : pad + CARD_W] = sheet_card
    size = _frame(rng)
    corners = _card_at(rng, size, share, 0.04)
    sheet_ratio = sheet.shape[1] / CARD_W
    centre = corners.mean(axis=0)
    outer = (corners - centre) * sheet_ratio + centre
    src = np.array([[0, 0], [sheet.shape[1], 0], [sheet.shape[1], sheet.shape[0]],
                    [0, sheet.shape[0]]], np.float32)  # fmt: skip
    m_sheet = cv2.getPerspectiveTransform(src, outer.astype(np.float32))
    w, h = size
    out = cv2.warpPerspective(sheet, m_sheet, (w, h), flags=cv2.INTER_AREA)
    cover = cv2.warpPerspective(np.ones(sheet.shape[:2], np.float32), m_sheet, (w, h))[..., None]
    frame = out * cover + _wood(rng, size) * (1 - cover)
    offset = np.array([[1, 0, pad], [0, 1, pad], [0, 0, 1]], np.float64)
    return frame, m_sheet @ offset


def scan(card: np.ndarray, rng: random.Random, share: float) -> Shot:  # noqa: ARG001 - its own scale
    """A colour flatbed scan at 200–300 dpi: the card square on a white bed, the lid's grey."""
    dpi = rng.uniform(200, 300)
    per_mm = dpi / 25.4
    w, h = round(210 * per_mm * 0.6), round(140 * per_mm * 0.6)
    ground = np.full((h, w, 3), rng.uniform(225, 245), np.float32)
    width = 85.6 * per_mm
    x0, y0 = rng.uniform(10, w - width - 10), rng.uniform(10, h - width * 0.631 - 10)
    corners = np.array([[x0, y0], [x0 + width, y0], [x0 + width, y0 + width * 0.631],
                        [x0, y0 + width * 0.631]], np.float32)  # fmt: skip
    frame, m = _lay(card, corners, ground)
    return np.clip(frame * 1.06 + 6, 0, 255), m


def screen(card: np.ndarray, rng: random.Random, share: float) -> Shot:
    """The card shown on a laptop, photographed: its pixel lattice (dark gaps between the RGB
    stripes) resampled at a slight angle beats with the camera's pixels: moiré."""
    pitch = rng.choice((3, 4))
    up = cv2.resize(card.astype(np.float32), None, fx=pitch / 2, fy=pitch / 2)
    h, w = up.shape[:2]
    columns = np.arange(w) % pitch * 3 // pitch  # which of R, G, B each column lights
    stripes = np.where(columns[:, None] == np.arange(3)[None, :], 1.0, 0.35).astype(np.float32)
    gaps = np.where(np.arange(h) % pitch == pitch - 1, 0.55, 1.0).astype(np.float32)
    stripes = stripes[None, :, :] * gaps[:, None, None]
    lit = up * stripes * 1.35 + np.array([0, 5, 18], np.float32)
    size = _frame(rng)
    ground = np.full((size[1], size[0], 3), 18.0, np.float32)  # the screen's black bezel
    corners = _card_at(rng, size, share, 0.05)
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    m = cv2.getPerspectiveTransform(src, corners)
    out = cv2.warpPerspective(lit, m, size, flags=cv2.INTER_AREA)
    cover = cv2.warpPerspective(np.ones((h, w), np.float32), m, size)[..., None]
    back = np.array([[pitch / 2, 0, 0], [0, pitch / 2, 0], [0, 0, 1]], np.float64)
    return np.clip(out * cover + ground * (1 - cover), 0, 255), m @ back


def lamp(card: np.ndarray, rng: random.Random, share: float, avoid: list[Box]) -> Shot:
    """A desk shot with a lamp's specular spot: saturating at its core, kept off the values'
    boxes (`avoid`, card px), free to land on the portrait or the blank card."""
    frame, m = desk(card, rng, share)
    for _ in range(40):
        cx, cy = rng.uniform(0, CARD_W), rng.uniform(0, CARD_H)
        r = rng.uniform(0.05, 0.12) * CARD_W
        if not any(x0 - r < cx < x1 + r and y0 - r < cy < y1 + r for x0, y0, x1, y1 in avoid):
            break
    else:
        return frame, m
    spot = np.zeros(CARD_H * CARD_W, np.float32).reshape(CARD_H, CARD_W)
    yy, xx = np.mgrid[0:CARD_H, 0:CARD_W].astype(np.float32)
    spot = np.exp(-((((xx - cx) ** 2 + (yy - cy) ** 2) / (r * r)) ** 1.5))
    h, w = frame.shape[:2]
    placed = cv2.warpPerspective(spot, m, (w, h))[..., None]
    return np.clip(frame + 330 * placed, 0, 255), m


def holder_case(card: np.ndarray, rng: random.Random, share: float) -> Shot:
    """In a badge holder: a coloured frame a few mm wide around the card, the plastic's tint and
    a soft reflection band across it."""
    rim = round(CARD_W * rng.uniform(0.04, 0.08))
    colour = np.array(rng.choice(((30, 80, 170), (200, 40, 50), (30, 30, 35), (40, 140, 90))))
    framed = np.empty((CARD_H + 2 * rim, CARD_W + 2 * rim, 3), np.float32)
    framed[:] = colour
    framed[rim:-rim, rim:-rim] = card * np.array([0.97, 0.98, 1.0]) + 4
    yy, xx = np.mgrid[0 : framed.shape[0], 0 : framed.shape[1]].astype(np.float32)
    band = np.exp(-(((xx * 0.5 + yy - rng.uniform(0.2, 0.8) * framed.shape[0]) / 40) ** 2))
    framed = framed + 45 * band[..., None]
    size = _frame(rng)
    frame_w = CARD_W + 2 * rim
    corners = _card_at(rng, size, share * frame_w / CARD_W, 0.05)
    src = np.array([[0, 0], [frame_w, 0], [frame_w, framed.shape[0]], [0, framed.shape[0]]],
                   np.float32)  # fmt: skip
    m = cv2.getPerspectiveTransform(src, corners)
    w, h = size
    out = cv2.warpPerspective(framed, m, (w, h), flags=cv2.INTER_LINEAR)
    cover = cv2.warpPerspective(np.ones(framed.shape[:2], np.float32), m, (w, h))[..., None]
    offset = np.array([[1, 0, rim], [0, 1, rim], [0, 0, 1]], np.float64)
    return out * cover + _wood(rng, size) * (1 - cover), m @ offset


def dim_room(card: np.ndarray, rng: random.Random, share: float) -> Shot:
    frame, m = desk(card, rng, share)
    dark = frame * rng.uniform(0.35, 0.55) * np.array([1.08, 1.0, 0.82])
    noisy = dark + _rng(rng).normal(0, rng.uniform(5, 9), dark.shape)
    smooth = cv2.bilateralFilter(np.clip(noisy, 0, 255).astype(np.float32), 5, 25, 3)
    return np.clip(smooth * rng.uniform(1.5, 1.9), 0, 255), m


SCENES: dict[str, Callable[..., Shot]] = {
    "desk": desk, "hand": hand, "copy_on_desk": copy_on_desk, "scan": scan, "screen": screen,
    "lamp": lamp, "holder_case": holder_case, "dim_room": dim_room,
}  # fmt: skip


def phone(frame: np.ndarray, rng: random.Random, blur: float) -> np.ndarray:
    """The phone's pipeline: white balance and exposure, vignetting, defocus `blur` (px) and a
    little motion, sensor noise, sharpening."""
    h, w = frame.shape[:2]
    balance = np.array([rng.uniform(0.92, 1.08), 1.0, rng.uniform(0.88, 1.1)], np.float32)
    out = frame * balance * rng.uniform(0.88, 1.1)
    across = ((np.arange(w, dtype=np.float32) - w / 2) / w) ** 2
    down = ((np.arange(h, dtype=np.float32) - h / 2) / h) ** 2
    out = out * (1 - rng.uniform(0.1, 0.35) * (down[:, None] + across[None, :]))[..., None]
    if blur > 0.3:
        out = cv2.GaussianBlur(out, (0, 0), blur)
    length = rng.randint(1, 3)
    kernel: np.ndarray = np.zeros((length * 2 + 1, length * 2 + 1), np.float32)
    cv2.line(kernel, (0, length), (length * 2, length), 1.0, 1)
    kernel = cv2.warpAffine(kernel, cv2.getRotationMatrix2D((length, length),
                            rng.uniform(0, 180), 1.0), kernel.shape)  # fmt: skip
    out = cv2.filter2D(out, -1, kernel / max(kernel.sum(), 1e-6))
    out = out + _rng(rng).standard_normal(out.shape, np.float32) * rng.uniform(1.5, 4.0)
    soft = cv2.GaussianBlur(out, (0, 0), 1.5)
    sharpened: np.ndarray = np.clip(out + rng.uniform(0.2, 0.8) * (out - soft), 0, 255)
    return sharpened


def jpeg(rgb: np.ndarray, quality: int, long_side: int | None = None) -> bytes:
    image = Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8))
    if long_side and max(image.size) > long_side:
        k = long_side / max(image.size)
        image = image.resize(
            (round(image.width * k), round(image.height * k)), Image.Resampling.LANCZOS
        )
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, subsampling=2)
    return out.getvalue()
