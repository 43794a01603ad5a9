"""The honest auto-fix: one axis-aligned crop, one uniform scale, one re-encode. Nothing is
mirrored, rotated, retouched or painted; if the crop the standard needs reaches outside the
photo, there is no fix (we would have to invent background)."""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image

from activities.photo_measure import FaceGeometry
from domain import photo_spec as spec


@dataclass(frozen=True)
class CropPlan:
    box: tuple[float, float, float, float]  # left, top, right, bottom in source px
    scale: float  # output px per source px


def plan_crop(
    face: FaceGeometry, frame_scale: float, frame_size: tuple[int, int]
) -> CropPlan | None:
    """Search scale, eye height and centre for the crop nearest the standard's middle that
    stays inside the photo; all quantities in the analysis frame, the answer in source px."""
    if face.head_top is None or face.head_top <= 0:
        return None  # the head touches the top edge: its real top is unknown
    m = spec.FIX_MARGIN_PX
    fw_lo, fw_hi = spec.FACE_WIDTH_PX[0] + m, spec.FACE_WIDTH_PX[1] - m
    s = np.arange(fw_lo, fw_hi + 1e-9, 1.0)[:, None, None] / face.face_width
    eye = np.arange(spec.EYES_PX[0] + m, spec.EYES_PX[1] - m + 1e-9, 2.0)[None, :, None]
    tx = (spec.WIDTH_PX / 2 + np.arange(-16.0, 16.1, 4.0))[None, None, :]
    top = eye - s * (face.eye_y - face.head_top)
    x0 = face.centre_x - tx / s
    y0 = face.eye_y - eye / s
    w, h = frame_size
    ok = (
        (top >= spec.HAIRLINE_PX[0] + m)
        & (top <= spec.HAIRLINE_PX[1] - m)
        & (x0 >= 0)
        & (y0 >= 0)
        & (x0 + spec.WIDTH_PX / s <= w + 0.5)
        & (y0 + spec.HEIGHT_PX / s <= h + 0.5)
    )
    if not ok.any():
        return None
    cost = (
        np.abs(eye - spec.FIX_EYES_PX) / 50
        + np.abs(top - spec.FIX_HAIRLINE_PX) / 30
        + np.abs(tx - spec.WIDTH_PX / 2) / 16
        + np.abs(np.log(s)) * 0.5  # resample as little as possible
    )
    s, x0, y0, ok, cost = np.broadcast_arrays(s, x0, y0, ok, cost)
    i = np.unravel_index(np.argmin(np.where(ok, cost, np.inf)), ok.shape)
    si, x0i, y0i = float(s[i]), float(x0[i]), float(y0[i])
    # inside the photo; the search allowed half a pixel of rounding at the far edges
    x_min, y_min = max(0.0, x0i), max(0.0, y0i)
    x_max, y_max = min(w, x0i + spec.WIDTH_PX / si), min(h, y0i + spec.HEIGHT_PX / si)
    box = (x_min / frame_scale, y_min / frame_scale, x_max / frame_scale, y_max / frame_scale)
    return CropPlan(box=box, scale=si * frame_scale)


def encode_standard_jpeg(im: Image.Image) -> bytes | None:
    """Highest quality ≥ 60 whose file fits the fix's size window, 300 dpi, no EXIF. Tries 4:2:0
    then 4:4:4 chroma (bigger files for very smooth photos)."""
    lo_bytes, hi_bytes = spec.FIX_FILE_BYTES
    q_lo, q_hi = spec.FIX_QUALITY
    for subsampling in (2, 0):

        def save(quality: int, subsampling: int = subsampling) -> bytes:
            buf = io.BytesIO()
            im.save(buf, "JPEG", quality=quality, dpi=(spec.DPI, spec.DPI), subsampling=subsampling)
            return buf.getvalue()

        best, lo, hi = None, q_lo, q_hi
        while lo <= hi:
            q = (lo + hi) // 2
            data = save(q)
            if len(data) <= hi_bytes:
                best, lo = data, q + 1
            else:
                hi = q - 1
        if best is not None and len(best) >= lo_bytes:
            return best
    return None


def apply_crop(im: Image.Image, plan: CropPlan) -> Image.Image:
    rgb = im.convert("RGB")  # CMYK, alpha and palette pictures become 24-bit RGB
    left, top, right, bottom = plan.box  # frame → source rounding can overshoot by a hair
    box = (
        max(0.0, left),
        max(0.0, top),
        min(float(rgb.width), right),
        min(float(rgb.height), bottom),
    )
    return rgb.resize((spec.WIDTH_PX, spec.HEIGHT_PX), Image.Resampling.LANCZOS, box=box)
