"""What the file itself says: container format by content, pixel size, dpi, colour mode, JPEG
quality estimated from the quantization tables, byte size. No pixels are analysed here."""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps

from infra.heif import register_heif

Image.MAX_IMAGE_PIXELS = 50_000_000  # decompression-bomb guard: the upload limit (50 MP cameras)
ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP", "BMP", "TIFF", "HEIF")  # read and judged; JPEG passes

# IJG (libjpeg) base luminance table, natural order — the one every quality factor scales.
IJG_LUMA = np.array(
    [
        16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
        14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
        18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
        49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
    ],
    dtype=np.float64,
)  # fmt: skip


@dataclass(frozen=True)
class FileFacts:
    size_bytes: int
    extension: str
    is_jpeg: bool
    format: str | None  # Pillow's name, None when unreadable
    width: int = 0
    height: int = 0
    dpi: tuple[float, float] | None = None
    mode: str = ""
    quality: int | None = None


def ijg_table(quality: int) -> np.ndarray:
    q = max(1, min(100, quality))
    scale = 5000 / q if q < 50 else 200 - 2 * q
    return np.clip(np.floor((IJG_LUMA * scale + 50) / 100), 1, 255)


def estimate_quality(luma_table: list[int] | np.ndarray) -> int:
    """The IJG quality whose scaled table is closest to the file's; encoders that use their own
    tables (phones) land on the quality with the same overall coarseness."""
    table = np.asarray(luma_table, dtype=np.float64)
    errors = [np.abs(np.log(ijg_table(q)) - np.log(table)).mean() for q in range(1, 101)]
    return int(np.argmin(errors)) + 1


def read_file_facts(data: bytes, filename: str) -> tuple[FileFacts, Image.Image | None]:
    """The file's own facts, and the picture upright: a phone's EXIF orientation is how the
    camera says "this side up", applied as every viewer does (it is not a transform of the
    photo the standard forbids)."""
    register_heif()
    ext = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    magic_jpeg = data[:3] == b"\xff\xd8\xff"
    try:
        im = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
        im.load()
        upright = ImageOps.exif_transpose(im)
    except Exception:  # any decoder failure means "not an image we accept"
        return FileFacts(size_bytes=len(data), extension=ext, is_jpeg=False, format=None), None
    quality = None
    qtables = getattr(im, "quantization", None)
    if im.format == "JPEG" and qtables:
        quality = estimate_quality(qtables[0])
    dpi = im.info.get("dpi")
    facts = FileFacts(
        size_bytes=len(data),
        extension=ext,
        is_jpeg=magic_jpeg and im.format == "JPEG",
        format=im.format,
        width=upright.width,
        height=upright.height,
        dpi=(float(dpi[0]), float(dpi[1])) if dpi else None,
        mode=im.mode,
        quality=quality,
    )
    return facts, upright
