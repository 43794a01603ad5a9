"""Faults of what the person wears or of the flash, for the second generator
(synthetic/photo_second.py), drawn apart from the first generator's (synthetic/photo_wear.py):
in linear light, after the person is composed on the wall, as light acts.

- tinted lenses: a filter over each eye — aviator drops or round lenses, per-channel transmission
  4–40 % with a tint, a thin metal rim; the lens's own lower half a little clearer, as gradient
  lenses are;
- red eye: the retina's reflection, a Gaussian red glow (σ 0.06–0.1 eye widths) on each pupil
  at the iris's place, strongest in the middle;
- a shirt near the wall's colour: the person's clothes below the collar replaced by a cloth the
  colour of the wall behind them (read from the wall's top corners) ±8 % per channel, with
  vertical folds;
- an open mouth: the lower lip and the chin slid down, the gap dark, teeth in half of them.
"""

from __future__ import annotations

from typing import Protocol

import cv2
import numpy as np


class Layout(Protocol):
    """synthetic.photo_second.Layout, as far as the painters need it."""

    @property
    def face_width(self) -> float: ...


TINTS = {
    "smoke": (0.9, 0.9, 1.0),
    "brown": (1.0, 0.7, 0.45),
    "green": (0.6, 0.9, 0.6),
    "mirror_blue": (0.55, 0.75, 1.0),
}


def tinted_lenses(
    img: np.ndarray, _a: np.ndarray, pts: np.ndarray, lay: Layout, rng: np.random.Generator
) -> None:
    fw = lay.face_width
    level = float(rng.uniform(0.04, 0.4))
    tint = np.array(TINTS[str(rng.choice(list(TINTS)))]) * level
    aviator = rng.random() < 0.5
    h, w = img.shape[:2]
    yy = np.mgrid[0:h, 0:w][0]
    for eye in (pts[36:42], pts[42:48]):
        cx, cy = eye.mean(axis=0)
        lens = np.zeros((h, w), np.float32)
        if aviator:
            poly = np.array(
                [
                    (cx - 0.15 * fw, cy - 0.07 * fw),
                    (cx + 0.15 * fw, cy - 0.07 * fw),
                    (cx + 0.12 * fw, cy + 0.1 * fw),
                    (cx - 0.06 * fw, cy + 0.11 * fw),
                ],
                np.int32,
            )
            cv2.fillPoly(lens, [poly], 1.0)
        else:
            cv2.circle(lens, (int(cx), int(cy + 0.01 * fw)), int(0.13 * fw), 1.0, -1)
        soft = cv2.GaussianBlur(lens, (0, 0), 0.8)
        clearer = 1 + 0.5 * np.clip((yy - cy) / (0.1 * fw), 0, 1)  # a gradient lens
        filt = 1 - soft[..., None] * (1 - np.minimum(1, tint[None, None, :] * clearer[..., None]))
        img *= filt
        rim = cv2.Canny((soft > 0.5).astype(np.uint8) * 255, 50, 150) > 0
        img[cv2.dilate(rim.astype(np.uint8), np.ones((2, 2), np.uint8)) > 0] = 0.35


def red_eye(
    img: np.ndarray, _a: np.ndarray, pts: np.ndarray, _lay: Layout, rng: np.random.Generator
) -> None:
    glow = np.array((rng.uniform(0.45, 0.85), rng.uniform(0.01, 0.04), rng.uniform(0.01, 0.05)))
    h, w = img.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w]
    for eye in (pts[36:42], pts[42:48]):
        ew = float(np.linalg.norm(eye[3] - eye[0]))
        # the iris sits between the lids' middle points, not at the corners' mean
        cx, cy = (eye[1] + eye[2] + eye[4] + eye[5]) / 4
        sigma = float(rng.uniform(0.06, 0.1)) * ew
        weight = np.clip(1.6 * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * sigma**2)), 0, 1)
        img[:] = img * (1 - weight[..., None]) + glow * weight[..., None]


def shirt_like_wall(
    img: np.ndarray, alpha: np.ndarray, pts: np.ndarray, lay: Layout, rng: np.random.Generator
) -> None:
    fw = lay.face_width
    wall = np.concatenate([img[4:24, 4:24].reshape(-1, 3), img[4:24, -24:-4].reshape(-1, 3)])
    cloth = np.median(wall, axis=0) * (1 + rng.uniform(-0.08, 0.08, 3))
    collar = float(pts[8, 1]) + float(rng.uniform(0.1, 0.25)) * fw
    h, w = img.shape[:2]
    below = (np.arange(h) >= collar)[:, None]
    weight = np.where(below, np.clip((alpha - 0.3) / 0.5, 0, 1), 0.0)
    x = np.arange(w)
    folds = 1 + 0.07 * np.sin(x / (0.09 * fw) + rng.uniform(0, 6.3))[None, :] * np.ones((h, 1))
    shirt = cloth[None, None, :] * folds[..., None]
    img[:] = img * (1 - weight[..., None]) + shirt * weight[..., None]


def open_mouth(
    img: np.ndarray, _a: np.ndarray, pts: np.ndarray, lay: Layout, rng: np.random.Generator
) -> None:
    """The jaw dropped 0.09–0.16 face widths: everything below the lips' meeting line slides
    down (fading out towards the cheeks and below the chin), and the gap shows the dark mouth,
    the upper teeth in half of the photos."""
    fw = lay.face_width
    drop = float(rng.uniform(0.09, 0.16)) * fw
    lip_y = float(np.mean(pts[[60, 61, 62, 63, 64, 65, 66, 67], 1]))
    left, right = float(pts[48, 0]), float(pts[54, 0])
    cx, half = (left + right) / 2, (right - left) / 2
    chin = float(pts[8, 1])
    h, w = img.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    across = np.exp(-(((xx - cx) / (1.6 * half)) ** 4))
    down = np.clip((yy - lip_y) / 3.0, 0, 1) * np.clip(1 - (yy - chin) / (0.5 * fw), 0, 1)
    shift = drop * across * down
    moved = cv2.remap(img.astype(np.float32), xx, yy - shift, cv2.INTER_LINEAR)
    img[:] = moved
    hole = np.zeros((h, w), np.float32)
    cv2.ellipse(
        hole, (int(cx), int(lip_y + drop / 2)), (int(half * 0.8), int(drop / 2)), 0, 0, 360, 1, -1
    )
    gap = cv2.GaussianBlur(hole, (0, 0), 1.2)
    inside = np.array((0.03, 0.01, 0.01)) * rng.uniform(0.6, 1.4)
    img[:] = img * (1 - gap[..., None]) + inside * gap[..., None]
    if rng.random() < 0.5:
        teeth = np.zeros((h, w), np.float32)
        top = int(lip_y + 1)
        cv2.rectangle(
            teeth,
            (int(cx - half * 0.55), top),
            (int(cx + half * 0.55), top + int(drop * 0.3)),
            1,
            -1,
        )
        teeth = cv2.GaussianBlur(teeth, (0, 0), 1.0) * gap
        img[:] = img * (1 - teeth[..., None]) + 0.6 * teeth[..., None]
