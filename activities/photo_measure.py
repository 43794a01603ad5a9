"""Measurements of the picture, in the 480-px-wide frame the standard's numbers refer to.

Geometry comes from dlib's 68 landmarks; the head top is where the head meets the backdrop
(colour taken from the top corners) above the face. The backdrop is probed above the head and
beside it, outside the shoulders. Light, sharpness and glare follow OFIQ's (ISO/IEC 29794-5)
ideas in simple form: face-region luminance and its left/right balance, the share of clipped
pixels, and a no-reference blur measure (Crété-Roffet et al. 2007) on the face.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from activities.photo_wear import clothes_like_backdrop, lens_transmission, red_pupil_share
from domain import photo_spec as spec
from domain.liveness import mouth_opening
from infra.landmarks import FaceFinder

HEAD_EDGE_DELTA_E = 20.0  # a pixel this far from the backdrop colour belongs to the head
BLOCK_PX = 16
CORNER_PX = 28
WALL_RUN_PX = 6  # this many wall-like pixels in a row end the head
HEAD_MARGIN_PX = 4  # left out next to the head: the hair's soft edge
EAR_FW = 0.2  # face widths an ear reaches beyond the jaw line's top points
BESIDE_HEAD_BELOW_EYES = 0.2  # face widths: lower down, shoulders of a large head reach the sides
SHADOW_HUE_DEG = 20.0
SHADOW_CHROMA_SHARE = 0.5
SHADOW_MIN_WALL_CHROMA = 10.0  # a white or grey wall has no hue to keep


@dataclass(frozen=True)
class FaceGeometry:
    points: np.ndarray  # (68, 2) in frame px
    centre_x: float
    eye_y: float
    face_width: float
    head_top: float | None
    eye_ratio: float
    mouth_opening: float  # inner-lip gap over mouth width
    roll_deg: float
    yaw: float


@dataclass(frozen=True)
class FaceFacts:
    """What can only be measured around exactly one face: its geometry, the backdrop beside it,
    the light on it, the glare on and tint of its glasses, red eye, the clothes' colour."""

    geometry: FaceGeometry
    bg_delta_e: float
    bg_block_delta_e: float
    bg_outlier_share: float
    face_lightness: float
    side_diff: float
    highlight_share: float
    blur: float
    glare_pixels: int
    lens_transmission: float
    red_pupil_share: float
    clothes_backdrop_share: float


@dataclass(frozen=True)
class ImageFacts:
    frame_scale: float  # frame px per source px
    frame_size: tuple[int, int]
    chroma: float
    face_count: int
    border_sides: int
    face: FaceFacts | None = None


def to_frame(rgb: np.ndarray) -> tuple[np.ndarray, float]:
    """Scale to the standard's width so every threshold reads in its pixels."""
    h, w = rgb.shape[:2]
    if w == spec.WIDTH_PX:
        return rgb, 1.0
    k = spec.WIDTH_PX / w
    interp = cv2.INTER_AREA if k < 1 else cv2.INTER_LINEAR
    return cv2.resize(rgb, (spec.WIDTH_PX, max(1, round(h * k))), interpolation=interp), k


def lab(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(rgb.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)


def delta_e(lab_px: np.ndarray, ref: np.ndarray) -> np.ndarray:
    distance: np.ndarray = np.sqrt(((lab_px - ref) ** 2).sum(axis=-1))
    return distance


REFERENCE_LAB = lab(np.array([[spec.BACKGROUND_RGB]], np.uint8))[0, 0]


def _eye_ratio(eye: np.ndarray) -> float:
    width = np.linalg.norm(eye[0] - eye[3])
    height = np.linalg.norm(eye[1] - eye[5]) + np.linalg.norm(eye[2] - eye[4])
    return float(height / (2 * width)) if width else 0.0


def _head_top(
    lab_img: np.ndarray, backdrop: np.ndarray, centre_x: float, eye_y: float, fw: float
) -> float | None:
    x0, x1 = int(max(0, centre_x - 0.3 * fw)), int(min(lab_img.shape[1], centre_x + 0.3 * fw))
    band = lab_img[: int(eye_y), x0:x1]
    if band.size == 0:
        return None
    share = (delta_e(band, backdrop) > HEAD_EDGE_DELTA_E).mean(axis=1) > 0.3
    run = np.convolve(share.astype(np.int32), np.ones(4, np.int32), mode="valid") == 4
    rows = np.nonzero(run)[0]
    return float(rows[0]) if rows.size else None


def geometry(points: np.ndarray, lab_img: np.ndarray, backdrop: np.ndarray) -> FaceGeometry:
    left_eye, right_eye = points[36:42], points[42:48]
    (lx, ly), (rx, ry) = left_eye.mean(axis=0), right_eye.mean(axis=0)
    fw = float(np.linalg.norm(points[15] - points[1]))
    centre_x = float((points[1, 0] + points[15, 0]) / 2)
    eye_y = float((ly + ry) / 2)
    to_left, to_right = points[30, 0] - points[1, 0], points[15, 0] - points[30, 0]
    return FaceGeometry(
        points=points,
        centre_x=centre_x,
        eye_y=eye_y,
        face_width=fw,
        head_top=_head_top(lab_img, backdrop, centre_x, eye_y, fw),
        eye_ratio=min(_eye_ratio(left_eye), _eye_ratio(right_eye)),
        mouth_opening=mouth_opening(points.tolist()),
        roll_deg=float(np.degrees(np.arctan2(ry - ly, rx - lx))),
        yaw=float((to_left - to_right) / max(1.0, to_left + to_right)),
    )


def backdrop_colour(lab_img: np.ndarray) -> np.ndarray:
    """Median of the two top corners, a few px in so an added border does not decide it."""
    c, m = CORNER_PX, 10
    corners = np.concatenate(
        [
            lab_img[m : m + c, m : m + c].reshape(-1, 3),
            lab_img[m : m + c, -m - c : -m].reshape(-1, 3),
        ]
    )
    colour: np.ndarray = np.median(corners, axis=0)
    return colour


def wall_like(lab_img: np.ndarray, backdrop: np.ndarray) -> np.ndarray:
    """The backdrop lit or in shadow: near its colour, or — on a coloured wall — darker with its
    hue and at least half its chroma (a shadow dims a wall, it does not change its colour; hair,
    skin and dark clothes have another hue or far less chroma)."""
    near = delta_e(lab_img, backdrop) <= HEAD_EDGE_DELTA_E
    wall_chroma = float(np.hypot(backdrop[1], backdrop[2]))
    if wall_chroma < SHADOW_MIN_WALL_CHROMA:
        return near
    a, b = lab_img[..., 1], lab_img[..., 2]
    chroma = np.hypot(a, b)
    cos = (a * backdrop[1] + b * backdrop[2]) / np.maximum(chroma * wall_chroma, 1e-6)
    shaded = (
        (cos >= np.cos(np.radians(SHADOW_HUE_DEG)))
        & (chroma >= SHADOW_CHROMA_SHARE * wall_chroma)
        & (lab_img[..., 0] < backdrop[0])
    )
    out: np.ndarray = near | shaded
    return out


def beside_head(wall: np.ndarray, face: FaceGeometry, top: float) -> np.ndarray:
    """The wall left and right of the head, row by row from the head top to below the eyes:
    walking out, everything past the first run of wall-like pixels (less a margin for the hair's
    soft edge). A shadow cast beside the head lies there. Above the brows the walk starts at the
    face centre; lower down, beyond the ears (the jaw line's top points and 0.2 face widths),
    since the wall shows between an ear's rim and the head."""
    h, w = wall.shape
    region = np.zeros((h, w), bool)
    pts, fw = face.points, face.face_width
    centre = int(round(min(max(face.centre_x, 0), w - 1)))
    ears = (
        int(max(0, min(centre, pts[0:3, 0].min() - EAR_FW * fw))),
        int(min(w - 1, max(centre, pts[14:17, 0].max() + EAR_FW * fw))),
    )
    brows = float(pts[17:27, 1].min())
    kernel = np.ones(WALL_RUN_PX, np.int32)
    for y in range(max(0, int(top)), min(h, int(face.eye_y + BESIDE_HEAD_BELOW_EYES * fw))):
        left_from, right_from = (centre, centre) if y < brows else ears
        runs = np.convolve(wall[y].astype(np.int32), kernel, mode="valid") >= WALL_RUN_PX
        right = np.nonzero(runs[right_from:])[0]
        if right.size:
            region[y, right_from + right[0] + HEAD_MARGIN_PX :] = True
        left = np.nonzero(runs[: max(0, left_from - WALL_RUN_PX + 1)])[0]
        if left.size:
            region[y, : max(0, left[-1] + WALL_RUN_PX - HEAD_MARGIN_PX)] = True
    return region


def wall_below(wall: np.ndarray, face: FaceGeometry) -> np.ndarray:
    """Below the eyes the wall beside neck and shoulders: wall-like pixels (a margin away from
    anything else) connected to the left or right edge — a light shirt inside the jacket is not
    connected, the shoulders are not wall-like. Lets a top-to-bottom gradient be seen."""
    h, w = wall.shape
    region = np.zeros((h, w), bool)
    y0 = max(0, min(h, int(face.eye_y + 0.4 * face.face_width)))
    if y0 >= h:
        return region
    size = 2 * HEAD_MARGIN_PX + 1
    kept = cv2.erode(wall[y0:].astype(np.uint8), np.ones((size, size), np.uint8))
    _, labels = cv2.connectedComponents(kept, connectivity=4)
    sides = np.union1d(labels[:, 0], labels[:, -1])
    region[y0:] = np.isin(labels, sides[sides > 0])
    return region


def background_region(
    lab_img: np.ndarray, backdrop: np.ndarray, face: FaceGeometry
) -> tuple[np.ndarray, np.ndarray]:
    """(the wall around the head — above it and beside it down to below the eyes, where objects,
    text and shadows are counted; that and the wall below — for its colour and evenness). The
    share of "something else" keeps its extent, so a mark of a given size counts as much as
    before; a gradient is judged over the whole height."""
    h, w = lab_img.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w]
    top = face.head_top if face.head_top is not None else face.eye_y - 0.8 * face.face_width
    beside = (np.abs(xx - face.centre_x) > 0.95 * face.face_width) & (
        yy < face.eye_y + 0.4 * face.face_width
    )
    wall = wall_like(lab_img, backdrop)
    around: np.ndarray = (yy < top - 6) | beside | beside_head(wall, face, top)
    if around.sum() < 2000:
        around[:CORNER_PX, :CORNER_PX] = around[:CORNER_PX, -CORNER_PX:] = True
    return around, around | wall_below(wall, face)


def background_stats(
    lab_img: np.ndarray, around: np.ndarray, region: np.ndarray
) -> tuple[float, float, float]:
    """(ΔE of the median of `region` to the reference, 95th-percentile block ΔE to that median,
    share of outlier pixels in `around`)."""
    median = np.median(lab_img[region], axis=0)
    outliers = float((delta_e(lab_img[around], median) > spec.BG_OUTLIER_DELTA_E).mean())
    h, w = region.shape
    hb, wb = h // BLOCK_PX, w // BLOCK_PX
    cov = (
        region[: hb * BLOCK_PX, : wb * BLOCK_PX]
        .reshape(hb, BLOCK_PX, wb, BLOCK_PX)
        .mean(axis=(1, 3))
    )
    masked = (
        lab_img[: hb * BLOCK_PX, : wb * BLOCK_PX] * region[: hb * BLOCK_PX, : wb * BLOCK_PX, None]
    )
    sums = masked.reshape(hb, BLOCK_PX, wb, BLOCK_PX, 3).sum(axis=(1, 3))
    full = cov >= 0.75
    worst = 0.0
    if full.any():
        means = sums[full] / (cov[full][:, None] * BLOCK_PX * BLOCK_PX)
        worst = float(
            np.percentile(delta_e(means, median), 95)
        )  # one hair-touched block is not a gradient
    return float(delta_e(median, REFERENCE_LAB)), worst, outliers


def face_mask(shape: tuple[int, int], face: FaceGeometry) -> np.ndarray:
    pts = face.points
    brows = pts[26:16:-1] - (0, 0.12 * face.face_width)
    poly = np.concatenate([pts[0:17], brows]).astype(np.int32)
    mask = np.zeros(shape, np.uint8)
    cv2.fillPoly(mask, [poly], 1)
    return mask.astype(bool)


def mouth_mask(shape: tuple[int, int], face: FaceGeometry) -> np.ndarray:
    """The mouth inside the outer lip line (landmarks 48–59), grown by 2 px."""
    mask = np.zeros(shape, np.uint8)
    cv2.fillPoly(mask, [face.points[48:60].astype(np.int32)], 1)
    grown: np.ndarray = cv2.dilate(mask, np.ones((5, 5), np.uint8)) > 0
    return grown


def blur_metric(grey: np.ndarray) -> float:
    """Crété-Roffet: how much a strong re-blur still removes; a blurred face loses little."""
    if grey.shape[0] < 12 or grey.shape[1] < 12:
        return 1.0
    f = grey.astype(np.float32)
    scores = []
    for axis, ksize in ((0, (1, 9)), (1, (9, 1))):
        b = cv2.blur(f, ksize)
        d_f = np.abs(np.diff(f, axis=axis))
        d_b = np.abs(np.diff(b, axis=axis))
        s_f = d_f.sum()
        s_v = np.maximum(0, d_f - d_b).sum()
        scores.append((s_f - s_v) / s_f if s_f else 1.0)
    return float(max(scores))


def light_stats(
    rgb: np.ndarray, lab_img: np.ndarray, face: FaceGeometry
) -> tuple[float, float, float, float]:
    mask = face_mask(rgb.shape[:2], face)
    if not mask.any():
        return 0.0, 0.0, 0.0, 1.0
    lightness = lab_img[..., 0]
    split = np.zeros_like(mask)
    split[:, : int(face.points[27:31, 0].mean())] = True
    left, right = lightness[mask & split], lightness[mask & ~split]
    side = abs(float(left.mean()) - float(right.mean())) if left.size and right.size else 0.0
    skin = mask & ~mouth_mask(rgb.shape[:2], face)  # teeth in a smile are white, not a highlight
    clipped = (
        float((rgb[skin].min(axis=1) >= spec.HIGHLIGHT_MIN_VALUE).mean()) if skin.any() else 0.0
    )
    ys, xs = np.nonzero(mask)
    grey = cv2.cvtColor(rgb[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1], cv2.COLOR_RGB2GRAY)
    return float(lightness[mask].mean()), side, clipped, blur_metric(grey)


def backdrop_behind_clothes(backdrop: np.ndarray, wall_delta_e: float) -> np.ndarray:
    """The wall the clothes must stand apart from: the photo's own when its colour passes, else
    the reference light blue it is to be replaced with — a white shirt on a white wall is the
    wall's fault (and replaceable), a light-blue one there would merge once it is replaced."""
    wall: np.ndarray = backdrop if wall_delta_e <= spec.BG_MAX_DELTA_E else REFERENCE_LAB
    return wall


def border_sides(lab_img: np.ndarray, face: FaceGeometry | None) -> int:
    rows = int(face.eye_y) if face else lab_img.shape[0] // 2
    strips = {
        "top": (lab_img[0:3, :], lab_img[8:14, :]),
        "left": (lab_img[:rows, 0:3], lab_img[:rows, 8:14]),
        "right": (lab_img[:rows, -3:], lab_img[:rows, -14:-8]),
    }
    found = 0
    for outer, inner in strips.values():
        d = delta_e(
            np.median(outer.reshape(-1, 3), axis=0), np.median(inner.reshape(-1, 3), axis=0)
        )
        found += int(d > spec.BORDER_MIN_DELTA_E)
    return found


def glare_pixels(rgb: np.ndarray, face: FaceGeometry) -> int:
    """Near-white pixels on where lenses sit, around each eye but not in it (catch-lights are)."""
    total = 0
    h, w = rgb.shape[:2]
    for eye in (face.points[36:42], face.points[42:48]):
        ew = float(eye[:, 0].max() - eye[:, 0].min())
        cx, cy = eye.mean(axis=0)
        x0, x1 = int(max(0, eye[:, 0].min() - 0.35 * ew)), int(min(w, eye[:, 0].max() + 0.35 * ew))
        y0, y1 = int(max(0, cy - 0.5 * ew)), int(min(h, cy + 0.6 * ew))
        if x1 <= x0 or y1 <= y0:
            continue
        lens = np.ones((y1 - y0, x1 - x0), np.uint8)
        inner = np.zeros_like(lens)
        cv2.fillConvexPoly(inner, cv2.convexHull((eye - (x0, y0)).astype(np.int32)), 1)
        lens[cv2.dilate(inner, np.ones((7, 7), np.uint8)) > 0] = 0
        bright = rgb[y0:y1, x0:x1].min(axis=2) >= spec.GLARE_MIN_VALUE
        total += int((bright & (lens > 0)).sum())
    return total


def measure(rgb_source: np.ndarray, model: FaceFinder) -> ImageFacts:
    rgb, k = to_frame(rgb_source)
    lab_img = lab(rgb)
    chroma = float(np.sqrt(lab_img[..., 1] ** 2 + lab_img[..., 2] ** 2).mean())
    faces = model.faces(rgb)
    if not faces:
        faces = model.faces(rgb, upsample=1)  # small faces (a group photo) before saying "none"
    frame_size = (rgb.shape[1], rgb.shape[0])
    if len(faces) != 1:
        return ImageFacts(
            frame_scale=k,
            frame_size=frame_size,
            chroma=chroma,
            face_count=len(faces),
            border_sides=border_sides(lab_img, None),
        )
    backdrop = backdrop_colour(lab_img)
    face = geometry(faces[0].points, lab_img, backdrop)
    bg = background_stats(lab_img, *background_region(lab_img, backdrop, face))
    lightness, side, clipped, blur = light_stats(rgb, lab_img, face)
    return ImageFacts(
        frame_scale=k,
        frame_size=frame_size,
        chroma=chroma,
        face_count=1,
        border_sides=border_sides(lab_img, face),
        face=FaceFacts(
            geometry=face,
            bg_delta_e=bg[0],
            bg_block_delta_e=bg[1],
            bg_outlier_share=bg[2],
            face_lightness=lightness,
            side_diff=side,
            highlight_share=clipped,
            blur=blur,
            glare_pixels=glare_pixels(rgb, face),
            lens_transmission=lens_transmission(rgb, face),
            red_pupil_share=red_pupil_share(rgb, face, spec.RED_EYE_MIN_RED_RATIO),
            clothes_backdrop_share=clothes_like_backdrop(
                lab_img, backdrop_behind_clothes(backdrop, bg[0]), face, spec.CLOTHING_MAX_DELTA_E
            ),
        ),
    )
