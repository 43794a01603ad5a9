"""Text detection on the printed area only, at the scale its print needs (used by
activities/ocr.py).

Detection is most of the OCR time and its cost grows with the pixels it sees. The card fills
40–90 % of a phone photo and its print a smaller part still, so a coarse pass at a quarter of the
pixels finds the printed area, and the full pass then sees only that area of the very image it
would have seen (the photo scaled to DET_SIDE, cut on the network's 32-px grid); the background
is not searched. The coarse pass also measures the print: a card that fills the frame has lines
far taller than the detector needs, so the full pass looks at it shrunk until its median line is
MIN_LINE_PX tall — never enlarged, so a small card keeps every pixel it had. Recognition reads
the boxes from the working photo, as the whole pipeline does. Nothing found by the coarse pass,
or an area that is nearly the whole photo, sends the full pass over the whole photo.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from rapidocr import RapidOCR

COARSE_SIDE = 480  # px, long side of the locating pass: card print stays ≥ 6 px tall
# Lines the coarse pass missed sit next to lines it found: the margin spans a few line heights.
MARGIN_LINES = 3.0
MIN_MARGIN_SHARE = 0.05  # of the photo's long side, for cards read from a couple of labels
MAX_REGION_SHARE = 0.8  # above this share of the photo, the crop saves too little to matter
# Lines this tall (median box height in the detector's input) are found as well at any larger
# size, the one-character 性别 value among them: larger print is detected shrunk to it.
MIN_LINE_PX = 30.0
GRID = 32  # the detector's input sides are multiples of this

Region = tuple[int, int, int, int]  # left, top, right, bottom in pixels


def text_region(boxes: np.ndarray | None, shape: tuple[int, ...]) -> Region | None:
    """The printed area around the coarse boxes (n × 4 × 2), with a margin of a few line heights,
    widened to the GRID; None when there is nothing to go on or it is nearly the whole image."""
    if boxes is None or len(boxes) == 0:
        return None
    height, width = shape[:2]
    points = np.asarray(boxes, np.float32).reshape(-1, 2)
    line_height = median_line_height(boxes)
    margin = max(MARGIN_LINES * line_height, MIN_MARGIN_SHARE * max(width, height))
    left, top = (np.maximum(points.min(axis=0) - margin, 0) // GRID * GRID).astype(int)
    right = min(int(-(-(points[:, 0].max() + margin) // GRID) * GRID), width)
    bottom = min(int(-(-(points[:, 1].max() + margin) // GRID) * GRID), height)
    if (right - left) * (bottom - top) > MAX_REGION_SHARE * width * height:
        return None
    return int(left), int(top), right, bottom


def median_line_height(boxes: np.ndarray) -> float:
    return float(np.median([np.ptp(np.asarray(box, np.float32)[:, 1]) for box in boxes]))


def runs_across(boxes: np.ndarray | None) -> bool:
    """The card lies turned a quarter in the photo (a portrait frame filled by the card): most of
    its lines — boxes at least twice as long as they are high, so two characters or more — run
    up and down. Single characters and square blobs say nothing either way."""
    across = along = 0
    for box in lines_of(boxes):
        first, second = box[1] - box[0], box[2] - box[1]
        long = first if np.hypot(*first) >= np.hypot(*second) else second
        if abs(long[1]) > abs(long[0]):
            across += 1
        else:
            along += 1
    return across > along


def lines_of(boxes: np.ndarray | None) -> list[np.ndarray]:
    """The boxes at least twice as long as they are high: two characters or more of one line.
    A single character is square; so is a small card's whole print, merged into one blob by a
    pass at a coarse scale."""
    found = []
    for box in np.asarray(boxes if boxes is not None else [], np.float32).reshape(-1, 4, 2):
        first, second = np.hypot(*(box[1] - box[0])), np.hypot(*(box[2] - box[1]))
        if max(first, second) >= 2 * min(first, second):
            found.append(box)
    return found


@dataclass(frozen=True)
class Located:
    """The locating pass over one photo: the photo as the whole pipeline detects on it (scaled to
    the detection side) and the boxes a pass at COARSE_SIDE finds there (None: nothing)."""

    scaled: np.ndarray
    coarse: np.ndarray | None


def locate(engine: RapidOCR, rgb: np.ndarray, det_side: int) -> Located | None:
    """The coarse pass, once per photo: it tells whether the card lies turned (`quarter_turns`)
    and, for a photo read as it is, where and at what scale the full pass looks (`detect_text`)."""
    from rapidocr.ch_ppocr_det.utils import DetPreProcess

    detector = engine._load_det_model()  # type: ignore[no-untyped-call]
    scaled = DetPreProcess(det_side, "max").resize(rgb)  # what the whole pipeline detects on
    if scaled is None:
        return None
    try:
        detector.limit_side_len = COARSE_SIDE
        return Located(scaled, detector(scaled).boxes)
    finally:
        detector.limit_side_len = det_side


def quarter_turns(located: Located | None) -> int:
    """Quarter turns (np.rot90's k) that bring the card's lines level: 1 when they run up and
    down, else 0. Which way up is not told here: a card read upside down finds none of its
    labels, and the caller reads it turned half round (activities/ocr.py)."""
    return 1 if located is not None and runs_across(located.coarse) else 0


def detection_shrink(boxes: np.ndarray | None) -> float:
    """How much smaller than the working scale the full pass can look: down to MIN_LINE_PX
    lines, never up. A coarse pass that found no line (`lines_of`) has not measured the print:
    a small card in a large frame shows it its print as one blob as tall as the card, and
    shrinking the full pass by that blob merged the card into one box again — no label read, the
    side refused. Such a pass leaves the full pass at the working scale."""
    if boxes is None or not lines_of(boxes):
        return 1.0
    return min(1.0, MIN_LINE_PX / max(median_line_height(boxes), 1.0))


def detect_text(
    engine: RapidOCR, rgb: np.ndarray, det_side: int, located: Located | None = None
) -> np.ndarray:
    """The boxes (n × 4 × 2, in `rgb` pixels) of every text line the detector finds; `located`:
    the locating pass already run over this very `rgb`."""
    located = located or locate(engine, rgb, det_side)
    if located is None:
        return np.zeros((0, 4, 2), np.float32)
    scaled, coarse = located.scaled, located.coarse
    detector = engine._load_det_model()  # type: ignore[no-untyped-call]
    region = text_region(coarse, scaled.shape)
    left, top, right, bottom = region or (0, 0, scaled.shape[1], scaled.shape[0])
    crop = np.ascontiguousarray(scaled[top:bottom, left:right])
    try:
        # the detector resizes to this long side (on its grid) and answers in `crop` pixels
        detector.limit_side_len = round(max(crop.shape[:2]) * detection_shrink(coarse))
        boxes = detector(crop).boxes
    finally:
        detector.limit_side_len = det_side
    if boxes is None or len(boxes) == 0:
        return np.zeros((0, 4, 2), np.float32)
    to_photo = np.array([rgb.shape[1] / scaled.shape[1], rgb.shape[0] / scaled.shape[0]])
    placed: np.ndarray = ((np.asarray(boxes, np.float32) + (left, top)) * to_photo).astype(
        np.float32
    )
    return placed


def line_images(rgb: np.ndarray, boxes: np.ndarray) -> list[np.ndarray]:
    """Each box cut out of `rgb` and turned upright, as the recogniser takes it."""
    from rapidocr.utils.process_img import get_rotate_crop_image

    return [get_rotate_crop_image(rgb, box.copy()) for box in boxes]


def recognize(engine: RapidOCR, crops: list[np.ndarray]) -> list[tuple[str, float]]:
    """(text, score) of each line image, in order."""
    if not crops:
        return []
    read = engine.recognize_txt(crops)
    return [(text, float(score)) for text, score in zip(read.txts or (), read.scores, strict=True)]


def balanced(widths: list[float], parts: int) -> list[list[int]]:
    """Indices of the lines split into `parts` groups of about equal total width: recognition
    cost grows with a line's width at the network's fixed height."""
    groups: list[list[int]] = [[] for _ in range(max(parts, 1))]
    loads = [0.0] * len(groups)
    for index in sorted(range(len(widths)), key=lambda i: -widths[i]):
        lightest = loads.index(min(loads))
        groups[lightest].append(index)
        loads[lightest] += widths[index]
    return [group for group in groups if group]
