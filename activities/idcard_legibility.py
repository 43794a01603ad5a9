"""Why a field the ID step needs was not legible, measured where the field is, after the read.

The labels OCR found (姓名, 公民身份号码, 签发机关 …) sit at fixed places on every card, so two or
more of them fix a similarity transform from the card's layout to the photo. Each needed field's
printed area is then measured in the photo: blown-out pixels (glare, over-exposure) beyond the
share the card's paper shows as a whole (a photocopy's or a scan's paper is white everywhere:
no glare), local sharpness, and the height of its characters in the uploaded pixels. The first
that explains the miss names the refusal; none does → the field is simply unreadable (or
outside the frame). The levels below only pick the code and the advice — the decision to refuse
is the failed read.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from activities.idcard_image import Photo, card_on_border, id_image_refusal, quality_warnings
from domain.errors import Refusal
from domain.idcard_parse import OcrLine, compact
from domain.vision import CardSide, IdImageRefusal

# Left-middle of each printed label, in fractions of the card (85.6 × 54 mm layout).
ANCHORS: dict[CardSide, dict[str, tuple[float, float]]] = {
    CardSide.FRONT: {
        "姓名": (0.06, 0.171), "性别": (0.06, 0.295), "民族": (0.33, 0.295),
        "出生": (0.06, 0.419), "住址": (0.06, 0.54), "公民身份号码": (0.06, 0.846),
    },
    CardSide.BACK: {
        "中华人民共和国": (0.31, 0.19), "签发机关": (0.2, 0.72), "有效期限": (0.2, 0.847),
    },
}  # fmt: skip
# Where each field's value is printed (left, top, right, bottom), fractions of the card.
REGIONS: dict[str, tuple[float, float, float, float]] = {
    "name": (0.16, 0.11, 0.62, 0.23), "sex": (0.16, 0.24, 0.32, 0.34),
    "ethnicity": (0.40, 0.24, 0.62, 0.34), "birth_date": (0.16, 0.36, 0.62, 0.46),
    "address": (0.16, 0.48, 0.64, 0.77), "id_number": (0.27, 0.78, 0.95, 0.91),
    "issuer": (0.34, 0.66, 0.95, 0.78), "validity": (0.34, 0.79, 0.95, 0.91),
    "portrait": (0.58, 0.03, 1.0, 0.9), "face": (0.68, 0.15, 0.9, 0.55),
    "card": (0.0, 0.0, 1.0, 1.0),
}  # fmt: skip
MEASURED_AT = {"portrait": "face"}  # the portrait is judged by its face, not its margin
ASPECT = 0.631  # card height / width: y fractions become card-width units (a similarity)
CHAR_HEIGHT = 0.055 * ASPECT  # value characters, in card widths
MIN_CHAR_PX = 12  # uploaded pixels per character height below which PP-OCR loses strokes
GLARE_SHARE = 0.15  # share of a field's area blown out (every channel ≥ 245)
MIN_FIELD_SHARPNESS = 60.0  # Laplacian variance inside a field, working scale


@dataclass(frozen=True)
class FieldQuality:
    glare: float
    sharpness: float
    char_px: float
    inside: bool  # the field's area lies within the photo
    card_glare: float = 0.0  # the same share over the whole card: its paper's own brightness


def card_transform(lines: list[OcrLine], side: CardSide) -> np.ndarray | None:
    """2×3 similarity from card fractions to working-photo pixels, from the labels' positions."""
    src, dst = [], []
    for label, (x, y) in ANCHORS[side].items():
        for line in lines:
            if compact(line.text).startswith(label):
                (x0, y0), _, _, (x3, y3) = line.box[:4]
                src.append((x, y * ASPECT))
                dst.append(((x0 + x3) / 2, (y0 + y3) / 2))
                break
    if len(src) < 2:
        return None
    matrix, _ = cv2.estimateAffinePartial2D(
        np.array(src, np.float32), np.array(dst, np.float32), method=cv2.LMEDS
    )
    return matrix


def _placed(matrix: np.ndarray, field: str) -> np.ndarray:
    left, top, right, bottom = REGIONS[field]
    top, bottom = top * ASPECT, bottom * ASPECT
    corners = np.array([[left, top], [right, top], [right, bottom], [left, bottom]], np.float32)
    placed: np.ndarray = cv2.transform(corners[None], matrix)[0]
    return placed


def field_window(
    lines: list[OcrLine], side: CardSide, field: str, shape: tuple[int, ...]
) -> tuple[int, int, int, int] | None:
    """Bounding box of a field's area in the working photo, clipped to it; None without layout."""
    matrix = card_transform(lines, side)
    if matrix is None:
        return None
    placed = _placed(matrix, field)
    x0, y0 = np.maximum(placed.min(axis=0), 0).astype(int)
    x1 = int(min(placed[:, 0].max(), shape[1]))
    y1 = int(min(placed[:, 1].max(), shape[0]))
    return (int(x0), int(y0), x1, y1) if x1 - x0 > 16 and y1 - y0 > 16 else None


def field_quality(photo: Photo, matrix: np.ndarray, field: str) -> FieldQuality:
    placed = _placed(matrix, field)
    height, width = photo.rgb.shape[:2]
    inside = bool(
        (placed[:, 0] >= -2).all()
        and (placed[:, 0] <= width + 2).all()
        and (placed[:, 1] >= -2).all()
        and (placed[:, 1] <= height + 2).all()
    )
    mask = np.zeros((height, width), np.uint8)
    cv2.fillConvexPoly(mask, placed.astype(np.int32), 1)
    area = mask.astype(bool)
    if not area.any():
        return FieldQuality(0.0, 0.0, 0.0, inside=False)
    blown = photo.rgb.min(axis=2) >= 245
    glare = float(blown[area].mean())
    card = np.zeros((height, width), np.uint8)
    cv2.fillConvexPoly(card, _placed(matrix, "card").astype(np.int32), 1)
    card_glare = float(blown[card.astype(bool)].mean()) if card.any() else 0.0
    gray = cv2.cvtColor(photo.rgb, cv2.COLOR_RGB2GRAY)
    sharp = float(cv2.Laplacian(gray, cv2.CV_64F)[area].var())
    card_scale = float(np.hypot(matrix[0, 0], matrix[1, 0]))  # working px per card width
    upload_per_working = photo.upload_per_px
    char_px = CHAR_HEIGHT * card_scale * upload_per_working
    return FieldQuality(glare, sharp, char_px, inside, card_glare)


def whole_photo_refusal(
    photo: Photo, side: CardSide, field: str, otherwise: IdImageRefusal
) -> Refusal:
    """Without the labels there is no layout: the whole-photo measures say what went wrong."""
    for warning in quality_warnings(photo, side):
        return id_image_refusal(
            IdImageRefusal[warning.code],
            side,
            field=field,
            measured=warning.measured,
            expected=warning.expected,
        )
    code = IdImageRefusal.ID_CARD_CROPPED if card_on_border(photo) else otherwise
    return id_image_refusal(code, side, field=field)


def unreadable_refusal(
    photo: Photo,
    side: CardSide,
    field: str,
    lines: list[OcrLine],
    otherwise: IdImageRefusal = IdImageRefusal.ID_FIELDS_UNREADABLE,
) -> Refusal:
    """The refusal for a needed field with no confident read, naming the measured cause."""
    matrix = card_transform(lines, side)
    if matrix is None:  # hardly a label read
        return whole_photo_refusal(photo, side, field, otherwise)
    q = field_quality(photo, matrix, MEASURED_AT.get(field, field))
    if not q.inside:
        return id_image_refusal(IdImageRefusal.ID_CARD_CROPPED, side, field=field)
    causes = (  # (code, measured, limit, explains the miss)
        (
            IdImageRefusal.ID_LOW_RESOLUTION,
            round(q.char_px, 1),
            MIN_CHAR_PX,
            q.char_px < MIN_CHAR_PX,
        ),
        (
            IdImageRefusal.ID_GLARE,
            round(q.glare, 3),
            GLARE_SHARE,
            q.glare - q.card_glare > GLARE_SHARE,
        ),
        (
            IdImageRefusal.ID_BLURRY,
            round(q.sharpness, 1),
            MIN_FIELD_SHARPNESS,
            q.sharpness < MIN_FIELD_SHARPNESS,
        ),
    )
    for code, measured, limit, explains in causes:
        if explains:
            return id_image_refusal(code, side, field=field, measured=measured, expected=limit)
    return id_image_refusal(otherwise, side, field=field)
