"""Phone pictures of a card for the harder generator (synthetic/idcard_hard.py): a background, a
perspective placement, light, shadow, glare, lens and sensor, and the per-field legibility that
results. Independent of synthetic/camera.py."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

import cv2
import numpy as np
from PIL import Image

BACKGROUNDS = ("wood", "white_paper", "dark_cloth", "checked_cloth", "grey_desk", "marble")
SIZES = ((1600, 1200), (2000, 1500), (2400, 1800), (1920, 1440))
PAPER = 238.0  # luminance of the card, before the light
MIN_CONTRAST = 45.0  # levels between stroke and paper a reader needs (after clipping)
PORTRAIT_TONE, MAX_FACE_LOST = 130.0, 0.1  # the face in the portrait: skin tone, share lost
MAX_LOST = 0.02  # share of a field's strokes that may lose it: one lost digit is a lost number


@dataclass(frozen=True)
class Scene:
    size: tuple[int, int]
    background: str
    card_fill: float  # card width / picture width, 0.4–0.9
    centre: tuple[float, float]
    angle: float  # degrees
    tilt: tuple[float, ...]  # 8 corner offsets in card widths: perspective
    gain: float  # mean exposure; > 1.25 blows the paper out (over-exposed, still legible)
    gradient: tuple[float, float]  # gain change across x and y
    shadow: tuple[float, float, float, float] | None  # line angle, offset, depth, softness
    glare: tuple[float, float, float, float] | None  # x, y in card fractions, radius, strength
    blur: float
    noise: float
    jpeg_quality: int

    @classmethod
    def random(cls, rng: random.Random) -> Scene:
        fill = rng.uniform(0.4, 0.9)
        return cls(
            size=rng.choice(SIZES),
            background=rng.choice(BACKGROUNDS),
            card_fill=fill,
            centre=(
                0.5 + rng.uniform(-0.4, 0.4) * (1 - fill),
                0.5 + rng.uniform(-0.25, 0.25) * (1 - fill),
            ),
            angle=rng.uniform(-12, 12) * (1 - fill * 0.6),
            tilt=tuple(rng.uniform(-0.05, 0.05) for _ in range(8)),
            gain=rng.choice([rng.uniform(0.7, 1.1), rng.uniform(0.9, 1.2), rng.uniform(1.2, 1.6)]),
            gradient=(rng.uniform(-0.35, 0.35), rng.uniform(-0.35, 0.35)),
            shadow=(
                (
                    rng.uniform(0, 6.28),
                    rng.uniform(-0.3, 0.3),
                    rng.uniform(0.35, 0.7),
                    rng.uniform(0.01, 0.08),
                )
                if rng.random() < 0.3
                else None
            ),
            glare=(
                (
                    rng.uniform(0, 1),
                    rng.uniform(0, 1),
                    rng.uniform(0.04, 0.12),
                    rng.uniform(120, 420),
                )
                if rng.random() < 0.35
                else None
            ),
            blur=rng.uniform(0.0, 1.4),
            noise=rng.uniform(2.0, 6.0),
            jpeg_quality=rng.randint(50, 95),
        )

    def with_glare(self, x: float, y: float, radius: float, strength: float) -> Scene:
        return replace(self, glare=(x, y, radius, strength))


def _background(kind: str, w: int, h: int, rng: random.Random) -> np.ndarray:
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    if kind == "wood":
        grain = np.sin(x / w * rng.uniform(30, 80) + 3 * np.sin(y / h * rng.uniform(2, 6)))
        base = np.stack([150 + 25 * grain, 105 + 18 * grain, 70 + 12 * grain], -1)
    elif kind == "white_paper":  # a pale background: the card's edge barely shows
        base = np.full((h, w, 3), rng.uniform(225, 245), np.float32) - 6 * (y / h)[..., None]
    elif kind == "dark_cloth":
        base = np.full((h, w, 3), (35, 38, 48), np.float32) + 8 * np.sin(x / 3 + y / 5)[..., None]
    elif kind == "checked_cloth":
        cell = rng.randint(40, 120)
        checks = ((x // cell + y // cell) % 2).astype(np.float32)
        base = np.stack([180 - 90 * checks, 60 + 20 * checks, 60 + 10 * checks], -1)
    elif kind == "grey_desk":
        base = np.full((h, w, 3), rng.uniform(110, 160), np.float32)
    else:  # marble
        veins = np.sin((x + 40 * np.sin(y / 90)) / rng.uniform(40, 90))
        base = np.full((h, w, 3), 215, np.float32) - 25 * (veins > 0.9)[..., None]
    return np.asarray(base, np.float32)


def _corners(scene: Scene) -> np.ndarray:
    w, h = scene.size
    cw = scene.card_fill * w
    ch = cw * 757 / 1200
    half = np.array([[-cw, -ch], [cw, -ch], [cw, ch], [-cw, ch]], np.float64) / 2
    t = np.deg2rad(scene.angle)
    rot = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    placed: np.ndarray = half @ rot.T + [scene.centre[0] * w, scene.centre[1] * h]
    return placed + np.array(scene.tilt).reshape(4, 2) * cw


def _light(
    scene: Scene, matrix: np.ndarray, card_size: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """Multiplicative light (exposure, gradient, shadow) and additive glare, per picture pixel."""
    w, h = scene.size
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    gain = scene.gain * (1 + scene.gradient[0] * (x / w - 0.5) + scene.gradient[1] * (y / h - 0.5))
    if scene.shadow is not None:
        angle, offset, depth, soft = scene.shadow
        d = (x / w - 0.5) * np.cos(angle) + (y / h - 0.5) * np.sin(angle) - offset
        gain = gain * (1 - depth / (1 + np.exp(-d / soft)))
    glare = np.zeros((h, w), np.float32)
    if scene.glare is not None:
        gx, gy, radius, strength = scene.glare
        centre = cv2.perspectiveTransform(
            np.array([[[gx * card_size[0], gy * card_size[1]]]], np.float32), matrix
        )[0, 0]
        sigma = radius * scene.card_fill * w
        glare = strength * np.exp(-((x - centre[0]) ** 2 + (y - centre[1]) ** 2) / (2 * sigma**2))
    return gain.astype(np.float32), glare.astype(np.float32)


def shoot(
    card: Image.Image, masks: dict[str, Image.Image], scene: Scene, rng: random.Random
) -> tuple[Image.Image, dict[str, bool]]:
    w, h = scene.size
    src = np.array(
        [[0, 0], [card.width, 0], [card.width, card.height], [0, card.height]], np.float32
    )
    matrix = cv2.getPerspectiveTransform(src, _corners(scene).astype(np.float32))
    warped = cv2.warpPerspective(np.asarray(card), matrix, (w, h), flags=cv2.INTER_AREA)
    inside = cv2.warpPerspective(np.full((card.height, card.width), 255, np.uint8), matrix, (w, h))
    alpha = (inside.astype(np.float32) / 255)[..., None]
    photo = _background(scene.background, w, h, rng) * (1 - alpha) + warped * alpha
    gain, glare = _light(scene, matrix, card.size)
    photo = photo * gain[..., None] + glare[..., None]
    legible = {}
    # The print as the lens sees it, before light; each stroke pixel takes its stroke's core
    # (darkest value nearby), so anti-aliased edges do not count as faded ink.
    printed = cv2.erode(warped.astype(np.float32).mean(axis=2), np.ones((3, 3), np.uint8))
    for name, mask in masks.items():
        strokes = cv2.warpPerspective(np.asarray(mask), matrix, (w, h)) > 64
        if strokes.sum() < 20:  # outside the picture
            legible[name] = False
            continue
        g, a = gain[strokes], glare[strokes]
        if name == "portrait":  # a face: lost where mid-grey skin is blown out or black
            tone = PORTRAIT_TONE * g + a
            legible[name] = float(((tone >= 245) | (tone <= 15)).mean()) <= MAX_FACE_LOST
            continue
        # Thin strokes shrunk by the perspective are already grey: their own value, not the ink's
        ink = np.minimum(printed[strokes] * g + a, 255)
        paper = np.minimum(PAPER * g + a, 255)
        legible[name] = float(((paper - ink) < MIN_CONTRAST).mean()) <= MAX_LOST
    if scene.blur > 0.3:
        photo = cv2.GaussianBlur(photo, (0, 0), scene.blur)
    noise = np.random.default_rng(rng.randrange(2**32))
    photo = (
        photo
        + noise.normal(0, scene.noise, (h, w, 1))
        + noise.normal(0, scene.noise / 2, photo.shape)
    )
    out = np.clip(photo, 0, 255).astype(np.uint8)
    sharpened = cv2.addWeighted(out, 1.6, cv2.GaussianBlur(out, (0, 0), 1.2), -0.6, 0)  # phone ISP
    return Image.fromarray(sharpened), legible
