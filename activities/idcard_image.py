"""Photo-quality measures and the portrait crop for ID-card uploads (used by activities/ocr.py).

Quality no longer refuses a card by itself: glare on the pale card, a soft focus or a small photo
matter only where they hide a field the step needs (activities/idcard_legibility.py, after the
read). Measured over the whole photo they become warnings for the examiner. Only a photo with no
card in it at all is refused before OCR (it costs milliseconds where OCR costs a second).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageOps

from domain.errors import Refusal
from domain.vision import CardSide, IdImageRefusal, QualityWarning

ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP")
MAX_PIXELS = 40_000_000  # decompression-bomb limit: far above any phone camera
WORKING_LONG_SIDE = 1280  # OCR and checks run on this size: enough for 18 digits, fast on 2 cores
# Warning levels (the examiner sees them; they refuse nothing on their own).
MIN_SHORT_SIDE = 480  # below this the portrait is small for the face match
MIN_SHARPNESS = 30.0  # variance of the Laplacian at 1000 px long side
MAX_GLARE_AREA = 0.02  # largest blown-out blob, as a fraction of the photo
MAX_CARD_ON_BORDER = 0.03  # share of the photo's edge the card may touch (a corner, a shadow)
# A card the frame cut touches one or two of its edges: under half of its length, even a card
# cut on three sides of a landscape frame (its long sides and one short: 3/7 of the edge).
MAX_PAGE_ON_BORDER = 0.5
SIDE_NAMES = {"front": "头像面", "back": "国徽面"}


def id_image_refusal(
    code: IdImageRefusal,
    side: str,
    *,
    field: str = "card",
    measured: object = None,
    expected: object = None,
) -> Refusal:
    """`details` always names the side and the field (「card」 when it is about the whole side)."""
    from domain.idcard_fields import FIELD_NAMES

    message = code.message.format(
        side=SIDE_NAMES.get(side, side), expected=expected, field=FIELD_NAMES.get(field, field)
    )
    return Refusal.of(
        code,
        message=message,
        measured=measured,
        expected=expected,
        details={"side": side, "field": field},
    )


@dataclass(frozen=True)
class Photo:
    rgb: np.ndarray  # working copy, long side at most WORKING_LONG_SIDE
    original_size: tuple[int, int]  # width, height as uploaded
    upload_px: float = 0.0  # uploaded pixels per working pixel; 0: the whole photo, scaled

    @property
    def upload_per_px(self) -> float:
        return self.upload_px or max(self.original_size) / max(self.rgb.shape[:2])


def decode(data: bytes) -> Photo | None:
    """Pillow with an allow-list and a pixel cap; EXIF orientation applied as phones intend."""
    try:
        with Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS) as opened:
            if opened.width * opened.height > MAX_PIXELS:
                return None
            size = opened.size
            if opened.format == "JPEG":  # decode at 1/2, 1/4 … while still above the working size
                k = WORKING_LONG_SIDE / max(size)
                opened.draft("RGB", (int(size[0] * k) + 1, int(size[1] * k) + 1))
            image = ImageOps.exif_transpose(opened).convert("RGB")
    except (OSError, ValueError, Image.DecompressionBombError):
        return None
    if (image.width < image.height) != (size[0] < size[1]):
        size = (size[1], size[0])  # EXIF turned it: the uploaded size, upright
    scale = WORKING_LONG_SIDE / max(image.size)
    if scale < 1:
        image = image.resize(
            (round(image.width * scale), round(image.height * scale)), Image.Resampling.BILINEAR
        )
    return Photo(rgb=np.asarray(image), original_size=size)


def turned(photo: Photo, quarters: int) -> Photo:
    """The photo turned `quarters` quarter turns counter-clockwise (np.rot90), its uploaded size
    with it."""
    if quarters % 4 == 0:
        return photo
    width, height = photo.original_size
    return Photo(
        rgb=np.ascontiguousarray(np.rot90(photo.rgb, quarters)),
        original_size=(height, width) if quarters % 2 else (width, height),
        upload_px=photo.upload_px,
    )


CLOSEUP_MARGIN = 0.25  # of the printed area's long side, each way: the card's edges, its portrait
MIN_CLOSEUP_GAIN = 1.5  # a second decode and read for less than half again the pixels: not worth it


def closeup_gain(photo: Photo, area: tuple[int, int, int, int]) -> float:
    """How many times more pixels per side the card would get read from the upload, its area
    (working px) scaled to WORKING_LONG_SIDE but never beyond the pixels it was uploaded with."""
    x0, y0, x1, y1 = area
    return min(photo.upload_per_px, WORKING_LONG_SIDE / max(x1 - x0, y1 - y0, 1))


def card_closeup(
    data: bytes, photo: Photo, quarters: int, area: tuple[int, int, int, int]
) -> Photo | None:
    """The card's area (working px of `photo`, which is the upload turned `quarters` quarter
    turns) decoded again from the upload at `closeup_gain` times the working scale: the working
    copy scales the whole photo to WORKING_LONG_SIDE, so a card filling part of a large photo —
    a phone's portrait frame above all — is read from a fraction of the pixels it was sent
    with. None when the gain is below MIN_CLOSEUP_GAIN."""
    gain = closeup_gain(photo, area)
    if gain < MIN_CLOSEUP_GAIN:
        return None
    x0, y0, x1, y1 = area
    try:
        with Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS) as opened:
            if opened.format == "JPEG":
                k = gain / photo.upload_per_px
                opened.draft("RGB", (int(opened.width * k) + 1, int(opened.height * k) + 1))
            image = ImageOps.exif_transpose(opened).convert("RGB")
    except (OSError, ValueError, Image.DecompressionBombError):
        return None
    upload = np.rot90(np.asarray(image), quarters)
    f = upload.shape[1] / photo.rgb.shape[1]  # decoded px per working px
    rows, cols = slice(round(y0 * f), round(y1 * f)), slice(round(x0 * f), round(x1 * f))
    crop = np.ascontiguousarray(upload[rows, cols])
    size = (round((x1 - x0) * gain), round((y1 - y0) * gain))
    rgb = cv2.resize(crop, size, interpolation=cv2.INTER_AREA if f > gain else cv2.INTER_LINEAR)
    return Photo(rgb=rgb, original_size=photo.original_size, upload_px=photo.upload_per_px / gain)


FLATTEN_KERNEL = 31  # px at the working size: wider than a character's strokes, narrower than glare
FLATTEN_GAIN = 2.5  # ink's shortfall from the paper, amplified: faded print back to dark


def flatten_light(rgb: np.ndarray) -> np.ndarray:
    """Divide out the slowly varying light (gradient, shadow, the skirt of a glare spot), the
    way document scanners do: the paper's brightness per place is the closing of each channel
    (dark strokes removed), smoothed; ink keeps its contrast against it. Clipped pixels stay
    lost — this recovers faded text, not text the light has erased."""
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (FLATTEN_KERNEL, FLATTEN_KERNEL))
    paper = cv2.morphologyEx(rgb, cv2.MORPH_CLOSE, kernel)
    paper = cv2.blur(paper, (FLATTEN_KERNEL, FLATTEN_KERNEL)).astype(np.float32)
    flat = rgb.astype(np.float32) / np.maximum(paper, 1.0)  # 1.0 is paper, less is ink
    return np.clip(235.0 - (1.0 - flat) * 235.0 * FLATTEN_GAIN, 0, 255).astype(np.uint8)


def sharpness(rgb: np.ndarray) -> float:
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    scale = 1000 / max(gray.shape)
    gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    return float(cv2.Laplacian(gray, cv2.CV_64F).var())


def glare_area(rgb: np.ndarray) -> float:
    """The largest connected blown-out region inside the frame: a reflection saturates every
    channel, and lies on the card. A blown region reaching the frame's edge is what lies around
    the card — a photocopy's or a scan's white page, a white desk, a window — not glare."""
    blown = cv2.inRange(rgb, (250, 250, 250), (255, 255, 255))  # numpy's min is 10x slower
    count, _, stats, _ = cv2.connectedComponentsWithStats(blown, connectivity=8)
    height, width = blown.shape
    left, top = stats[1:, cv2.CC_STAT_LEFT], stats[1:, cv2.CC_STAT_TOP]
    right = left + stats[1:, cv2.CC_STAT_WIDTH]
    bottom = top + stats[1:, cv2.CC_STAT_HEIGHT]
    inside = (left > 0) & (top > 0) & (right < width) & (bottom < height)
    if not inside.any():
        return 0.0
    return float(stats[1:, cv2.CC_STAT_AREA][inside].max()) / float(blown.size)


def card_region(rgb: np.ndarray) -> tuple[float, float]:
    """The largest bright, colourless blob — the card's pale print — as (share of the photo,
    share of the photo's border it covers). No blob: no card; a blob on the border: cut off."""
    size = (320, round(320 * rgb.shape[0] / rgb.shape[1]))
    small = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
    bright = small.max(axis=2) > 180
    pale = small.max(axis=2).astype(np.int16) - small.min(axis=2) < 50
    kernel = np.ones((5, 5), np.uint8)
    mask = cv2.morphologyEx((bright & pale).astype(np.uint8), cv2.MORPH_CLOSE, kernel)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count <= 1:
        return 0.0, 0.0
    biggest = 1 + int(stats[1:, cv2.CC_STAT_AREA].argmax())
    blob = labels == biggest
    border = np.concatenate([blob[0], blob[-1], blob[:, 0], blob[:, -1]])
    return float(blob.mean()), float(border.mean())


def card_on_border(photo: Photo) -> bool:
    """Only asked when OCR missed fields: pale clutter touching the edge would fool it alone.
    A pale region along most of the frame's edge is a page (a photocopy, a scan) or a white desk
    the card lies on, not a card the frame cut."""
    return MAX_CARD_ON_BORDER < card_region(photo.rgb)[1] <= MAX_PAGE_ON_BORDER


def quality_warnings(photo: Photo, side: CardSide) -> list[QualityWarning]:
    """Whole-photo blemishes, for the examiner: the card was read in spite of them."""
    found: list[tuple[IdImageRefusal, float, float]] = []
    short = min(photo.original_size)
    if short < MIN_SHORT_SIDE:
        found.append((IdImageRefusal.ID_LOW_RESOLUTION, short, MIN_SHORT_SIDE))
    sharp = sharpness(photo.rgb)
    if sharp < MIN_SHARPNESS:
        found.append((IdImageRefusal.ID_BLURRY, round(sharp, 1), MIN_SHARPNESS))
    glare = glare_area(photo.rgb)
    if glare > MAX_GLARE_AREA:
        found.append((IdImageRefusal.ID_GLARE, round(glare, 4), MAX_GLARE_AREA))
    return [
        QualityWarning(
            code=code,
            side=side,
            measured=measured,
            expected=expected,
            message=f"{SIDE_NAMES[side]}{WARNING_TEXT[code]}（不影响识别）",
        )
        for code, measured, expected in found
    ]


WARNING_TEXT = {
    IdImageRefusal.ID_LOW_RESOLUTION: "分辨率偏低",
    IdImageRefusal.ID_BLURRY: "略有模糊",
    IdImageRefusal.ID_GLARE: "有反光或过曝区域",
}


# A dark room's pushed noise swamps the gradients the face detector reads: the window is
# searched again smoothed (σ in the photo's pixels, then averaged down), only where the sharp
# search found no face.
NOISY_FACE_SIGMA = 1.0
PORTRAIT_WINDOW_PX = 360  # the portrait's window is scaled to this width: the face ~140 px


# A photocopy prints the portrait as a halftone screen at hard contrast (the skin goes to paper
# white, the dots break every gradient the HOG detector reads); a photo of a screen lays the
# screen's moiré over it in colour. In grey, as it is or averaged over a few dots (σ at the
# window's scale), the face's outline comes back, but only as a weak detection; it is taken
# where a second detector of another kind (OpenCV's Haar cascade, at its default strictness)
# finds the same face. Asked only where both searches above found none: a card main refused.
DESCREEN_SIGMA = 1.5
WEAK_FACE = -0.8  # dlib's detection threshold offset: its default is 0
SAME_FACE_IOU = 0.3


def _haar() -> cv2.CascadeClassifier:
    from pathlib import Path

    return cv2.CascadeClassifier(
        str(Path(cv2.__file__).parent / "data" / "haarcascade_frontalface_alt2.xml")
    )


def _iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    both = w * h
    return both / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - both)


def _confirmed_faces(grey: np.ndarray) -> list[tuple[float, float, float, float]]:
    from infra.landmarks import shared_landmark_model

    weak = shared_landmark_model().faces(
        np.ascontiguousarray(np.repeat(grey[..., None], 3, axis=2)), upsample=1, threshold=WEAK_FACE
    )
    others = [
        (float(x), float(y), float(x + w), float(y + h))
        for x, y, w, h in _haar().detectMultiScale(grey, 1.1, 3, minSize=(40, 40))
    ]
    return [
        tuple(map(float, f.box))  # type: ignore[misc]
        for f in weak
        if any(_iou(f.box, other) >= SAME_FACE_IOU for other in others)
    ]


# The window is placed by the labels read; on a copy or a screen few are, and faintly, and the
# face may stand past the window's edge: the last search looks this share of it further each way.
WINDOW_SLACK = 0.25


def widened(window: tuple[int, int, int, int], shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    x0, y0, x1, y1 = window
    dx, dy = round((x1 - x0) * WINDOW_SLACK), round((y1 - y0) * WINDOW_SLACK)
    return max(x0 - dx, 0), max(y0 - dy, 0), min(x1 + dx, shape[1]), min(y1 + dy, shape[0])


def screened_faces(
    rgb: np.ndarray, window: tuple[int, int, int, int] | None
) -> list[tuple[float, float, float, float]]:
    """Faces under a halftone screen or a screen's moiré (in `window`, else the whole photo):
    weak dlib detections on the grey picture, as it is and descreened, that the Haar cascade
    confirms."""
    x0, y0, x1, y1 = window or (0, 0, rgb.shape[1], rgb.shape[0])
    scale = PORTRAIT_WINDOW_PX / max(x1 - x0, 1) if window else 1.0
    grey = cv2.cvtColor(rgb[y0:y1, x0:x1], cv2.COLOR_RGB2GRAY)
    grey = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    for picture in (grey, cv2.GaussianBlur(grey, (0, 0), DESCREEN_SIGMA)):
        faces = _confirmed_faces(picture)
        if faces:
            return [
                (x0 + a / scale, y0 + b / scale, x0 + c / scale, y0 + d / scale)
                for a, b, c, d in faces
            ]
    return []


def portrait_jpeg(rgb: np.ndarray, window: tuple[int, int, int, int] | None = None) -> bytes | None:
    """The face on the card with the margin of the printed portrait (358 × 441 proportions).

    `window` (left, top, right, bottom), where the layout puts the portrait, is searched at a
    fixed scale: a small card's face is found and a large one costs a fraction of a full-photo
    pass. Without a window, or with no face in it, the whole photo is searched."""
    from infra.landmarks import shared_landmark_model

    model = shared_landmark_model()
    faces: list[tuple[float, float, float, float]] = []
    if window is not None:
        x0, y0, x1, y1 = window
        scale = PORTRAIT_WINDOW_PX / max(x1 - x0, 1)
        crop = cv2.resize(rgb[y0:y1, x0:x1], None, fx=scale, fy=scale)
        smooth = cv2.resize(
            cv2.GaussianBlur(rgb[y0:y1, x0:x1], (0, 0), NOISY_FACE_SIGMA),
            None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA,
        )  # fmt: skip
        for window_px in (crop, smooth):
            faces = [
                (x0 + a / scale, y0 + b / scale, x0 + c / scale, y0 + d / scale)
                for a, b, c, d in (
                    f.box for f in model.faces(np.ascontiguousarray(window_px), upsample=0)
                )
            ]
            if faces:
                break
    if not faces:
        faces = [tuple(map(float, f.box)) for f in model.faces(rgb, upsample=0)]  # type: ignore[misc]
    if not faces:
        faces = screened_faces(rgb, widened(window, rgb.shape) if window else None)
    if not faces:
        return None
    left, top, right, bottom = faces[0]
    side = (right - left) * 1.9
    height = side * 441 / 358
    cx, cy = (left + right) / 2, (top + bottom) / 2
    box = (
        max(int(cx - side / 2), 0),
        max(int(cy - height * 0.45), 0),
        min(int(cx + side / 2), rgb.shape[1]),
        min(int(cy + height * 0.55), rgb.shape[0]),
    )
    buffer = io.BytesIO()
    Image.fromarray(rgb).crop(box).save(buffer, format="JPEG", quality=92)
    return buffer.getvalue()
