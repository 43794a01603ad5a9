"""HEIC/HEIF (iPhone camera photos) through pillow-heif, a maintained libheif binding whose wheel
carries the codec; registered once so Pillow opens HEIF like any other format."""

from __future__ import annotations

import struct
from functools import cache

HEIF_BRANDS = (b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1")


@cache
def register_heif() -> None:
    import pillow_heif

    pillow_heif.register_heif_opener()


def is_heif(data: bytes) -> bool:
    """ISO-BMFF `ftyp` box first, with a HEIF brand (AVIF and MP4 are not accepted)."""
    return data[4:8] == b"ftyp" and data[8:12] in HEIF_BRANDS


def heif_size(data: bytes) -> tuple[int, int]:
    """The largest size any image item declares (its 'ispe' box: what the decoder allocates,
    before a clean-aperture crop shrinks it), or the primary image's, without decoding."""
    import pillow_heif

    heif = pillow_heif.open_heif(data, convert_hdr_to_8bit=True)
    width, height = (int(v) for v in heif.size)
    at = data.find(b"ispe")
    while at >= 0:
        if at + 16 <= len(data):
            w, h = struct.unpack(">II", data[at + 8 : at + 16])
            if w * h > width * height:
                width, height = w, h
        at = data.find(b"ispe", at + 4)
    return width, height
