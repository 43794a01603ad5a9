"""Measures of what the candidate wears and of the flash, from the 68 landmarks: how much light
the lenses let through, how red the pupils are, how much of the clothing has the backdrop's
colour. Thresholds and their figures are in domain/photo_spec.py and docs/decisions.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import cv2
import numpy as np

if TYPE_CHECKING:  # photo_measure calls these measures; at run time only its type is needed
    from activities.photo_measure import FaceGeometry

LINEAR_GAMMA = 2.2
CLOTHES_BELOW_CHIN_FW = 0.3  # face widths below the chin: past the neck, onto the collar
CLOTHES_HALF_WIDTH_FW = 0.6  # either side of the face centre: the chest, not the wall beside it
MIN_CLOTHES_PX = 400
LENS_PERCENTILE = 75
PUPIL_RADIUS_EW = 0.2  # eye widths round the iris centre: the pupil and the iris, not the lids
MIN_PUPIL_RED = 150  # a lit retina is bright; red lid rims and a brown iris are darker


def _luminance(rgb: np.ndarray) -> np.ndarray:
    lin = (rgb.astype(np.float32) / 255.0) ** LINEAR_GAMMA
    out: np.ndarray = lin @ np.array([0.2126, 0.7152, 0.0722], np.float32)
    return out


def _box(
    shape: tuple[int, ...], x0: float, x1: float, y0: float, y1: float
) -> tuple[slice, slice] | None:
    h, w = shape[:2]
    xa, xb = int(max(0, x0)), int(min(w, x1))
    ya, yb = int(max(0, y0)), int(min(h, y1))
    return (slice(ya, yb), slice(xa, xb)) if xb > xa and yb > ya else None


def lens_transmission(rgb: np.ndarray, face: FaceGeometry) -> float:
    """The clearer lens's 75th-percentile luminance over the median of the cheek below it, in
    linear light: about the share of light a lens lets through. Round a bare or clear-glassed eye
    the brighter quarter is lid and under-eye skin, near the cheek's brightness (0.68–1.0 on the
    fixtures); a tinted lens or sunglasses darken all of it. The clearer of the two eyes, so one
    eye in shadow does not decide it."""
    pts = face.points
    nose_mid, nose_base = float(pts[29, 1]), float(pts[33, 1])
    shares = []
    for eye in (pts[36:42], pts[42:48]):
        x0, x1 = float(eye[:, 0].min()), float(eye[:, 0].max())
        ew, cy = x1 - x0, float(eye[:, 1].mean())
        lens = _box(rgb.shape, x0 - 0.2 * ew, x1 + 0.2 * ew, cy - 0.35 * ew, cy + 0.45 * ew)
        cheek = _box(rgb.shape, x0, x1, nose_mid, nose_base)
        if lens is None or cheek is None:
            continue
        skin = float(np.median(_luminance(rgb[cheek])))
        lit = float(np.percentile(_luminance(rgb[lens]), LENS_PERCENTILE))
        shares.append(lit / skin if skin > 0 else 1.0)
    return max(shares) if shares else 1.0


def red_pupil_share(rgb: np.ndarray, face: FaceGeometry, min_red_ratio: float) -> float:
    """Share of the pupil's place (the eye opening within 0.2 eye widths of the iris centre, the
    mean of the lids' middle points) whose red is `min_red_ratio` times its green and blue — a
    retina lit by the flash, and bright. Only the centre: red lid rims and eye corners (an older
    face) lie mostly outside it. The redder of the two eyes."""
    worst = 0.0
    for eye in (face.points[36:42], face.points[42:48]):
        x0, y0 = np.floor(eye.min(axis=0)).astype(int)
        x1, y1 = np.ceil(eye.max(axis=0)).astype(int) + 1
        x0, y0 = max(0, x0), max(0, y0)
        patch = rgb[y0:y1, x0:x1].astype(np.float32)
        if patch.size == 0:
            continue
        r, g, b = patch[..., 0], patch[..., 1], patch[..., 2]
        red = (r >= min_red_ratio * np.maximum(g, b)) & (r >= MIN_PUPIL_RED)
        local = eye - (x0, y0)
        opening = np.zeros(patch.shape[:2], np.uint8)
        cv2.fillPoly(opening, [local.astype(np.int32)], 1)
        pupil = np.zeros_like(opening)
        cx, cy = (local[1] + local[2] + local[4] + local[5]) / 4
        radius = PUPIL_RADIUS_EW * float(np.linalg.norm(eye[3] - eye[0]))
        cv2.circle(pupil, (int(round(cx)), int(round(cy))), max(1, int(round(radius))), 1, -1)
        inside = (opening > 0) & (pupil > 0)
        if inside.any():
            worst = max(worst, float(red[inside].mean()))
    return worst


def clothes_like_backdrop(
    lab_img: np.ndarray, backdrop: np.ndarray, face: FaceGeometry, max_delta_e: float
) -> float:
    """Share of the chest (below the neck, within 0.6 face widths of the face centre) whose colour
    is within `max_delta_e` of the backdrop: a shirt that merges with the wall. 0 when the frame
    shows no chest."""
    chin = float(face.points[8, 1])
    chest = _box(
        lab_img.shape,
        face.centre_x - CLOTHES_HALF_WIDTH_FW * face.face_width,
        face.centre_x + CLOTHES_HALF_WIDTH_FW * face.face_width,
        chin + CLOTHES_BELOW_CHIN_FW * face.face_width,
        lab_img.shape[0],
    )
    if chest is None:
        return 0.0
    pixels = lab_img[chest].reshape(-1, 3)
    if len(pixels) < MIN_CLOTHES_PX:
        return 0.0
    distance = np.linalg.norm(pixels - backdrop, axis=1)
    return float((distance <= max_delta_e).mean())
