"""Text detection on the printed area only (used by activities/ocr.py).

Detection is most of the OCR time and its cost grows with the pixels it sees. The card fills
40–90 % of a phone photo and its print a smaller part still, so a coarse pass at a quarter of the
pixels finds the printed area, and the full pass then sees only that area of the very image it
would have seen (the photo scaled to DET_SIDE, cut on the network's 32-px grid): the characters
keep their resolution, the background is not searched. Recognition reads the boxes from the
working photo, as the whole pipeline does. Nothing found by the coarse pass, or an area that is
nearly the whole photo, sends the full pass over the whole photo.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from rapidocr import RapidOCR

COARSE_SIDE = 480  # px, long side of the locating pass: card print stays ≥ 6 px tall
# Lines the coarse pass missed sit next to lines it found: the margin spans a few line heights.
MARGIN_LINES = 3.0
MIN_MARGIN_SHARE = 0.05  # of the photo's long side, for cards read from a couple of labels
MAX_REGION_SHARE = 0.8  # above this share of the photo, the crop saves too little to matter
GRID = 32  # the detector's input sides are multiples of this

Region = tuple[int, int, int, int]  # left, top, right, bottom in pixels


def text_region(boxes: np.ndarray | None, shape: tuple[int, ...]) -> Region | None:
    """The printed area around the coarse boxes (n × 4 × 2), with a margin of a few line heights,
    widened to the GRID; None when there is nothing to go on or it is nearly the whole image."""
    if boxes is None or len(boxes) == 0:
        return None
    height, width = shape[:2]
    points = np.asarray(boxes, np.float32).reshape(-1, 2)
    line_height = float(np.median([np.ptp(np.asarray(box, np.float32)[:, 1]) for box in boxes]))
    margin = max(MARGIN_LINES * line_height, MIN_MARGIN_SHARE * max(width, height))
    left, top = (np.maximum(points.min(axis=0) - margin, 0) // GRID * GRID).astype(int)
    right = min(int(-(-(points[:, 0].max() + margin) // GRID) * GRID), width)
    bottom = min(int(-(-(points[:, 1].max() + margin) // GRID) * GRID), height)
    if (right - left) * (bottom - top) > MAX_REGION_SHARE * width * height:
        return None
    return int(left), int(top), right, bottom


def detect_and_read(
    engine: RapidOCR, rgb: np.ndarray, det_side: int
) -> list[tuple[np.ndarray, str, float]]:
    """(box in `rgb` pixels, text, score) for every confident, non-empty line."""
    from rapidocr.ch_ppocr_det.utils import DetPreProcess

    detector = engine._load_det_model()  # type: ignore[no-untyped-call]
    scaled = DetPreProcess(det_side, "max").resize(rgb)  # what the whole pipeline detects on
    if scaled is None:
        return []
    try:
        detector.limit_side_len = COARSE_SIDE
        region = text_region(detector(scaled).boxes, scaled.shape)
        left, top, right, bottom = region or (0, 0, scaled.shape[1], scaled.shape[0])
        crop = np.ascontiguousarray(scaled[top:bottom, left:right])
        detector.limit_side_len = max(crop.shape[:2])  # on the grid already: no second resize
        boxes = detector(crop).boxes
    finally:
        detector.limit_side_len = det_side
    if boxes is None or len(boxes) == 0:
        return []
    to_photo = np.array([rgb.shape[1] / scaled.shape[1], rgb.shape[0] / scaled.shape[0]])
    boxes = ((np.asarray(boxes, np.float32) + (left, top)) * to_photo).astype(np.float32)
    read = engine.recognize_txt(engine.crop_text_regions(rgb, boxes))
    return [
        (box, text, float(score))
        for box, text, score in zip(boxes, read.txts or (), read.scores, strict=True)
        if text.strip() and score >= engine.text_score
    ]
