"""A phone photo of a card: cluttered table, perspective, a few degrees of rotation, uneven light,
mild blur, sensor noise, JPEG — and, on request, the faults users make (crop, blur, glare,
low resolution, no card at all)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from random import Random

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

CLUTTER_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
TABLE_COLOURS = [
    (120, 85, 60),
    (150, 110, 75),
    (90, 90, 95),
    (60, 62, 70),
    (170, 160, 150),
    (40, 45, 40),
]


@dataclass(frozen=True)
class Shot:
    size: tuple[int, int]  # width, height of the photo
    card_width: float  # fraction of the photo width
    centre: tuple[float, float]  # fractions
    angle: float  # degrees
    jitter: tuple[float, ...]  # 8 corner offsets, fractions of the card width: perspective
    light: tuple[float, float, float]  # gain gradient along x, along y, and the mean gain
    blur: float  # Gaussian sigma in pixels
    noise: float
    jpeg_quality: int
    glare: tuple[float, float, float] | None = None  # x, y (fractions of the card), radius
    scale: float = 1.0
    show_card: bool = True

    @classmethod
    def random(cls, rng: Random) -> Shot:
        width = rng.choice([1280, 1440, 1600])
        card_width = rng.uniform(0.6, 0.8)
        return cls(
            size=(width, width * 3 // 4),
            card_width=card_width,
            centre=(rng.uniform(0.45, 0.55), rng.uniform(0.45, 0.55)),
            angle=rng.uniform(-4, 4),
            jitter=tuple(rng.uniform(-0.03, 0.03) for _ in range(8)),
            light=(rng.uniform(-0.15, 0.15), rng.uniform(-0.15, 0.15), rng.uniform(0.88, 1.0)),
            blur=rng.uniform(0.0, 1.0),
            noise=rng.uniform(1.0, 4.0),
            jpeg_quality=rng.randint(60, 92),
        )

    def cropped(self, rng: Random) -> Shot:
        """Move the card so 25–40 % of it lies outside the frame."""
        out = rng.uniform(0.25, 0.4) * self.card_width
        cx, cy = self.centre
        side = rng.choice(["left", "right", "bottom"])
        if side == "left":
            cx = self.card_width / 2 - out
        elif side == "right":
            cx = 1 - self.card_width / 2 + out
        else:
            aspect = self.size[0] / self.size[1] * 0.631
            cy = 1 - self.card_width * aspect / 2 + out * aspect
        return replace(self, centre=(cx, cy))

    def blurred(self, rng: Random) -> Shot:
        return replace(self, blur=rng.uniform(4.0, 7.0))

    def glaring(self, rng: Random) -> Shot:
        return replace(
            self, glare=(rng.uniform(0.25, 0.55), rng.uniform(0.3, 0.8), rng.uniform(0.1, 0.16))
        )

    def low_res(self) -> Shot:
        return replace(self, scale=0.25)

    def without_card(self) -> Shot:
        return replace(self, show_card=False)


def _table(rng: Random, width: int, height: int) -> Image.Image:
    """A table top with everyday clutter: papers, pens, cups, a few printed Latin words."""
    base = np.array(rng.choice(TABLE_COLOURS), np.float32)
    noise = cv2.resize(
        np.array([[rng.gauss(0, 1) for _ in range(16)] for _ in range(12)], np.float32),
        (width, height),
        interpolation=cv2.INTER_CUBIC,
    )
    grain = np.sin(np.linspace(0, rng.uniform(20, 60), width))[None, :] * rng.uniform(0, 6)
    table = np.clip(base[None, None, :] + (noise * 12 + grain)[..., None], 0, 255).astype(np.uint8)
    image = Image.fromarray(table)
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randint(3, 8)):
        colour = tuple(rng.randint(30, 225) for _ in range(3))
        x, y = rng.randint(0, width), rng.randint(0, height)
        w, h = rng.randint(60, width // 3), rng.randint(20, height // 3)
        kind = rng.random()
        if kind < 0.4:
            draw.rectangle((x, y, x + w, y + h), fill=colour)
        elif kind < 0.7:
            draw.ellipse((x, y, x + h, y + h), outline=colour, width=rng.randint(4, 14))
        else:
            draw.line((x, y, x + w, y + rng.randint(-h, h)), fill=colour, width=rng.randint(6, 16))
    font = ImageFont.truetype(CLUTTER_FONT, rng.randint(18, 30))
    for _ in range(rng.randint(0, 3)):
        word = rng.choice(["NOTES", "Receipt", "TOTAL 38.50", "Cafe", "2024"])
        draw.text(
            (rng.randint(0, width), rng.randint(0, height)), word, font=font, fill=(230, 230, 225)
        )
    return image


def card_corners(shot: Shot) -> np.ndarray:
    """Where the four card corners land in the photo (TL, TR, BR, BL)."""
    width, height = shot.size
    card_w = shot.card_width * width
    card_h = card_w * 0.631
    cx, cy = shot.centre[0] * width, shot.centre[1] * height
    half = (
        np.array([[-card_w, -card_h], [card_w, -card_h], [card_w, card_h], [-card_w, card_h]]) / 2
    )
    theta = np.deg2rad(shot.angle)
    rotation = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    corners = half @ rotation.T + [cx, cy]
    placed: np.ndarray = corners + np.array(shot.jitter).reshape(4, 2) * card_w
    return placed


def photograph(card: Image.Image, mask: Image.Image, shot: Shot, rng: Random) -> Image.Image:
    width, height = shot.size
    photo = np.asarray(_table(rng, width, height)).astype(np.float32)
    if shot.show_card:
        src = np.array(
            [[0, 0], [card.width, 0], [card.width, card.height], [0, card.height]], np.float32
        )
        matrix = cv2.getPerspectiveTransform(src, card_corners(shot).astype(np.float32))
        warped = cv2.warpPerspective(
            np.asarray(card), matrix, (width, height), flags=cv2.INTER_AREA
        )
        alpha = cv2.warpPerspective(np.asarray(mask), matrix, (width, height))[..., None] / 255.0
        photo = photo * (1 - alpha) + warped.astype(np.float32) * alpha
        if shot.glare is not None:
            gx, gy, radius = shot.glare
            centre = cv2.perspectiveTransform(
                np.array([[[gx * card.width, gy * card.height]]], np.float32), matrix
            )[0, 0]
            sigma = radius * shot.card_width * width
            y, x = np.mgrid[0:height, 0:width]
            blob = np.exp(-((x - centre[0]) ** 2 + (y - centre[1]) ** 2) / (2 * sigma**2))
            photo += 320 * blob[..., None]
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    gx, gy, mean = shot.light
    gain = mean + gx * (x / width - 0.5) + gy * (y / height - 0.5)
    photo *= gain[..., None]
    if shot.blur > 0.3:
        photo = np.asarray(cv2.GaussianBlur(photo, (0, 0), shot.blur))
    photo += np.random.default_rng(rng.randrange(2**32)).normal(0, shot.noise, photo.shape)
    image = Image.fromarray(np.clip(photo, 0, 255).astype(np.uint8))
    if shot.scale != 1.0:
        image = image.resize(
            (int(width * shot.scale), int(height * shot.scale)), Image.Resampling.BILINEAR
        )
    return image
