"""Background replacement for the 寸照 fix, offered when the background is the only rule left
failing (a phone photo against a white or grey wall): the person is segmented in the finished
480×640 crop and placed on the standard's RGB(100, 197, 255).

Segmentation is classical — GrabCut seeded by the 68 dlib landmarks the checker already has —
because it needs no model download and measured better than a backdrop-colour threshold on the
camera set (docs/decisions.md, `ruji bench photo`). The face itself is never segmented: the
convex hull of the landmarks (jaw, brows) is copied from the scaled original pixel for pixel,
and `face_pixels_changed` proves it on every fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import cv2
import numpy as np

from domain import photo_spec as spec

GRABCUT_SCALE = 0.5  # GrabCut on 240×320: 4× faster; the mask is upsampled and feathered
GRABCUT_ITERATIONS = 4
FEATHER_PX = 1.5  # soft edge outside the face, so hair does not end in a staircase
BACKDROP_GRAIN = 2.0  # RGB σ of fine grain: a flat fill would JPEG below the standard's 20 KB
BACKDROP_DELTA_E = 14.0  # the threshold method: farther than this from the wall is the person


class Segmenter(StrEnum):
    GRABCUT = "grabcut"
    BACKDROP_THRESHOLD = "backdrop_threshold"


@dataclass(frozen=True)
class Replaced:
    rgb: np.ndarray
    face_mask: np.ndarray  # bool, the pixels that must equal the scaled original
    face_pixels_changed: int


def face_hull(shape: tuple[int, ...], points: np.ndarray) -> np.ndarray:
    mask = np.zeros(shape[:2], np.uint8)
    cv2.fillConvexPoly(mask, cv2.convexHull(points.astype(np.int32)), 1)
    return mask.astype(bool)


def _seeds(shape: tuple[int, ...], points: np.ndarray) -> np.ndarray:
    """GrabCut labels from the landmarks: face and neck certain, head and torso probable, the
    strip above the head and the sides at head height certain background."""
    h, w = shape[:2]
    fw = float(points[16, 0] - points[0, 0])
    cx = float(points[27, 0])
    eye_y = float(points[36:48, 1].mean())
    chin = float(points[8, 1])
    labels = np.full((h, w), cv2.GC_PR_BGD, np.uint8)
    yy, xx = np.mgrid[0:h, 0:w]
    head = ((xx - cx) / (0.75 * fw)) ** 2 + ((yy - eye_y + 0.15 * fw) / (1.05 * fw)) ** 2 <= 1
    torso = (yy > chin) & (np.abs(xx - cx) < 1.6 * fw)
    labels[head | torso] = cv2.GC_PR_FGD
    labels[face_hull(shape, points)] = cv2.GC_FGD
    neck = (yy > chin) & (yy < chin + 0.3 * fw) & (np.abs(xx - cx) < 0.25 * fw)
    labels[neck | ((yy > h - 0.08 * h) & (np.abs(xx - cx) < 0.6 * fw))] = cv2.GC_FGD
    top = eye_y - 1.35 * fw
    labels[yy < max(top, 3)] = cv2.GC_BGD
    labels[(np.abs(xx - cx) > 1.25 * fw) & (yy < chin)] = cv2.GC_BGD
    return labels


def _largest_with(mask: np.ndarray, anchor: np.ndarray) -> np.ndarray:
    """The connected part of `mask` that holds the face, holes filled."""
    count, labels = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
    keep = np.unique(labels[anchor & mask])
    person = np.isin(labels, keep[keep > 0])
    filled = person.astype(np.uint8)
    contours, _ = cv2.findContours(filled, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    cv2.drawContours(filled, contours, -1, 1, thickness=cv2.FILLED)
    return filled.astype(bool)


def segment_grabcut(rgb: np.ndarray, points: np.ndarray) -> np.ndarray:
    h, w = rgb.shape[:2]
    small = cv2.resize(rgb, None, fx=GRABCUT_SCALE, fy=GRABCUT_SCALE, interpolation=cv2.INTER_AREA)
    labels = _seeds(small.shape, points * GRABCUT_SCALE)
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    rect = (0, 0, 1, 1)  # unused with GC_INIT_WITH_MASK
    cv2.grabCut(
        cv2.cvtColor(small, cv2.COLOR_RGB2BGR),
        labels,
        rect,
        bgd,
        fgd,
        GRABCUT_ITERATIONS,
        cv2.GC_INIT_WITH_MASK,
    )
    fg = (labels == cv2.GC_FGD) | (labels == cv2.GC_PR_FGD)
    full = cv2.resize(fg.astype(np.uint8), (w, h), interpolation=cv2.INTER_LINEAR).astype(bool)
    return _largest_with(full, face_hull(rgb.shape, points))


def segment_backdrop_threshold(rgb: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Everything far (ΔE) from the wall colour sampled in the top corners is the person."""
    lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB).astype(np.float32)
    lab[..., 0] *= 100 / 255
    lab[..., 1:] -= 128
    corners = np.concatenate([lab[:24, :24].reshape(-1, 3), lab[:24, -24:].reshape(-1, 3)])
    wall = np.median(corners, axis=0)
    far = np.linalg.norm(lab - wall, axis=2) > BACKDROP_DELTA_E
    closed = cv2.morphologyEx(far.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((7, 7), np.uint8))
    return _largest_with(closed.astype(bool), face_hull(rgb.shape, points))


SEGMENTERS = {
    Segmenter.GRABCUT: segment_grabcut,
    Segmenter.BACKDROP_THRESHOLD: segment_backdrop_threshold,
}


def replace_background(
    rgb: np.ndarray,
    points: np.ndarray,
    seed: int,
    segmenter: Segmenter = Segmenter.GRABCUT,
) -> Replaced:
    """The person from `rgb` (the scaled crop) on the standard backdrop; the face hull copied."""
    person = SEGMENTERS[segmenter](rgb, points)
    alpha = cv2.GaussianBlur(person.astype(np.float32), (0, 0), FEATHER_PX)
    face = face_hull(rgb.shape, points)
    alpha[face] = 1.0
    grain = np.random.default_rng(seed).normal(0.0, BACKDROP_GRAIN, rgb.shape)
    backdrop = np.asarray(spec.BACKGROUND_RGB, np.float32) + grain.astype(np.float32)
    mixed = rgb.astype(np.float32) * alpha[..., None] + backdrop * (1 - alpha[..., None])
    out = np.clip(np.rint(mixed), 0, 255).astype(np.uint8)
    out[face] = rgb[face]  # exact: no float round trip on the face
    changed = int(np.any(out[face] != rgb[face], axis=-1).sum())
    return Replaced(rgb=out, face_mask=face, face_pixels_changed=changed)
