"""The second 寸照 generator's cut-out (synthetic/photo_second.py): a colour-distance matte inside
a head-and-shoulders prior, written apart from synthetic/photo_cutout.py (GrabCut).

Inside a silhouette prior (an ellipse round the head, a trapezoid for neck and shoulders, both in
face widths from the landmarks) each pixel is compared, in CIELAB, with k-means colour centres of
certain person pixels (face hull, neck, centre of the chest) and of the source background just
outside the prior. Alpha is a logistic function of the difference of the two nearest distances;
the part connected to the face is kept, holes are filled and the edge is softened by a small blur.
No graph cut, no iteration: a different family of errors from GrabCut (a ragged colour edge
where hair meets a dark background, never a smooth wrong boundary).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

CUT_FACE_WIDTH = 260.0  # px, landmarks 1–15, of the stored cut-out
K_PERSON, K_BACKGROUND = 6, 6
SOFTNESS = 6.0  # ΔE difference that moves alpha from 0.27 to 0.73
EDGE_SIGMA = 1.1
PRIOR_WEIGHT = 60.0  # ΔE per face width inside the prior: 0.25 fw in counts +10 ΔE for the person
SCORE_SIGMA = 3.0  # px: the colour evidence is pooled before the decision, so edges are not ragged


@dataclass(frozen=True)
class Matte:
    rgb: np.ndarray  # uint8 (h, w, 3), the source scaled so the face is CUT_FACE_WIDTH wide
    alpha: np.ndarray  # float32 (h, w) 0..1
    points: np.ndarray  # (68, 2) landmarks in matte px
    head_top: float  # highest row of the silhouette above the face, in matte px
    name: str

    @property
    def eye_centre(self) -> np.ndarray:
        centre: np.ndarray = self.points[36:48].mean(axis=0)
        return centre

    @property
    def face_width(self) -> float:
        return float(np.linalg.norm(self.points[15] - self.points[1]))

    @property
    def roll_deg(self) -> float:
        (lx, ly), (rx, ry) = self.points[36:42].mean(axis=0), self.points[42:48].mean(axis=0)
        return float(np.degrees(np.arctan2(ry - ly, rx - lx)))


def _lab(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(rgb.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)


def _centres(samples: np.ndarray, k: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if len(samples) > 6000:
        samples = samples[rng.choice(len(samples), 6000, replace=False)]
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 30, 0.2)
    cv2.setRNGSeed(seed)
    labels = np.zeros((len(samples), 1), np.int32)
    _, _, centres = cv2.kmeans(
        samples.astype(np.float32), k, labels, criteria, 3, cv2.KMEANS_PP_CENTERS
    )
    return np.asarray(centres)


def _nearest(lab: np.ndarray, centres: np.ndarray) -> np.ndarray:
    d = np.sqrt(((lab[..., None, :] - centres[None, None]) ** 2).sum(axis=-1))
    nearest: np.ndarray = d.min(axis=-1)
    return nearest


@dataclass(frozen=True)
class HeadShape:
    """The head's ellipse in face widths, read off each fixture by eye: half its width, and how
    far its top (hair, cap) reaches above the eye line. Outside it nothing is the person, so a
    window or a flag behind the hair cannot join the head."""

    half_width: float = 0.62
    top: float = 0.85


HEAD_SHAPES = {
    "obama.jpg": HeadShape(0.57, 0.8),
    "obama3.jpg": HeadShape(0.57, 0.8),
    "biden.jpg": HeadShape(0.6, 0.82),
    "grace_hopper_512x512.jpg": HeadShape(0.72, 1.2),
    "astronaut.png": HeadShape(0.7, 1.0),
}


def _prior(
    shape: tuple[int, int], pts: np.ndarray, head: HeadShape
) -> tuple[np.ndarray, np.ndarray]:
    """(where the person may be, where it certainly is), from the landmarks."""
    h, w = shape
    fw = float(np.linalg.norm(pts[15] - pts[1]))
    cx = float(pts[27:31, 0].mean())
    eye_y = float(pts[36:48, 1].mean())
    chin = float(pts[8, 1])
    may = np.zeros((h, w), np.uint8)
    head_c = (round(cx), round(eye_y - 0.12 * fw))
    axes = (round(head.half_width * fw), round((head.top - 0.12) * fw))
    cv2.ellipse(may, head_c, axes, 0, 0, 360, 1, -1)
    shoulders = np.array(
        [
            (cx - 0.42 * fw, chin - 0.25 * fw),
            (cx + 0.42 * fw, chin - 0.25 * fw),
            (cx + 0.5 * fw, chin + 0.35 * fw),
            (cx + 1.7 * fw, chin + 0.85 * fw),
            (cx + 1.9 * fw, h),
            (cx - 1.9 * fw, h),
            (cx - 1.7 * fw, chin + 0.85 * fw),
            (cx - 0.5 * fw, chin + 0.35 * fw),
        ],
        np.int32,
    )
    cv2.fillPoly(may, [shoulders], 1)
    sure = np.zeros((h, w), np.uint8)
    cv2.fillConvexPoly(sure, cv2.convexHull(pts[:27].astype(np.int32)), 1)
    may = np.maximum(may, cv2.dilate(sure, np.ones((5, 5), np.uint8), iterations=2))
    cv2.rectangle(
        sure,
        (round(cx - 0.22 * fw), round(chin - 0.1 * fw)),
        (round(cx + 0.22 * fw), round(chin + 0.3 * fw)),
        1,
        -1,
    )
    cv2.rectangle(sure, (round(cx - 0.25 * fw), round(chin)), (round(cx + 0.25 * fw), h), 1, -1)
    cv2.rectangle(sure, (round(cx - 0.9 * fw), round(chin + fw)), (round(cx + 0.9 * fw), h), 1, -1)
    return may.astype(bool), (sure.astype(bool) & may.astype(bool))


def colour_matte(
    rgb: np.ndarray, pts: np.ndarray, head: HeadShape = HeadShape(), seed: int = 7
) -> np.ndarray:
    """Alpha of the person in `rgb` given its 68 landmarks (see the module docstring)."""
    h, w = rgb.shape[:2]
    lab = _lab(rgb)
    may, sure = _prior((h, w), pts, head)
    fw = float(np.linalg.norm(pts[15] - pts[1]))
    ring_in = cv2.dilate(may.astype(np.uint8), np.ones((3, 3), np.uint8), iterations=int(0.08 * fw))
    ring_out = cv2.dilate(ring_in, np.ones((3, 3), np.uint8), iterations=int(0.3 * fw))
    ring = (ring_out > 0) & (ring_in == 0)
    person_c = _centres(lab[sure], K_PERSON, seed)
    back_c = _centres(lab[ring], K_BACKGROUND, seed + 1)
    d_person, d_back = _nearest(lab, person_c), _nearest(lab, back_c)
    inside = cv2.distanceTransform(may.astype(np.uint8), cv2.DIST_L2, 5) / fw
    score = (d_back - d_person) + PRIOR_WEIGHT * (np.minimum(inside, 0.25) - 0.08)
    score = cv2.GaussianBlur(score.astype(np.float32), (0, 0), SCORE_SIGMA)
    alpha = 1.0 / (1.0 + np.exp(-score / (SOFTNESS / 2.2)))
    alpha[~may] = 0.0
    alpha[sure] = 1.0
    hard = cv2.medianBlur((alpha > 0.5).astype(np.uint8), 5)
    count, labels = cv2.connectedComponents(hard, connectivity=8)
    keep = np.unique(labels[sure & (hard > 0)])
    person = np.isin(labels, keep[keep > 0]).astype(np.uint8)
    contours, _ = cv2.findContours(person, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    cv2.drawContours(person, contours, -1, 1, thickness=cv2.FILLED)
    opened = cv2.morphologyEx(person, cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
    soft: np.ndarray = cv2.GaussianBlur(opened.astype(np.float32), (0, 0), EDGE_SIGMA)
    return soft


def head_top(alpha: np.ndarray, pts: np.ndarray) -> float:
    """Highest row above the eyes where the silhouette is at least 3 px wide within ±0.35 face
    widths of the centre."""
    fw = float(np.linalg.norm(pts[15] - pts[1]))
    cx, eye_y = float(pts[27:31, 0].mean()), float(pts[36:48, 1].mean())
    x0, x1 = int(cx - 0.35 * fw), int(cx + 0.35 * fw)
    band = alpha[: int(eye_y), max(0, x0) : x1] > 0.5
    run = np.array([np.convolve(r, np.ones(3), mode="valid").max(initial=0) >= 3 for r in band])
    rows = np.nonzero(run)[0]
    return float(rows[0]) if rows.size else 0.0


@lru_cache(maxsize=16)
def matte(face_path: str) -> Matte:
    """The person of one fixture photo, scaled so the face is CUT_FACE_WIDTH wide, padded at the
    bottom with the last rows (clothes go on below the frame)."""
    from infra.landmarks import shared_landmark_model

    src = np.asarray(Image.open(face_path).convert("RGB"))
    faces = shared_landmark_model().faces(src)
    if not faces:
        faces = shared_landmark_model().faces(src, upsample=1)
    pts = faces[0].points
    k = CUT_FACE_WIDTH / float(np.linalg.norm(pts[15] - pts[1]))
    scaled = cv2.resize(
        src, None, fx=k, fy=k, interpolation=cv2.INTER_AREA if k < 1 else cv2.INTER_CUBIC
    )
    pts = pts * k
    pad = int(2.5 * CUT_FACE_WIDTH)
    scaled = cv2.copyMakeBorder(scaled, 0, pad, 0, 0, cv2.BORDER_REPLICATE)
    name = Path(face_path).name
    alpha = colour_matte(scaled, pts, HEAD_SHAPES.get(name, HeadShape()))
    eye_y = float(pts[36:48, 1].mean())
    above = alpha[: int(eye_y - 0.3 * CUT_FACE_WIDTH)]
    opened = cv2.morphologyEx(
        (above > 0.5).astype(np.uint8), cv2.MORPH_OPEN, np.ones((15, 15), np.uint8)
    )
    above *= cv2.GaussianBlur(opened.astype(np.float32), (0, 0), EDGE_SIGMA)
    top = int(0.8 * CUT_FACE_WIDTH)  # nothing above the source's top edge is the person
    scaled = cv2.copyMakeBorder(scaled, top, 0, 0, 0, cv2.BORDER_REPLICATE)
    alpha = cv2.copyMakeBorder(alpha, top, 0, 0, 0, cv2.BORDER_CONSTANT, value=0.0)
    pts = pts + (0, top)
    return Matte(
        rgb=scaled,
        alpha=alpha,
        points=pts,
        head_top=head_top(alpha, pts),
        name=name,
    )
