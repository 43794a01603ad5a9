"""How the sixth generator's cards reach the upload (synthetic/idcard_upload.py): a photocopy
or scan, a card in a plastic sleeve, a screenshot of the gallery, a photo of a screen, a dark
room, a close crop that cuts the card's edges, and WeChat's recompression on top of any of
them. Each scene maps the card (picture and field-ink mask) into its frame with one homography,
so the mask follows the strokes to the final pixels.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from synthetic.upload_card import CARD_H, CARD_W, NOTO

Frame = tuple[np.ndarray, np.ndarray]  # RGB float32, field-ink mask


def _corners() -> np.ndarray:
    return np.array([[0, 0], [CARD_W, 0], [CARD_W, CARD_H], [0, CARD_H]], np.float32)


def _placed(
    rng: random.Random, width: float, centre: tuple[float, float], turn_deg: float, tilt: float
) -> np.ndarray:
    """Card corners in a frame: `width` px wide, turned, with a perspective tilt (share)."""
    w, h = width, width * CARD_H / CARD_W
    box = np.array([[-w / 2, -h / 2], [w / 2, -h / 2], [w / 2, h / 2], [-w / 2, h / 2]], np.float32)
    jitter = np.array(
        [[rng.uniform(-tilt, tilt) * w for _ in range(2)] for _ in range(4)], np.float32
    )
    a = np.deg2rad(turn_deg)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]], np.float32)
    return (box + jitter) @ rot.T + np.array(centre, np.float32)


def _warp(card: Frame, dst: np.ndarray, size: tuple[int, int], ground: np.ndarray) -> Frame:
    rgb, mask = card
    m = cv2.getPerspectiveTransform(_corners(), dst.astype(np.float32))
    w, h = size
    out = cv2.warpPerspective(rgb.astype(np.float32), m, (w, h), flags=cv2.INTER_AREA)
    inside = cv2.warpPerspective(np.ones(rgb.shape[:2], np.float32), m, (w, h))[..., None]
    marks = cv2.warpPerspective(mask, m, (w, h), flags=cv2.INTER_NEAREST)
    return out * inside + ground * (1 - inside), marks


def _ground(rng: random.Random, w: int, h: int, base: tuple[int, int, int]) -> np.ndarray:
    coarse = np.random.default_rng(rng.randrange(1 << 30)).normal(0, 1, (h // 8 + 1, w // 8 + 1))
    grain = cv2.resize(cv2.GaussianBlur(coarse.astype(np.float32), (0, 0), 2), (w, h))
    ground: np.ndarray = np.clip(np.array(base, np.float32) + 14 * grain[..., None], 0, 255)
    return ground.astype(np.float32)


def _noise(rng: random.Random, shape: tuple[int, ...], sigma: float) -> np.ndarray:
    return np.random.default_rng(rng.randrange(1 << 30)).normal(0, sigma, shape).astype(np.float32)


def photocopy(card: Frame, rng: random.Random) -> Frame:
    """A grey copy or scan on A4 at 150–300 dpi: hard contrast, the light print broken into a
    halftone screen, toner specks; the card somewhere on a white page."""
    dpi = rng.uniform(150, 300)
    per_mm = dpi / 25.4
    w, h = round(210 * per_mm * rng.uniform(0.55, 1.0)), round(150 * per_mm)
    width = 85.6 * per_mm
    centre = (rng.uniform(width / 2 + 10, w - width / 2 - 10), rng.uniform(h * 0.3, h * 0.7))
    dst = _placed(rng, width, centre, rng.uniform(-2.5, 2.5), 0.0)
    rgb, mask = _warp(card, dst, (w, h), np.full((h, w, 3), 250, np.float32))
    grey = rgb @ np.array([0.3, 0.59, 0.11], np.float32)
    gain = rng.uniform(1.3, 1.8)
    grey = np.clip((grey - 128) * gain + 128 + rng.uniform(5, 30), 0, 255)
    period = rng.uniform(3.0, 5.0)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    screen = 128 + 120 * np.cos(2 * np.pi * (x + y) / period) * np.cos(2 * np.pi * (x - y) / period)
    tone = (grey > 165) & (grey < 240)  # the pale print; labels and values stay solid
    grey = np.where(tone, np.where(grey > screen, 255, grey * 0.6), grey)
    grey = cv2.GaussianBlur(grey.astype(np.float32), (0, 0), 0.6)
    specks = np.random.default_rng(rng.randrange(1 << 30)).random((h, w)) < 0.0008
    grey[specks] = 40
    return np.repeat(grey[..., None], 3, axis=2), mask


def sleeve(card: Frame, rng: random.Random) -> Frame:
    """A card left in its plastic sleeve: a milky veil over it, one or two glare bands."""
    w, h = rng.choice(((1800, 2400), (2400, 1800), (1920, 1080), (1080, 1440)))
    width = min(w, h * CARD_W / CARD_H) * rng.uniform(0.6, 0.85)
    dst = _placed(rng, width, (w / 2, h / 2), rng.uniform(-6, 6), 0.03)
    rgb, mask = _warp(card, dst, (w, h), _ground(rng, w, h, (90, 70, 55)))
    veil = rng.uniform(0.12, 0.3)
    rgb = rgb * (1 - veil) + veil * 225
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    for _ in range(rng.randint(1, 2)):
        a = rng.uniform(0, np.pi)
        offset = (x - w / 2) * np.cos(a) + (y - h / 2) * np.sin(a) - rng.uniform(-0.3, 0.3) * width
        band = np.exp(-((offset / (rng.uniform(0.03, 0.1) * width)) ** 2))
        rgb = rgb + (255 - rgb) * (rng.uniform(0.3, 0.6) * band)[..., None]
    return rgb + _noise(rng, rgb.shape, 3), mask


_UI_FONT = (NOTO + "NotoSansCJK-Regular.ttc", 2)


def _ui_bars(rgb: np.ndarray, rng: random.Random) -> np.ndarray:
    """A gallery app's status bar, title and toolbar over a phone screenshot."""
    image = Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8))
    pen = ImageDraw.Draw(image)
    w, h = image.size
    dark = rng.random() < 0.5
    fg = (240, 240, 240) if dark else (20, 20, 20)
    small = ImageFont.truetype(_UI_FONT[0], round(w * 0.035), index=_UI_FONT[1])
    pen.rectangle((0, 0, w, round(h * 0.1)), fill=(0, 0, 0) if dark else (250, 250, 250))
    pen.rectangle((0, round(h * 0.9), w, h), fill=(0, 0, 0) if dark else (250, 250, 250))
    pen.text(
        (w * 0.06, h * 0.012), f"{rng.randint(7, 22)}:{rng.randint(0, 59):02d}", font=small, fill=fg
    )
    pen.text((w * 0.72, h * 0.012), f"5G {rng.randint(12, 99)}%", font=small, fill=fg)
    title = f"{rng.randint(2024, 2026)}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日"
    pen.text((w * 0.3, h * 0.05), title, font=small, fill=fg)
    for i, word in enumerate(("分享", "收藏", "编辑", "删除")):
        pen.text((w * (0.1 + 0.22 * i), h * 0.93), word, font=small, fill=fg)
    return np.asarray(image, np.float32)


def screenshot(card: Frame, rng: random.Random) -> Frame:
    """The gallery's view of an earlier photo, saved as a screenshot: the photo fitted to a
    phone screen's width between the app's bars."""
    w, h = rng.choice(((1080, 2340), (1170, 2532), (1080, 2400), (1242, 2688)))
    width = w * rng.uniform(0.82, 0.97)
    dst = _placed(rng, width, (w / 2, h * rng.uniform(0.45, 0.55)), rng.uniform(-3, 3), 0.02)
    photo_h = width * 0.85
    ground = np.zeros((h, w, 3), np.float32)
    top = round(h / 2 - photo_h / 2)
    ground[top : top + round(photo_h)] = _ground(rng, w, round(photo_h), (120, 105, 95))
    rgb, mask = _warp(card, dst, (w, h), ground)
    rgb = cv2.GaussianBlur(rgb, (0, 0), rng.uniform(0.6, 1.2))
    return _ui_bars(rgb, rng), mask


def screen_photo(card: Frame, rng: random.Random) -> Frame:
    """A photo of the card shown on a monitor: the screen's RGB stripes, moiré, a blue cast."""
    w, h = rng.choice(((2400, 1800), (2048, 1536), (1920, 1440)))
    width = w * rng.uniform(0.6, 0.8)
    dst = _placed(rng, width, (w / 2, h / 2), rng.uniform(-4, 4), 0.04)
    rgb, mask = _warp(card, dst, (w, h), np.full((h, w, 3), 30, np.float32))
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    pitch = rng.uniform(3.0, 4.5)
    stripes = np.stack(
        [0.8 + 0.2 * np.cos(2 * np.pi * (x / pitch - k / 3)) for k in range(3)], axis=2
    )
    fx, fy = rng.uniform(0.005, 0.02), rng.uniform(0.005, 0.02)
    moire = 1 - rng.uniform(0.08, 0.2) * (0.5 + 0.5 * np.cos(2 * np.pi * (fx * x + fy * y)))
    rgb = rgb * stripes * moire[..., None] * np.array([0.92, 0.98, 1.08], np.float32)
    rgb = cv2.GaussianBlur(rgb, (0, 0), rng.uniform(0.8, 1.6))
    return rgb + _noise(rng, rgb.shape, 4), mask


def dark_room(card: Frame, rng: random.Random) -> Frame:
    """Low light: a short, pushed exposure (heavy noise, chroma too), a little hand shake."""
    w, h = rng.choice(((1800, 2400), (2400, 1800), (1440, 1920), (1920, 1080)))
    width = min(w, h * CARD_W / CARD_H) * rng.uniform(0.55, 0.85)
    dst = _placed(rng, width, (w / 2, h / 2), rng.uniform(-8, 8), 0.04)
    rgb, mask = _warp(card, dst, (w, h), _ground(rng, w, h, (70, 60, 50)))
    char_px = width / 85.6 * 3.3
    length = max(3, round(char_px * rng.uniform(0.08, 0.18)))
    kernel: np.ndarray = np.zeros((length, length), np.float32)
    kernel[length // 2] = 1
    turn = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), rng.uniform(0, 180), 1)
    kernel = cv2.warpAffine(kernel, turn, (length, length))
    rgb = cv2.filter2D(rgb, -1, kernel / kernel.sum())
    rgb = rgb * np.array([1.0, 0.9, 0.72], np.float32) * rng.uniform(0.75, 0.95)
    sigma = rng.uniform(10, 20)
    luma = _noise(rng, rgb.shape[:2], sigma)[..., None]
    chroma = cv2.resize(_noise(rng, (h // 2, w // 2, 3), sigma * 0.6), (w, h))
    return rgb + luma + chroma, mask


def close_crop(card: Frame, rng: random.Random) -> Frame:
    """A photo framed on the print: the card's blank edges cut away, every field inside."""
    w, h = rng.choice(((1600, 1000), (2400, 1500), (1280, 800)))
    cut = [rng.uniform(0.0, 0.055) for _ in range(2)]  # share of the card cut on each side
    width = w / (1 - 2 * cut[0])
    dst = _placed(
        rng, width, (w / 2, h / 2 + rng.uniform(-0.02, 0.02) * h), rng.uniform(-2, 2), 0.01
    )
    rgb, mask = _warp(card, dst, (w, h), _ground(rng, w, h, (160, 150, 140)))
    rgb = cv2.GaussianBlur(rgb, (0, 0), rng.uniform(0.5, 1.2))
    return rgb + _noise(rng, rgb.shape, 4), mask


SCENES: dict[str, Callable[[Frame, random.Random], Frame]] = {
    "photocopy": photocopy,
    "sleeve": sleeve,
    "screenshot": screenshot,
    "screen_photo": screen_photo,
    "dark_room": dark_room,
    "close_crop": close_crop,
}


def wechat(frame: Frame, rng: random.Random, least_scale: float) -> tuple[Frame, int]:
    """WeChat's recompression of a picture sent without 「原图」: the long side down to 1280 (no
    further than `least_scale`, which keeps the print legible), then JPEG quality 40–65."""
    rgb, mask = frame
    h, w = mask.shape
    scale = min(1.0, max(1280 / max(w, h), least_scale))
    size = (round(w * scale), round(h * scale))
    rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
    mask = cv2.resize(mask, size, interpolation=cv2.INTER_NEAREST)
    return (rgb, mask), rng.randint(40, 65)
