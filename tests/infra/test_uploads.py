"""Hostile uploads: each case of the corpus answers its stable code; bombs are never decoded."""

from __future__ import annotations

import io
import struct
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import pytest
from PIL import Image, PngImagePlugin

from domain.errors import RefusedError
from infra.heif import register_heif
from infra.uploads import (
    DOCUMENT_POLICY,
    ID_PHOTO_POLICY,
    UploadPolicy,
    read_capped,
    screen_image,
    strip_metadata,
)


def _noise(size: tuple[int, int], mode: str = "RGB") -> Image.Image:
    bands = [Image.effect_noise(size, 60) for _ in range(3)]
    return Image.merge("RGB", bands).convert(mode)


def _jpeg(size=(480, 640), mode="RGB", **save) -> bytes:
    out = io.BytesIO()
    _noise(size, mode).save(out, format="JPEG", quality=80, **save)
    return out.getvalue()


def _png(size=(120, 90), **save) -> bytes:
    out = io.BytesIO()
    _noise(size).save(out, format="PNG", **save)
    return out.getvalue()


def _exif(**tags: int | str) -> Image.Exif:
    exif = Image.Exif()
    names = {"orientation": 0x0112, "make": 0x010F, "description": 0x010E}
    for name, value in tags.items():
        exif[names[name]] = value
    return exif


def _segment(marker: int, body: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body


def _after_soi(jpeg: bytes, *segments: bytes) -> bytes:
    return jpeg[:2] + b"".join(segments) + jpeg[2:]


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _png_from(ihdr: tuple, idat: bytes, *extra: bytes) -> bytes:
    head = b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", *ihdr))
    return head + b"".join(extra) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def _zip(comment_room: int = 0) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("payload.txt", "hello")
    data = out.getvalue()
    return data[:-2] + struct.pack("<H", comment_room)  # comment swallows what follows


def _png_bomb(side: int) -> bytes:
    """A real decompression bomb: side×side 1-bit pixels, all zero, inflating to ~side²/8."""
    row = b"\x00" * (1 + (side + 7) // 8)
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    return _png_from((side, side, 1, 0, 0, 0, 0), idat)


def _with_dimensions(jpeg: bytes, width: int, height: int) -> bytes:
    sof = jpeg.index(b"\xff\xc0")
    return jpeg[: sof + 5] + struct.pack(">HH", height, width) + jpeg[sof + 9 :]


def _code(data: bytes, policy=ID_PHOTO_POLICY, **names) -> str:
    with pytest.raises(RefusedError) as info:
        screen_image(data, policy, **names)
    assert info.value.refusal.message  # Chinese text for the candidate
    return info.value.refusal.code


PHOTO = _jpeg()
JPEG_ONLY = UploadPolicy(formats=("JPEG",), max_bytes=2 * 1024 * 1024, max_pixels=4_000_000)


def test_plain_id_photo_passes_with_its_facts() -> None:
    screened = screen_image(PHOTO, ID_PHOTO_POLICY, filename="me.JPG", content_type="image/jpeg")
    assert (screened.format, screened.width, screened.height, screened.mode) == (
        "JPEG",
        480,
        640,
        "RGB",
    )


def test_document_png_passes() -> None:
    assert screen_image(_png(), DOCUMENT_POLICY, filename="scan.png").format == "PNG"


@pytest.mark.parametrize(
    ("name", "data", "policy", "names", "code"),
    [
        (
            "oversize",
            b"\xff\xd8\xff" + b"\0" * (20 * 1024 * 1024),
            ID_PHOTO_POLICY,
            {},
            "UPLOAD_TOO_LARGE",
        ),
        ("zero bytes", b"", ID_PHOTO_POLICY, {}, "UPLOAD_EMPTY"),
        ("gif", b"GIF89a" + b"\0" * 64, DOCUMENT_POLICY, {}, "UPLOAD_BAD_TYPE"),
        ("pdf", b"%PDF-1.7\n%...", DOCUMENT_POLICY, {}, "UPLOAD_BAD_TYPE"),
        ("html", b"<html><script>alert(1)</script>", DOCUMENT_POLICY, {}, "UPLOAD_BAD_TYPE"),
        ("zip", _zip(), DOCUMENT_POLICY, {}, "UPLOAD_BAD_TYPE"),
        (
            "png where jpeg required",
            _png(),
            JPEG_ONLY,
            {"filename": "a.png"},
            "UPLOAD_BAD_TYPE",
        ),
        (
            "png renamed .jpg",
            _png(),
            ID_PHOTO_POLICY,
            {"filename": "photo.jpg"},
            "UPLOAD_EXTENSION_MISMATCH",
        ),
        (
            "png sent as image/jpeg",
            _png(),
            ID_PHOTO_POLICY,
            {"content_type": "image/jpeg"},
            "UPLOAD_EXTENSION_MISMATCH",
        ),
        (
            "jpeg renamed .png",
            PHOTO,
            DOCUMENT_POLICY,
            {"filename": "x.png"},
            "UPLOAD_EXTENSION_MISMATCH",
        ),
        ("jpeg named .html", PHOTO, ID_PHOTO_POLICY, {"filename": "x.html"}, "UPLOAD_BAD_TYPE"),
        ("jpeg + zip", PHOTO + _zip(), DOCUMENT_POLICY, {}, "UPLOAD_POLYGLOT"),
        (
            "jpeg + html",
            PHOTO + b"<html><body>hi</body></html>",
            ID_PHOTO_POLICY,
            {},
            "UPLOAD_POLYGLOT",
        ),
        (
            "jpeg + php",
            PHOTO + b"<?php system($_GET['c']); ?>",
            ID_PHOTO_POLICY,
            {},
            "UPLOAD_POLYGLOT",
        ),
        (
            "script in comment",
            _after_soi(PHOTO, _segment(0xFE, b"<script>alert(1)</script>")),
            ID_PHOTO_POLICY,
            {},
            "UPLOAD_POLYGLOT",
        ),
        ("png + zip", _png() + _zip(), DOCUMENT_POLICY, {}, "UPLOAD_POLYGLOT"),
        (
            "png that is a zip",
            _png_from(
                (1, 1, 8, 0, 0, 0, 0),
                zlib.compress(b"\0\0"),
                _chunk(b"ziPp", _zip(comment_room=16)),
            ),
            DOCUMENT_POLICY,
            {},
            "UPLOAD_POLYGLOT",
        ),
        (
            "appended image where none is allowed",
            PHOTO + _jpeg((32, 32)),
            JPEG_ONLY,
            {},
            "UPLOAD_POLYGLOT",
        ),
        (
            "appended image then zip",
            PHOTO + _jpeg((32, 32)) + _zip(),
            DOCUMENT_POLICY,
            {},
            "UPLOAD_POLYGLOT",
        ),
        (
            "jpeg claiming 60000x60000",
            _with_dimensions(PHOTO, 60000, 60000),
            ID_PHOTO_POLICY,
            {},
            "UPLOAD_BOMB",
        ),
        ("truncated jpeg", PHOTO[: len(PHOTO) * 2 // 3], ID_PHOTO_POLICY, {}, "UPLOAD_TRUNCATED"),
        ("jpeg cut in its headers", PHOTO[:300], ID_PHOTO_POLICY, {}, "UPLOAD_TRUNCATED"),
        ("truncated png", _png()[:-400], DOCUMENT_POLICY, {}, "UPLOAD_TRUNCATED"),
        (
            "png with short pixel data",
            _png_from((64, 64, 8, 2, 0, 0, 0), zlib.compress(b"\0" * 99)),
            DOCUMENT_POLICY,
            {},
            "UPLOAD_TRUNCATED",
        ),
        (
            "png with bad crc",
            _png()[:40] + b"\x00" + _png()[41:],
            DOCUMENT_POLICY,
            {},
            "UPLOAD_CORRUPT",
        ),
        ("cmyk", _jpeg(mode="CMYK"), ID_PHOTO_POLICY, {}, "UPLOAD_CMYK"),
        (
            "huge exif",
            _after_soi(PHOTO, *[_segment(0xE1, b"Exif\0\0" + b"\0" * 65000)] * 4),
            ID_PHOTO_POLICY,
            {},
            "UPLOAD_EXIF_TOO_LARGE",
        ),
        (
            "ztxt bomb",
            _png_from(
                (1, 1, 8, 0, 0, 0, 0),
                zlib.compress(b"\0\0"),
                _chunk(b"zTXt", b"Comment\0\0" + zlib.compress(b"A" * 10**7)),
            ),
            DOCUMENT_POLICY,
            {},
            "UPLOAD_EXIF_TOO_LARGE",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 40 else "",
)
def test_hostile_corpus(name, data, policy, names, code) -> None:
    assert _code(data, policy, **names) == code, name


def test_phone_photo_with_appended_gain_map_is_a_document_not_a_polyglot() -> None:
    screened = screen_image(PHOTO + _jpeg((60, 80)), DOCUMENT_POLICY, filename="IMG_0001.jpg")
    assert screened.width == 480


def _peak_rss_kib() -> int | None:
    """Peak resident memory since the last reset (Linux); C allocations included."""
    status = Path("/proc/self/status")
    if not status.exists():
        return None
    for line in status.read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return None


def _reset_peak_rss() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


@pytest.mark.parametrize("side", [20000, 9000], ids=["20000px", "under-pillow-own-limit"])
def test_png_bomb_refused_in_bounded_memory(side: int) -> None:
    bomb = _png_bomb(side)  # decoding would take side² bytes in Pillow: 400 MB / 81 MB
    assert len(bomb) < 200_000

    rss_tracked = _reset_peak_rss()
    baseline = _peak_rss_kib()
    tracemalloc.start()
    try:
        assert _code(bomb, DOCUMENT_POLICY) == "UPLOAD_BOMB"
        _, python_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert python_peak < 3 * 1024 * 1024
    if rss_tracked and baseline is not None:
        assert (_peak_rss_kib() or 0) - baseline < 32 * 1024


def test_huge_but_allowed_png_is_verified_without_decoding() -> None:
    """The counting inflate walks all pixel data in 64 KiB steps instead of building the image."""
    side = 6000  # 36 Mpx, under the document limit
    image = _png_bomb(side)
    tracemalloc.start()
    try:
        assert screen_image(image, DOCUMENT_POLICY).width == side
        _, python_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert python_peak < 3 * 1024 * 1024


def test_strip_removes_exif_and_keeps_pixels() -> None:
    original = _jpeg(exif=_exif(make="RujiPhone", description="GPS 28.19N 112.97E"))
    original = _after_soi(original, _segment(0xFE, b"shot at home"))
    screened = screen_image(original, DOCUMENT_POLICY)

    clean = strip_metadata(original + _jpeg((16, 16)), screened)

    assert b"RujiPhone" not in clean and b"GPS" not in clean and b"shot at home" not in clean
    with Image.open(io.BytesIO(clean)) as a, Image.open(io.BytesIO(original)) as b:
        assert not a.getexif()
        assert a.tobytes() == b.tobytes()
    assert screen_image(clean, ID_PHOTO_POLICY).width == 480


def test_strip_applies_orientation_before_dropping_it() -> None:
    sideways = _jpeg(size=(640, 480), exif=_exif(orientation=6, make="RujiPhone"))
    clean = strip_metadata(sideways, screen_image(sideways, DOCUMENT_POLICY))
    with Image.open(io.BytesIO(clean)) as upright:
        assert upright.size == (480, 640)
        assert not upright.getexif()
    assert b"RujiPhone" not in clean


def test_strip_png_drops_text_chunks() -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "张三 13812345678")
    original = _png(pnginfo=info)
    clean = strip_metadata(original, screen_image(original, DOCUMENT_POLICY))
    assert b"Author" not in clean
    with Image.open(io.BytesIO(clean)) as a, Image.open(io.BytesIO(original)) as b:
        assert a.tobytes() == b.tobytes()


class _Stream:
    def __init__(self, data: bytes):
        self._buffer = io.BytesIO(data)

    async def read(self, size: int = -1) -> bytes:
        return self._buffer.read(size)


async def test_read_capped_stops_reading_past_the_limit() -> None:
    assert await read_capped(_Stream(b"x" * 1000), 1000) == b"x" * 1000
    with pytest.raises(RefusedError) as info:
        await read_capped(_Stream(b"x" * 10_000_000), 1000, chunk=4096)
    assert info.value.refusal.code == "UPLOAD_TOO_LARGE"


# --- phone-camera 寸照 (issue 16): HEIC, 12 MP, EXIF-rotated; bombs still refused -----------------
def _heic(size=(640, 480), **save) -> bytes:
    register_heif()
    out = io.BytesIO()
    _noise(size).save(out, "HEIF", quality=80, **save)
    return out.getvalue()


def _with_ispe(heic: bytes, width: int, height: int) -> bytes:
    """The HEIF 'ispe' box declares the image size; a bomb lies there."""
    at = heic.index(b"ispe") + 8  # past the type and version/flags
    return heic[:at] + struct.pack(">II", width, height) + heic[at + 8 :]


def test_an_iphone_heic_passes_as_heif() -> None:
    screened = screen_image(_heic(), ID_PHOTO_POLICY, filename="IMG_0420.HEIC")
    assert (screened.format, screened.content_type) == ("HEIF", "image/heic")
    assert (screened.width, screened.height) == (640, 480)


def test_a_12_mp_camera_jpeg_with_gain_map_and_rotation_passes() -> None:
    exif = _exif(orientation=6)
    camera = _jpeg((4000, 3000), exif=exif.tobytes()) + _jpeg((64, 48))
    assert 3 * 1024 * 1024 < len(camera) <= ID_PHOTO_POLICY.max_bytes
    screened = screen_image(camera, ID_PHOTO_POLICY, filename="IMG_20260301.jpg")
    assert screened.width * screened.height == 12_000_000


def test_a_heic_bomb_is_refused_from_its_header() -> None:
    bomb = _with_ispe(_heic((64, 64)), 20000, 20000)
    assert _code(bomb, ID_PHOTO_POLICY, filename="x.heic") == "UPLOAD_BOMB"


def test_a_jpeg_bomb_is_refused_under_the_camera_policy() -> None:
    bomb = _with_dimensions(_jpeg((64, 48)), 12000, 9000)  # 108 MP declared
    assert _code(bomb, ID_PHOTO_POLICY) == "UPLOAD_BOMB"


def _box(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", 8 + len(body)) + kind + body


@pytest.mark.parametrize(
    "hidden",
    [
        b"<html><script>alert(1)</script></html>",  # after the last box
        b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF",
        _box(b"free", b"<script>alert(1)</script>"),  # in a box that is not the picture
        struct.pack(">I", 0) + b"skip<html><body>x</body></html>",  # a box to the end
    ],
    ids=["html", "pdf", "free box", "open-ended box"],
)
def test_a_heic_polyglot_is_refused_as_jpeg_and_png_ones_are(hidden: bytes) -> None:
    """JPEG and PNG were walked to their end and refused with anything after it; a HEIC was
    only checked for a ZIP, so HTML or a PDF after (or inside a padding box of) an iPhone
    photo was accepted and stored."""
    assert _code(_heic() + hidden, ID_PHOTO_POLICY, filename="x.heic") == "UPLOAD_POLYGLOT"


def test_a_heic_with_padding_after_it_or_a_zeroed_free_box_still_passes() -> None:
    for heic in (_heic() + b"\0" * 64, _heic() + _box(b"free", b"\0" * 32)):
        assert screen_image(heic, ID_PHOTO_POLICY, filename="x.heic").format == "HEIF"


def test_heic_is_not_a_document_format() -> None:
    assert _code(_heic(), DOCUMENT_POLICY, filename="scan.heic") == "UPLOAD_BAD_TYPE"
