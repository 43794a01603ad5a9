"""Hostile-upload screening: bytes in, a verdict out, before anything is stored.

Order matters for memory: size first (the bytes are already capped by ``read_capped``), then
magic bytes, then a structural walk that reads declared dimensions and finds where the image
really ends, and only then a decoder — at 1/8 scale for JPEG, a counting inflate for PNG — so a
decompression bomb is refused from its header and never decoded.

Which function where:
- ``screen_image`` validates and returns facts; it never changes the bytes. Use it on every
  upload.
- ``strip_metadata`` returns the clean copy to store for documents (ID-card sides, proofs):
  EXIF/XMP/comments and anything after the image dropped, orientation applied.
- ``strip_metadata_exact`` returns the clean copy of the ID photo (寸照): the same metadata
  dropped, but the picture's bytes kept exactly — the photo checker reads quality, dpi and
  pixels from the stored file (``infra.image_metadata``).
"""

from __future__ import annotations

import io
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from typing import Protocol

from PIL import Image, ImageOps, UnidentifiedImageError

from domain.errors import RefusedError, refuse
from infra import upload_structure as structure
from infra.heif import heif_size, is_heif, register_heif
from infra.image_metadata import without_metadata
from infra.upload_structure import UploadDefect, UploadRefusal

MIB = 1024 * 1024
_EXTENSIONS = {
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".jpe": "JPEG",
    ".png": "PNG",
    ".heic": "HEIF",
    ".heif": "HEIF",
}
_CONTENT_TYPES = {
    "image/jpeg": "JPEG",
    "image/jpg": "JPEG",
    "image/pjpeg": "JPEG",
    "image/png": "PNG",
    "image/heic": "HEIF",
    "image/heif": "HEIF",
}
_GENERIC_TYPES = {"", "application/octet-stream"}
_MIME = {"JPEG": "image/jpeg", "PNG": "image/png", "HEIF": "image/heic"}
_MAX_TRAILING_IMAGES = 4


@dataclass(frozen=True)
class UploadPolicy:
    formats: tuple[str, ...]  # Pillow format names, the allow-list handed to Image.open
    max_bytes: int
    max_pixels: int
    max_metadata_bytes: int = 192 * 1024  # two full EXIF segments plus a typical ICC profile
    require_rgb: bool = True
    allow_trailing_jpeg: bool = False  # phone gain maps / depth maps appended as MPF images


# The 寸照 straight from a phone camera: 12–50 MP, 3–6 MB (up to 20 with HDR gain maps), HEIC on
# iPhones, EXIF-rotated. The checker and the fix read this original; the fix makes the 480×640.
ID_PHOTO_POLICY = UploadPolicy(
    formats=("JPEG", "PNG", "HEIF"),
    max_bytes=20 * MIB,
    max_pixels=50_000_000,
    allow_trailing_jpeg=True,
)
DOCUMENT_POLICY = UploadPolicy(
    formats=("JPEG", "PNG"), max_bytes=10 * MIB, max_pixels=40_000_000, allow_trailing_jpeg=True
)


@dataclass(frozen=True)
class ScreenedImage:
    format: str
    content_type: str
    width: int
    height: int
    mode: str
    size: int


def _refuse(
    code: UploadRefusal, policy: UploadPolicy, *, measured: object = None, expected: object = None
) -> RefusedError:
    message = code.message.format(
        limit=f"{policy.max_bytes / MIB:g} MB",
        formats="/".join(policy.formats),
        pixels=f"{policy.max_pixels / 10_000:g}",
    )
    return refuse(code, message=message, measured=measured, expected=expected)


class AsyncReadable(Protocol):
    async def read(self, size: int = -1) -> bytes: ...


async def read_capped(upload: AsyncReadable, max_bytes: int, chunk: int = 256 * 1024) -> bytes:
    """Read an upload (e.g. FastAPI ``UploadFile``) but never more than ``max_bytes`` + 1 chunk."""
    parts, total = [], 0
    while piece := await upload.read(chunk):
        total += len(piece)
        if total > max_bytes:
            raise refuse(
                UploadRefusal.UPLOAD_TOO_LARGE,
                message=UploadRefusal.UPLOAD_TOO_LARGE.message.format(
                    limit=f"{max_bytes / MIB:g} MB"
                ),
                measured=f">{max_bytes}",
                expected=max_bytes,
            )
        parts.append(piece)
    return b"".join(parts)


def screen_image(
    data: bytes,
    policy: UploadPolicy,
    *,
    filename: str | None = None,
    content_type: str | None = None,
) -> ScreenedImage:
    """Refuse anything that is not one plain image of an allowed format; raise RefusedError."""
    try:
        return _screen(data, policy, filename, content_type)
    except UploadDefect as defect:
        raise _refuse(
            defect.code, policy, measured=defect.measured, expected=defect.expected
        ) from None


def _screen(
    data: bytes, policy: UploadPolicy, filename: str | None, content_type: str | None
) -> ScreenedImage:
    if not data:
        raise UploadDefect(UploadRefusal.UPLOAD_EMPTY)
    if len(data) > policy.max_bytes:
        raise UploadDefect(
            UploadRefusal.UPLOAD_TOO_LARGE, measured=len(data), expected=policy.max_bytes
        )
    kind = _sniff(data)
    _check_names(kind, policy, filename, content_type)
    if kind == "HEIF":
        return _screen_heif(data, policy)
    if kind == "JPEG":
        info = structure.walk_jpeg(data)
    else:
        info = structure.walk_png(data, max_metadata_bytes=policy.max_metadata_bytes)
    _check_trailing(data, info.end, policy)
    if zipfile.is_zipfile(io.BytesIO(data)):
        raise UploadDefect(UploadRefusal.UPLOAD_POLYGLOT)
    pixels = info.width * info.height
    if pixels > policy.max_pixels:
        raise UploadDefect(
            UploadRefusal.UPLOAD_BOMB,
            measured=f"{info.width}x{info.height}",
            expected=policy.max_pixels,
        )
    if info.metadata_bytes > policy.max_metadata_bytes:
        raise UploadDefect(
            UploadRefusal.UPLOAD_EXIF_TOO_LARGE,
            measured=info.metadata_bytes,
            expected=policy.max_metadata_bytes,
        )
    if policy.require_rgb and kind == "JPEG" and info.components == 4:
        raise UploadDefect(UploadRefusal.UPLOAD_CMYK)
    if kind == "PNG":
        structure.check_png_pixels(data, info)
    mode = _decode_check(data, kind, info)
    if policy.require_rgb and mode == "CMYK":
        raise UploadDefect(UploadRefusal.UPLOAD_CMYK)
    return ScreenedImage(kind, _MIME[kind], info.width, info.height, mode, len(data))


def _screen_heif(data: bytes, policy: UploadPolicy) -> ScreenedImage:
    """The container's declared size is checked before libheif decodes a pixel."""
    register_heif()
    try:
        width, height = heif_size(data)
    except (ValueError, RuntimeError, OSError, KeyError):
        raise UploadDefect(UploadRefusal.UPLOAD_CORRUPT) from None
    if width * height > policy.max_pixels:
        raise UploadDefect(
            UploadRefusal.UPLOAD_BOMB, measured=f"{width}x{height}", expected=policy.max_pixels
        )
    _check_trailing(data, structure.walk_heif(data), policy)
    if zipfile.is_zipfile(io.BytesIO(data)):
        raise UploadDefect(UploadRefusal.UPLOAD_POLYGLOT)
    try:
        with Image.open(io.BytesIO(data), formats=["HEIF"]) as image:
            exif = image.info.get("exif") or b""
            if len(exif) > policy.max_metadata_bytes:
                raise UploadDefect(
                    UploadRefusal.UPLOAD_EXIF_TOO_LARGE,
                    measured=len(exif),
                    expected=policy.max_metadata_bytes,
                )
            image.load()
            mode = image.mode
    except (UnidentifiedImageError, ValueError, RuntimeError, OSError):
        raise UploadDefect(UploadRefusal.UPLOAD_CORRUPT) from None
    return ScreenedImage("HEIF", _MIME["HEIF"], width, height, mode, len(data))


def _sniff(data: bytes) -> str:
    if data.startswith(structure.JPEG_MAGIC):
        return "JPEG"
    if data.startswith(structure.PNG_MAGIC):
        return "PNG"
    if is_heif(data):
        return "HEIF"
    raise UploadDefect(UploadRefusal.UPLOAD_BAD_TYPE)


def _check_names(
    kind: str, policy: UploadPolicy, filename: str | None, content_type: str | None
) -> None:
    """A name or type claiming another image format is a mismatch (PNG renamed .jpg); a name
    claiming a non-image (.html, .exe) is refused as a bad type; no extension at all is fine."""
    suffix = PurePath(filename).suffix.lower() if filename else ""
    declared = (content_type or "").split(";")[0].strip().lower()
    claimed: set[str] = set()
    if suffix:
        claimed.add(_EXTENSIONS.get(suffix, "?"))
    if declared not in _GENERIC_TYPES:
        claimed.add(_CONTENT_TYPES.get(declared, "?"))
    if "?" in claimed:
        raise UploadDefect(UploadRefusal.UPLOAD_BAD_TYPE, measured=suffix or declared)
    if claimed - {kind}:
        raise UploadDefect(
            UploadRefusal.UPLOAD_EXTENSION_MISMATCH, measured=kind, expected=sorted(claimed)
        )
    if kind not in policy.formats:
        raise UploadDefect(
            UploadRefusal.UPLOAD_BAD_TYPE, measured=kind, expected=list(policy.formats)
        )


def _check_trailing(data: bytes, end: int, policy: UploadPolicy) -> None:
    """Bytes after the image end are where polyglots hide (ZIP, HTML, scripts)."""
    for _ in range(_MAX_TRAILING_IMAGES):
        tail = memoryview(data)[end:]
        if structure.is_padding(tail):
            return
        if not (policy.allow_trailing_jpeg and bytes(tail[:3]) == structure.JPEG_MAGIC):
            raise UploadDefect(UploadRefusal.UPLOAD_POLYGLOT, measured=len(tail))
        try:
            end = structure.walk_jpeg(data, end).end
        except UploadDefect:
            raise UploadDefect(UploadRefusal.UPLOAD_POLYGLOT, measured=len(tail)) from None
    raise UploadDefect(UploadRefusal.UPLOAD_POLYGLOT)


def _decode_check(data: bytes, kind: str, info: structure.ImageStructure) -> str:
    """Let Pillow, restricted to the sniffed format, confirm the file and decode what it cheaply
    can. JPEG decodes at 1/8 scale: every scan is still read (truncation shows) for 1/64 of the
    memory. PNG pixels were already verified by the counting inflate."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[kind]) as image:
                mode = image.mode
                if kind == "JPEG":
                    image.draft(None, (max(1, info.width // 8), max(1, info.height // 8)))
                    image.load()
                return mode
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UploadDefect(UploadRefusal.UPLOAD_BOMB) from None
    except UnidentifiedImageError:
        raise UploadDefect(UploadRefusal.UPLOAD_CORRUPT) from None
    except OSError as exc:
        truncated = "truncated" in str(exc)
        code = UploadRefusal.UPLOAD_TRUNCATED if truncated else UploadRefusal.UPLOAD_CORRUPT
        raise UploadDefect(code) from None


def strip_metadata(data: bytes, screened: ScreenedImage) -> bytes:
    """A copy for storage without EXIF (GPS, device serials), XMP, comments or trailing data.

    Lossless segment/chunk copy; only a JPEG with an EXIF orientation other than "upright" is
    re-encoded (quality 95) with the rotation applied, because without the tag a phone photo of
    an ID card would otherwise be stored sideways. Call only with data ``screen_image`` accepted.
    """
    view = memoryview(data)
    if screened.format == "PNG":
        info = structure.walk_png(data, max_metadata_bytes=len(data))
        return structure.PNG_MAGIC + b"".join(view[a:b] for a, b in info.kept)
    if _exif_orientation(data) not in (None, 1):
        return _reencode_upright(data)
    info = structure.walk_jpeg(data)
    return b"\xff\xd8" + b"".join(view[a:b] for a, b in info.kept) + b"\xff\xd9"


def strip_metadata_exact(data: bytes, screened: ScreenedImage) -> bytes:
    """A copy for storage without EXIF (GPS, device serials), XMP, comments or trailing data, whose
    compressed picture is the original's byte for byte; an EXIF orientation and resolution are
    carried in a new EXIF of only those tags. Call only with data ``screen_image`` accepted."""
    try:
        return without_metadata(data, screened.format)
    except UploadDefect as defect:
        raise refuse(defect.code) from None


def _exif_orientation(data: bytes) -> int | None:
    with Image.open(io.BytesIO(data), formats=["JPEG"]) as image:
        return image.getexif().get(0x0112)


def _reencode_upright(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data), formats=["JPEG"]) as image:
        upright = ImageOps.exif_transpose(image)
        out = io.BytesIO()
        icc = image.info.get("icc_profile")
        upright.save(out, format="JPEG", quality=95, **({"icc_profile": icc} if icc else {}))
    return out.getvalue()
