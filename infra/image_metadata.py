"""Metadata out of an image without touching its picture: the copy of the ID photo (寸照) to store.

The photo checker reads the stored file itself: its pixels, quantization tables (the quality
estimate), JFIF density (dpi) and pixel size, all of which must survive; so nothing is decoded
or re-encoded here. Segments, chunks or items are dropped or blanked where they lie:

- JPEG: only what ``upload_structure.walk_jpeg`` keeps (tables, frame, scans, JFIF APP0, Adobe
  APP14, ICC APP2); EXIF, XMP, IPTC (APP13), MPF, comments and the images appended after the end
  (gain and depth maps, each with its own EXIF) go.
- PNG: only IHDR, the pixel data and the chunks that say how to render it.
- HEIF: the bytes of every metadata item (EXIF, XMP, other MIME or URI items) are overwritten in
  place — same length, so every offset in the container stays true; the picture's orientation
  is the container's own (`irot`/`imir`), not EXIF's.

Of EXIF, JPEG and PNG keep a new segment with only the tags that change how the picture is read
(``RENDERING_TAGS``): the orientation, which the checker and every viewer apply, and the
resolution, which Pillow reads as the dpi when the JFIF segment gives none. Call only with data
``infra.uploads.screen_image`` accepted.
"""

from __future__ import annotations

import io
import math
import struct
import zlib
from collections.abc import Iterator
from numbers import Real

from PIL import ExifTags, Image, UnidentifiedImageError

from infra import upload_structure as structure
from infra.upload_structure import UploadDefect, UploadRefusal

RENDERING_TAGS = (
    ExifTags.Base.Orientation,
    ExifTags.Base.XResolution,
    ExifTags.Base.YResolution,
    ExifTags.Base.ResolutionUnit,
)
_HEIF_METADATA_ITEMS = (b"Exif", b"mime", b"uri ")
# an Exif item: 4-byte offset to the TIFF header, then a TIFF with an empty first IFD
_BLANK_EXIF_ITEM = b"\0\0\0\0MM\0*\0\0\0\x08" + b"\0" * 6
_EXIF_ERRORS = (SyntaxError, struct.error, ValueError, TypeError, KeyError, IndexError, OSError)


def without_metadata(data: bytes, image_format: str) -> bytes:
    """The same picture, byte for byte in its compressed data, without identifying metadata.
    Raises ``UploadDefect`` (UPLOAD_CORRUPT) for EXIF or a container it cannot read safely."""
    if image_format == "JPEG":
        return _jpeg(data)
    if image_format == "PNG":
        return _png(data)
    return _heif(data)


def _jpeg(data: bytes) -> bytes:
    view = memoryview(data)
    spans = [bytes(view[a:b]) for a, b in structure.walk_jpeg(data).kept]
    body = _rendering_exif(*_jpeg_exif(data))
    if body is not None:
        after_jfif = 1 if spans and spans[0][1] == 0xE0 else 0  # JFIF must stay right after SOI
        spans.insert(after_jfif, b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body)
    return b"\xff\xd8" + b"".join(spans) + b"\xff\xd9"


def _jpeg_exif(data: bytes) -> tuple[Image.Exif, bool]:
    """What the checker's Pillow reads (EXIF, or an orientation in XMP), and whether the file
    had an EXIF segment (then Pillow falls back to its resolution, or to 72 dpi)."""
    try:
        with Image.open(io.BytesIO(data), formats=["JPEG"]) as image:
            return image.getexif(), "exif" in image.info
    except (*_EXIF_ERRORS, UnidentifiedImageError):
        raise UploadDefect(UploadRefusal.UPLOAD_CORRUPT) from None


def _png(data: bytes) -> bytes:
    view = memoryview(data)
    info = structure.walk_png(data, max_metadata_bytes=len(data))
    spans = [bytes(view[a:b]) for a, b in info.kept]
    body = _rendering_exif(*_png_exif(data))
    if body is not None:
        tiff = body[len(b"Exif\0\0") :]
        chunk = struct.pack(">I", len(tiff)) + b"eXIf" + tiff
        spans.insert(1, chunk + struct.pack(">I", zlib.crc32(chunk[4:])))  # after IHDR
    return structure.PNG_MAGIC + b"".join(spans)


def _png_exif(data: bytes) -> tuple[Image.Exif, bool]:
    """As `_jpeg_exif`. Pillow reads an eXIf chunk that follows the pixel data only with the
    pixels; it is found here by walking the chunks, so nothing is decoded."""
    body = _last_png_chunk(data, b"eXIf")
    try:
        with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
            image.info["exif"] = None if body is None else b"Exif\0\0" + body
            return image.getexif(), body is not None
    except (*_EXIF_ERRORS, UnidentifiedImageError):
        raise UploadDefect(UploadRefusal.UPLOAD_CORRUPT) from None


def _last_png_chunk(data: bytes, kind: bytes) -> bytes | None:
    found, pos = None, len(structure.PNG_MAGIC)
    while pos + 12 <= len(data):
        length, chunk_kind = struct.unpack_from(">I4s", data, pos)
        if chunk_kind == kind:
            found = data[pos + 8 : pos + 8 + length]
        if chunk_kind == b"IEND":
            break
        pos += 12 + length
    return found


def _rendering_exif(source: Image.Exif, had_exif: bool) -> bytes | None:
    """An EXIF ("Exif\\0\\0" + TIFF) of only the tags that change how the picture is read; None
    when the original had no EXIF and no orientation to carry. A tag Pillow could not use is
    left out: Pillow reads its absence the same way (no rotation; 72 dpi)."""
    orientation = source.get(ExifTags.Base.Orientation)
    if not had_exif and orientation in (None, 1):
        return None
    kept = Image.Exif()
    for tag in RENDERING_TAGS:
        value = _usable(tag, source.get(tag))
        if value is not None:
            kept[tag] = value
    try:
        return kept.tobytes()
    except (*_EXIF_ERRORS, OverflowError):
        raise UploadDefect(UploadRefusal.UPLOAD_CORRUPT) from None


def _usable(tag: int, value: object) -> int | Real | None:
    """The value as Pillow compares it, in the type the tag is written with; None when Pillow
    could not use it either."""
    if not isinstance(value, Real) or not math.isfinite(float(value)) or float(value) <= 0:
        return None
    if tag in (ExifTags.Base.Orientation, ExifTags.Base.ResolutionUnit):
        whole = float(value)  # a SHORT read as a rational or a float compares equal to it
        return int(whole) if whole.is_integer() and whole <= 0xFFFF else None
    return value


def _heif(data: bytes) -> bytes:
    try:
        meta = _child(data, 0, len(data), b"meta")
        children = meta[0] + 4  # FullBox: version and flags
        kinds = _heif_item_kinds(data, *_child(data, children, meta[1], b"iinf"))
        idat = _optional_child(data, children, meta[1], b"idat")
        iloc = _child(data, children, meta[1], b"iloc")
        metadata = [
            (kind, extents)
            for item_id, extents in _heif_item_extents(data, *iloc, idat)
            if (kind := kinds.get(item_id)) in _HEIF_METADATA_ITEMS
        ]
        if sum(length for _, extents in metadata for _, length in extents) > len(data):
            raise ValueError("metadata items overlap")  # and would be written over and over
        out = bytearray(data)
        for kind, extents in metadata:
            _overwrite(out, extents, _BLANK_EXIF_ITEM if kind == b"Exif" else b"")
    except (struct.error, IndexError, ValueError):
        raise UploadDefect(UploadRefusal.UPLOAD_CORRUPT) from None
    return bytes(out)


def _boxes(data: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """(type, body start, end) of each ISO-BMFF box in data[start:end]."""
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, pos)
        header = 8
        if size == 1:
            (size,) = struct.unpack_from(">Q", data, pos + 8)
            header = 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            raise ValueError("box outside its parent")
        yield kind, pos + header, pos + size
        pos += size


def _optional_child(data: bytes, start: int, end: int, kind: bytes) -> tuple[int, int] | None:
    return next(((a, b) for k, a, b in _boxes(data, start, end) if k == kind), None)


def _child(data: bytes, start: int, end: int, kind: bytes) -> tuple[int, int]:
    found = _optional_child(data, start, end, kind)
    if found is None:
        raise ValueError(f"no {kind!r} box")
    return found


def _uint(data: bytes, pos: int, size: int) -> int:
    if pos + size > len(data):
        raise ValueError("field past the end")
    return int.from_bytes(data[pos : pos + size], "big")


def _heif_item_kinds(data: bytes, start: int, end: int) -> dict[int, bytes]:
    """item ID → item type, from the `infe` entries (version 2 and 3 carry the type)."""
    count_size = 2 if data[start] == 0 else 4
    kinds = {}
    for kind, body, _ in _boxes(data, start + 4 + count_size, end):
        version = data[body]
        if kind != b"infe" or version < 2:
            continue
        id_size = 2 if version == 2 else 4
        item_id = _uint(data, body + 4, id_size)
        kinds[item_id] = data[body + 4 + id_size + 2 : body + 4 + id_size + 6]
    return kinds


def _heif_item_extents(
    data: bytes, start: int, end: int, idat: tuple[int, int] | None
) -> Iterator[tuple[int, list[tuple[int, int]]]]:
    """(item ID, [(file offset, length), ...]) from the `iloc` box; an extent that is no range of
    this file (one given by item reference) has the offset -1."""
    version = data[start]
    offset_size, length_size = data[start + 4] >> 4, data[start + 4] & 15
    base_size, index_size = data[start + 5] >> 4, data[start + 5] & 15
    wide = 4 if version == 2 else 2
    pos = start + 6
    count = _uint(data, pos, wide)
    pos += wide
    for _ in range(count):
        item_id = _uint(data, pos, wide)
        pos += wide
        method = 0
        if version in (1, 2):
            method = _uint(data, pos, 2) & 15
            pos += 2
        pos += 2  # data_reference_index
        base = _uint(data, pos, base_size)
        pos += base_size
        extent_count = _uint(data, pos, 2)
        pos += 2
        index = index_size if version in (1, 2) else 0
        entry = index + offset_size + length_size
        if pos + extent_count * entry > end or (extent_count and not entry):
            raise ValueError("iloc extents past its box")  # bounds the work by the box's size
        extents = []
        for _ in range(extent_count):
            pos += index
            offset = _uint(data, pos, offset_size)
            length = _uint(data, pos + offset_size, length_size)
            pos += offset_size + length_size
            extents.append((_file_offset(method, base + offset, idat), length))
        if pos > end:
            raise ValueError("iloc past its box")
        yield item_id, extents


def _file_offset(method: int, offset: int, idat: tuple[int, int] | None) -> int:
    if method == 0:
        return offset
    if method == 1 and idat is not None:
        return idat[0] + offset
    return -1  # by item reference: no range of its own


def _overwrite(out: bytearray, extents: list[tuple[int, int]], payload: bytes) -> None:
    """Spread `payload` over the item's extents, padding with zeros (an Exif item) or spaces
    (XMP and other text items)."""
    for offset, length in extents:
        if offset < 0 or length == 0 or offset + length > len(out):
            raise ValueError("metadata item outside the file")
    pad = b"\0" if payload else b" "
    for offset, length in extents:
        out[offset : offset + length] = (payload + pad * length)[:length]
        payload = payload[length:]
