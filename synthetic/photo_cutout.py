"""Cut a person out of a fixture photo: GrabCut seeded by the 68 dlib landmarks (face hull and
neck certain, head ellipse and torso probable, far sides certain background).

Computed once per face per process; the source is first scaled so the face is about as wide as
in a finished ID photo, which keeps GrabCut fast and later resampling mild.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

CUT_FACE_WIDTH = 200.0  # px, cheek to cheek, of the stored cutout
GRABCUT_SCALE = 0.5


@dataclass(frozen=True)
class Prior:
    """Where the person can be, in face widths: how high the head reaches above the eyes (hair,
    a cap) and how far the shoulders reach from the centre. Tuned per fixture so that a dark
    window behind a head or a neighbour's shoulder is not taken for the person."""

    head_height: float = 1.0
    body_half_width: float = 1.25


PRIORS = {
    "biden.jpg": Prior(body_half_width=1.05),
    "astronaut.png": Prior(head_height=1.2),
    "grace_hopper_512x512.jpg": Prior(head_height=1.2, body_half_width=1.0),
}  # GrabCut runs at half size: 4× faster, the mask is upsampled and feathered


@dataclass(frozen=True)
class Cutout:
    rgb: np.ndarray  # uint8 (h, w, 3)
    alpha: np.ndarray  # float32 (h, w) 0..1
    points: np.ndarray  # (68, 2) landmarks in cutout px
    centre_x: float
    eye_y: float
    head_top: float
    face_width: float
    roll_deg: float  # of the eye line in the source; the composer levels it

    def with_eyes_closed(self) -> Cutout:
        """Lids shut: each eye opening is painted over by interpolating the skin just above the
        upper lid and just below the lower lid, with a dark lash line where they meet."""
        rgb = self.rgb.astype(np.float64)
        for eye in (self.points[36:42], self.points[42:48]):
            _close_eye(rgb, eye)
        return replace(self, rgb=np.clip(rgb, 0, 255).astype(np.uint8))


def _close_eye(rgb: np.ndarray, eye: np.ndarray) -> None:
    x0, x1 = eye[:, 0].min(), eye[:, 0].max()
    width = x1 - x0
    upper = np.array([eye[0], eye[1], eye[2], eye[3]])
    lower = np.array([eye[0], eye[5], eye[4], eye[3]])
    pad = 0.18 * width
    for x in range(int(x0 - pad), int(x1 + pad) + 1):
        xc = float(np.clip(x, x0, x1))
        top = np.interp(xc, upper[:, 0], upper[:, 1]) - 0.2 * width
        bottom = np.interp(xc, lower[:, 0], lower[:, 1]) + 0.15 * width
        t0, b0 = int(top), int(bottom) + 1
        if b0 - t0 < 2:
            continue
        a, b = rgb[t0 - 2 : t0, x].mean(axis=0), rgb[b0 : b0 + 2, x].mean(axis=0)
        ramp = np.linspace(0.0, 1.0, b0 - t0)[:, None]
        rgb[t0:b0, x] = a * (1 - ramp) + b * ramp
        lash = int(round(top * 0.25 + bottom * 0.75))
        if x0 <= x <= x1:
            rgb[lash - 1 : lash + 2, x] *= 0.35


def _grabcut_mask(rgb: np.ndarray, pts: np.ndarray, prior: Prior) -> np.ndarray:
    h, w = rgb.shape[:2]
    fw = np.linalg.norm(pts[15] - pts[1])
    cx, eye_y, chin = pts[27, 0], pts[36:48, 1].mean(), pts[8, 1]
    yy, xx = np.mgrid[0:h, 0:w]
    mask = np.full((h, w), cv2.GC_BGD, np.uint8)
    # above the shoulders only the head may be foreground: flag poles, curtains and neighbours
    # touching the head must not come along
    head = ((xx - cx) / (0.8 * fw)) ** 2 + ((yy - eye_y) / (prior.head_height * fw)) ** 2 < 1
    body = (yy > chin - 0.15 * fw) & (np.abs(xx - cx) < prior.body_half_width * fw)
    mask[head | body] = cv2.GC_PR_FGD
    cv2.fillConvexPoly(mask, cv2.convexHull(pts.astype(np.int32)), int(cv2.GC_FGD))
    mask[(yy > chin) & (yy < chin + 0.5 * fw) & (np.abs(xx - cx) < 0.25 * fw)] = cv2.GC_FGD
    mask[(yy > chin + 0.6 * fw) & (np.abs(xx - cx) < 0.6 * fw)] = cv2.GC_FGD
    cv2.setRNGSeed(0)
    bgd, fgd = np.zeros((1, 65)), np.zeros((1, 65))
    cv2.grabCut(
        cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), mask, (0, 0, 0, 0), bgd, fgd, 4, cv2.GC_INIT_WITH_MASK
    )
    fg = ((mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD)).astype(np.uint8)
    thin = max(3, int(0.06 * fw) | 1)  # poles, cords and hair strands narrower than this go
    fg = cv2.morphologyEx(
        fg, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (thin, thin))
    )
    return _largest_without_holes(fg)


def _largest_without_holes(fg: np.ndarray) -> np.ndarray:
    n, labels, stats, _ = cv2.connectedComponentsWithStats(fg, connectivity=8)
    if n > 1:
        fg = (labels == 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))).astype(np.uint8)
    background = np.pad(1 - fg, 1, constant_values=1)
    flood = background.copy()
    cv2.floodFill(flood, None, (0, 0), 2)
    filled: np.ndarray = (flood[1:-1, 1:-1] != 2).astype(np.uint8)
    return filled


@lru_cache(maxsize=16)
def cutout(face_path: str) -> Cutout:
    from infra.landmarks import shared_landmark_model

    model = shared_landmark_model()
    src = np.asarray(Image.open(face_path).convert("RGB"))
    pts = model.faces(src)[0].points
    s = CUT_FACE_WIDTH / np.linalg.norm(pts[15] - pts[1])
    fw = CUT_FACE_WIDTH
    # keep only the part of the source an ID photo can show, then scale it
    cx, eye_y = pts[27, 0], pts[36:48, 1].mean()
    x0 = int(max(0, cx - 1.6 * fw / s))
    y0 = int(max(0, eye_y - 1.6 * fw / s))
    x1 = int(min(src.shape[1], cx + 1.6 * fw / s))
    y1 = int(min(src.shape[0], eye_y + 2.6 * fw / s))
    src = src[y0:y1, x0:x1]
    pts = (pts - (x0, y0)) * s
    interp = cv2.INTER_AREA if s < 1 else cv2.INTER_CUBIC
    rgb = cv2.resize(src, (round(src.shape[1] * s), round(src.shape[0] * s)), interpolation=interp)
    small = cv2.resize(rgb, None, fx=GRABCUT_SCALE, fy=GRABCUT_SCALE, interpolation=cv2.INTER_AREA)
    fg = _grabcut_mask(small, pts * GRABCUT_SCALE, PRIORS.get(Path(face_path).name, Prior()))
    alpha = cv2.resize(
        fg.astype(np.float32), (rgb.shape[1], rgb.shape[0]), interpolation=cv2.INTER_LINEAR
    )
    alpha = cv2.GaussianBlur(alpha, (0, 0), 1.2)
    alpha[-2:, :] = alpha[-3:-2, :]  # the body continues below the source's bottom edge
    cx, eye_y = pts[27, 0], pts[36:48, 1].mean()
    band = alpha[:, int(cx - 0.3 * fw) : int(cx + 0.3 * fw)]
    rows = np.nonzero((band > 0.5).mean(axis=1) > 0.3)[0]
    return Cutout(
        rgb=rgb,
        alpha=alpha,
        points=pts,
        centre_x=float(cx),
        eye_y=float(eye_y),
        head_top=float(rows[0]) if rows.size else float(eye_y - 0.8 * fw),
        face_width=fw,
        roll_deg=float(
            np.degrees(np.arctan2(*(pts[42:48].mean(axis=0) - pts[36:42].mean(axis=0))[::-1]))
        ),
    )
