"""Phone-camera 寸照 for the fix: 12 MP (3000 × 4000 upright), stored sideways with the EXIF
orientation a phone writes, against a light-blue, white or grey wall, 3–6 MB — what a candidate
without a studio photo uploads. Built on the fixtures' cutouts (synthetic/photo.py)."""

from __future__ import annotations

import io
from enum import StrEnum
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from synthetic.photo import FACE_FILES, Scene, _place, face_paths, render
from synthetic.photo_cutout import cutout

UPRIGHT = (3000, 4000)  # width, height as the candidate sees it
RENDER_SCALE = 2  # rendered at half size, then upsampled with grain: an honest phone softness
EXIF_ORIENTATION = 0x0112


class Wall(StrEnum):
    LIGHT_BLUE = "light_blue"
    WHITE = "white"
    GREY = "grey"


WALL_RGB = {
    Wall.LIGHT_BLUE: (104.0, 195.0, 250.0),
    Wall.WHITE: (236.0, 236.0, 231.0),
    Wall.GREY: (158.0, 160.0, 162.0),
}


def camera_photo(
    face_path: Path | str, seed: int, wall: Wall, *, fmt: str = "JPEG", orientation: int = 6
) -> bytes:
    """An upright portrait framed loosely (face 18–26 % of the width, eyes 36–44 % down), stored
    rotated so that `orientation` (6: rotate 90° clockwise to view) brings it upright."""
    rng = np.random.default_rng(seed)
    cut = cutout(str(face_path))
    scene = _scene(rng, wall)
    small = render(cut, scene, rng)
    big = cv2.resize(small, UPRIGHT, interpolation=cv2.INTER_CUBIC).astype(np.float32)
    big += np.asarray(rng.normal(0.0, 2.5, big.shape[:2]), np.float32)[..., None]
    big += np.asarray(rng.normal(0.0, 1.5, big.shape), np.float32)  # chroma noise of a small sensor
    upright = np.clip(big, 0, 255).astype(np.uint8)
    stored = Image.fromarray(upright).transpose(_STORED[orientation])
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = orientation
    out = io.BytesIO()
    # x265's default preset takes ~30 s for 12 MP of sensor noise; a phone's hardware encoder
    # is closer to its fastest one (4 s)
    extra = {"enc_params": {"preset": "ultrafast"}} if fmt == "HEIF" else {}
    stored.save(out, fmt, quality=95, exif=exif.tobytes(), **extra)
    return out.getvalue()


def _scene(rng: np.random.Generator, wall: Wall) -> Scene:
    w, h = UPRIGHT[0] // RENDER_SCALE, UPRIGHT[1] // RENDER_SCALE
    return Scene(
        size=(w, h),
        face_width=float(rng.uniform(0.18, 0.26) * w),
        eye_y=float(rng.uniform(0.36, 0.44) * h),
        centre_x=float(w / 2 + rng.uniform(-0.06, 0.06) * w),
        backdrop=WALL_RGB[wall],
        gradient=float(rng.uniform(0, 14)),
    )


def person_mask(face_path: Path | str, seed: int, wall: Wall) -> np.ndarray:
    """Where the person is in `camera_photo(face_path, seed, wall)`, upright, full size: the
    ground truth a segmenter is scored against."""
    cut = cutout(str(face_path))
    alpha = _place(cut, _scene(np.random.default_rng(seed), wall))[1][..., 0]
    full = cv2.resize(alpha.astype(np.float32), UPRIGHT, interpolation=cv2.INTER_LINEAR)
    return np.asarray(full > 0.5)


# How the sensor's image lies for each EXIF orientation the camera writes.
_STORED = {
    6: Image.Transpose.ROTATE_90,  # viewer rotates 90° clockwise
    8: Image.Transpose.ROTATE_270,  # viewer rotates 90° counter-clockwise
    3: Image.Transpose.ROTATE_180,
}


def camera_set(n: int) -> list[tuple[Wall, Path, int]]:
    """(wall, face, seed) for n photos, walls in turn, faces looking at the camera."""
    faces = face_paths(FACE_FILES)
    walls = list(Wall)
    return [(walls[i % 3], faces[(i // 3) % len(faces)], 7_000 + i) for i in range(n)]
