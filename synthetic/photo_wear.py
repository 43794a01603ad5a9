"""What a candidate wears or the flash does that Attachment 2 forbids, for the first generator
(synthetic/photo.py): tinted lenses, red eye, a shirt the colour of the backdrop, an open mouth.

Painted in sRGB on the rendered photo at the landmarks carried into the output frame (lenses,
pupils), or on the cut-out before it is placed (the shirt), so the person's outline is the
cut-out's own. The second generator paints the same faults its own way (synthetic/photo_flaws.py).
"""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np

from synthetic.photo_cutout import Cutout

# Sunglass and tinted-lens colours (sRGB of the lens over skin): grey, brown, green, blue-grey.
LENS_TINTS = ((38, 38, 40), (70, 48, 30), (40, 58, 42), (45, 55, 72))


def paint_sunglasses(img: np.ndarray, pts: np.ndarray, fw: float, rng: np.random.Generator) -> None:
    """Two oval lenses over the eyes (~0.34 × 0.2 face widths) with a frame and a bridge;
    the lens lets 8–35 % of the skin through, tinted."""
    tint = np.array(LENS_TINTS[int(rng.integers(len(LENS_TINTS)))], np.float64)
    through = float(rng.uniform(0.08, 0.35))
    half_w, half_h = float(rng.uniform(0.16, 0.19)) * fw, float(rng.uniform(0.09, 0.11)) * fw
    lenses = np.zeros(img.shape[:2], np.uint8)
    centres = []
    for eye in (pts[36:42], pts[42:48]):
        cx, cy = eye.mean(axis=0)
        centre = (int(cx), int(cy + 0.01 * fw))
        centres.append(centre)
        cv2.ellipse(lenses, centre, (int(half_w), int(half_h)), 0, 0, 360, 1, -1)
    lens = lenses.astype(bool)
    img[lens] = img[lens] * through + tint * (1 - through)
    frame = np.zeros_like(lenses)
    for centre in centres:
        cv2.ellipse(frame, centre, (int(half_w), int(half_h)), 0, 0, 360, 1, 3)
    cv2.line(frame, (centres[0][0] + int(half_w), centres[0][1]),
             (centres[1][0] - int(half_w), centres[1][1]), 1, 3)  # fmt: skip
    img[frame > 0] = (20, 20, 22)


def paint_red_eye(img: np.ndarray, pts: np.ndarray, _fw: float, rng: np.random.Generator) -> None:
    """A flash reflected by the retina: each pupil a saturated red disk of 0.1–0.16 eye widths
    radius with a white catch-light."""
    red = np.array((rng.uniform(185, 235), rng.uniform(15, 55), rng.uniform(25, 65)))
    for eye in (pts[36:42], pts[42:48]):
        ew = float(eye[:, 0].max() - eye[:, 0].min())
        cx, cy = eye.mean(axis=0)
        radius = max(2, int(round(float(rng.uniform(0.1, 0.16)) * ew)))
        disk = np.zeros(img.shape[:2], np.uint8)
        cv2.circle(disk, (int(round(cx)), int(round(cy))), radius, 1, -1)
        img[disk > 0] = red
        glint = (int(round(cx + 0.3 * radius)), int(round(cy - 0.3 * radius)))
        cv2.circle(img, glint, max(1, radius // 3), (255, 255, 255), -1)


def dressed_like(cut: Cutout, colour: np.ndarray, rng: np.random.Generator) -> Cutout:
    """The clothes below the neck dyed near `colour` (−18…+12 per channel; the backdrop's light
    blue for the variant), their folds kept as lightness changes around the dye."""
    rgb = cut.rgb.astype(np.float64)
    chin = float(cut.points[8, 1]) + float(rng.uniform(0.05, 0.15)) * cut.face_width
    rows = np.arange(rgb.shape[0])[:, None] >= chin
    clothes = rows & (cut.alpha > 0.5)
    if not clothes.any():
        return cut
    grey = rgb.mean(axis=2)
    folds = (grey - grey[clothes].mean()) / max(1.0, grey[clothes].std())
    dye = colour + rng.uniform(-18, 12, 3)
    shaded = dye[None, None, :] * (1 + 0.06 * np.clip(folds, -2, 2))[..., None]
    out = rgb.copy()
    out[clothes] = shaded[clothes]
    return replace(cut, rgb=np.clip(out, 0, 255).astype(np.uint8))


def mouth_opened(cut: Cutout, rng: np.random.Generator) -> Cutout:
    """The jaw dropped (0.6–1.0 of the liveness bursts' open mouth: the lower lip down by up to
    0.7 mouth widths, the chin following) and the gap painted dark, on the cut-out."""
    from domain.vision import LivenessAction
    from synthetic.liveness import action_frame

    amount = float(rng.uniform(0.6, 1.0))
    opened = action_frame(cut.rgb, cut.points, LivenessAction.OPEN_MOUTH, amount)
    return replace(cut, rgb=opened)
