"""The ID photo's stored copy: identifying metadata gone, the picture the checker reads unchanged —
the same compressed data, tables, density, ICC profile, and the same upright pixels."""

from __future__ import annotations

import io
import random
import struct
import zlib
from dataclasses import replace

import numpy as np
import pytest
from PIL import ExifTags, Image, ImageCms, ImageOps, PngImagePlugin

from activities.photo_file import read_file_facts
from domain.errors import RefusedError
from infra.heif import register_heif
from infra.image_metadata import without_metadata
from infra.upload_structure import UploadDefect, UploadRefusal, walk_jpeg
from infra.uploads import ID_PHOTO_POLICY, screen_image, strip_metadata_exact

SECRETS = (b"RujiPhone", b"RJ-9000", b"SN-0042", b"RujiXMP", b"IPTC-Ruji", b"shot at home")
SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def camera_exif(**tags: object) -> Image.Exif:
    """What a phone writes: make, model, serial, GPS position — and whatever `tags` adds."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "RujiPhone"
    exif[ExifTags.Base.Model] = "RJ-9000"
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.BodySerialNumber] = "SN-0042"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (28.0, 11.0, 24.0)
    for name, value in tags.items():
        exif[ExifTags.Base[name]] = value
    return exif


def segment(marker: int, body: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body


def with_segments(jpeg: bytes, *segments: bytes) -> bytes:
    """Inserted after the JFIF APP0 when there is one (where a phone's editor puts EXIF)."""
    at = 2 + (2 + struct.unpack(">H", jpeg[4:6])[0] if jpeg[3] == 0xE0 else 0)
    return jpeg[:at] + b"".join(segments) + jpeg[at:]


def exif_segment(exif: Image.Exif) -> bytes:
    return segment(0xE1, exif.tobytes())


def noise(size: tuple[int, int]) -> Image.Image:
    """Seeded numpy noise (Image.effect_noise draws from libc's rand(), which other test
    modules' images depend on)."""
    rng = np.random.default_rng(size)
    return Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8))


def noise_jpeg(size: tuple[int, int] = (480, 640), **save: object) -> bytes:
    out = io.BytesIO()
    noise(size).save(out, "JPEG", quality=85, **save)
    return out.getvalue()


def decoder_segments(jpeg: bytes) -> list[bytes]:
    """Every segment the decoder uses (tables, frame, scans, JFIF, Adobe, ICC), byte for byte."""
    return [jpeg[a:b] for a, b in walk_jpeg(jpeg).kept]


def strip(data: bytes) -> bytes:
    return strip_metadata_exact(data, screen_image(data, ID_PHOTO_POLICY))


def seen_by_checker(data: bytes, name: str = "photo.jpg"):
    """The checker's file facts and upright pixels; the byte size is the one fact that shrinks."""
    facts, upright = read_file_facts(data, name)
    assert upright is not None
    return replace(facts, size_bytes=0), upright.convert("RGB").tobytes()


def test_jpeg_loses_every_metadata_segment_and_keeps_its_picture_byte_for_byte() -> None:
    original = with_segments(
        noise_jpeg(dpi=(300, 300), icc_profile=SRGB),
        exif_segment(camera_exif()),
        segment(0xE1, b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>RujiXMP</x:xmpmeta>"),
        segment(0xED, b"Photoshop 3.0\08BIM\x04\x04IPTC-Ruji"),
        segment(0xFE, b"shot at home"),
    )
    gain_map = noise_jpeg((64, 64), exif=camera_exif())

    clean = strip(original + gain_map)

    assert not [s for s in SECRETS if s in clean]
    assert clean.count(b"\xff\xd9") == 1 and clean.endswith(b"\xff\xd9")  # nothing appended
    assert decoder_segments(clean) == decoder_segments(original)
    with Image.open(io.BytesIO(clean)) as image:
        assert image.info["jfif_density"] == (300, 300) and image.info["icc_profile"] == SRGB
        assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert set(image.getexif()) <= {ExifTags.Base.XResolution, ExifTags.Base.YResolution,
                                        ExifTags.Base.ResolutionUnit}  # fmt: skip
    assert seen_by_checker(clean) == seen_by_checker(original)


def test_a_sideways_jpeg_keeps_its_orientation_so_the_checker_sees_it_upright_as_before() -> None:
    """The checker applies the EXIF orientation (activities/photo_file.py); the copy is not
    re-encoded, so the orientation is carried in a new EXIF of only that and the resolution."""
    original = with_segments(
        noise_jpeg((640, 480), dpi=(300, 300)), exif_segment(camera_exif(Orientation=6))
    )

    clean = strip(original)

    assert not [s for s in SECRETS if s in clean]
    assert decoder_segments(clean) == decoder_segments(original)  # not re-encoded
    with Image.open(io.BytesIO(clean)) as image:
        assert image.size == (640, 480) and image.getexif()[ExifTags.Base.Orientation] == 6
    facts, pixels = seen_by_checker(clean)
    assert (facts.width, facts.height) == (480, 640)
    assert (facts, pixels) == seen_by_checker(original)


def test_the_dpi_from_exif_is_kept_when_there_is_no_jfif_density() -> None:
    """A phone JPEG has no JFIF segment: Pillow's dpi is EXIF's resolution."""
    jfif = noise_jpeg()
    phone = jfif[:2] + jfif[4 + struct.unpack(">H", jfif[4:6])[0] :]
    exif = camera_exif(XResolution=300.0, YResolution=300.0, ResolutionUnit=2)
    original = with_segments(phone, exif_segment(exif))
    assert original[2:4] == b"\xff\xe1"
    clean = strip(original)
    assert seen_by_checker(clean)[0].dpi == seen_by_checker(original)[0].dpi == (300.0, 300.0)
    assert not [s for s in SECRETS if s in clean]


def test_an_orientation_only_in_xmp_is_carried_into_exif() -> None:
    xmp = b'http://ns.adobe.com/xap/1.0/\0<x:xmpmeta tiff:Orientation="8">RujiXMP</x:xmpmeta>'
    original = with_segments(noise_jpeg((640, 480), dpi=(300, 300)), segment(0xE1, xmp))
    clean = strip(original)
    assert b"RujiXMP" not in clean
    assert seen_by_checker(clean) == seen_by_checker(original)
    assert seen_by_checker(clean)[0].width == 480


def test_a_jpeg_without_metadata_stays_as_it_was() -> None:
    original = noise_jpeg(dpi=(300, 300))
    assert strip(original) == original


def test_unreadable_exif_is_refused_as_a_corrupt_file() -> None:
    original = with_segments(noise_jpeg(dpi=(300, 300)), segment(0xE1, b"Exif\0\0not a tiff"))
    with pytest.raises(RefusedError) as refused:
        strip(original)
    assert refused.value.refusal.code == "UPLOAD_CORRUPT"


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def test_png_keeps_pixels_density_and_an_exif_orientation_after_the_pixels() -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "shot at home")
    out = io.BytesIO()
    noise((64, 48)).save(out, "PNG", pnginfo=info, dpi=(300, 300))
    png = out.getvalue()
    late_exif = _png_chunk(b"eXIf", camera_exif(Orientation=6).tobytes()[6:])
    original = png[:-12] + late_exif + png[-12:]  # before IEND: read only with the pixels

    clean = strip(original)

    assert not [s for s in SECRETS if s in clean]
    assert seen_by_checker(clean, "p.png") == seen_by_checker(original, "p.png")
    assert seen_by_checker(clean, "p.png")[0].width == 48


def test_heif_metadata_items_are_blanked_in_place_and_the_picture_is_untouched() -> None:
    register_heif()
    out = io.BytesIO()
    picture = noise((96, 128))
    xmp = b"<x:xmpmeta>RujiXMP</x:xmpmeta>"
    picture.save(out, "HEIF", quality=80, exif=camera_exif(Orientation=6).tobytes(), xmp=xmp)
    original = out.getvalue()

    clean = strip(original)

    assert len(clean) == len(original)  # every offset in the container still holds
    assert not [s for s in SECRETS if s in clean]
    assert seen_by_checker(clean, "p.heic") == seen_by_checker(original, "p.heic")
    with Image.open(io.BytesIO(clean)) as image:
        assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert ExifTags.Base.Make not in image.getexif()


def test_the_stripped_copy_still_passes_the_upload_screen() -> None:
    original = with_segments(noise_jpeg(dpi=(300, 300)), exif_segment(camera_exif(Orientation=3)))
    clean = strip(original)
    assert screen_image(clean, ID_PHOTO_POLICY).width == 480
    assert ImageOps.exif_transpose(Image.open(io.BytesIO(clean))).size == (480, 640)


def _mutated(data: bytes, start: int, end: int, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 5)):
        out[rng.randrange(start, end)] = rng.randrange(256)
    return bytes(out)


@pytest.mark.filterwarnings("ignore::UserWarning")  # Pillow on the damaged EXIF
def test_whatever_exif_a_jpeg_carries_the_checker_sees_the_same_or_it_is_refused() -> None:
    """Damaged EXIF (random bytes over a phone's): for every file the checker could read, the
    stripped copy reads the same — orientation, dpi, pixels; a refusal only where it could not."""
    rng, base = random.Random(20261130), noise_jpeg((48, 64), dpi=(300, 300))
    exif = camera_exif(Orientation=6, XResolution=300.0, ResolutionUnit=2).tobytes()
    outcomes = set()
    for _ in range(300):
        original = with_segments(base, segment(0xE1, _mutated(exif, 6, len(exif), rng)))
        screened = screen_image(original, ID_PHOTO_POLICY)  # EXIF's content is not screened
        facts, upright = read_file_facts(original, "p.jpg")
        try:
            clean = strip_metadata_exact(original, screened)
        except RefusedError as refused:
            assert upright is None and refused.refusal.code == "UPLOAD_CORRUPT"
            outcomes.add("refused")
            continue
        if upright is not None:
            assert seen_by_checker(clean) == seen_by_checker(original)
            outcomes.add("same")
    assert outcomes == {"refused", "same"}


def test_a_damaged_heif_container_is_refused_never_crashes() -> None:
    register_heif()
    out = io.BytesIO()
    noise((32, 32)).save(out, "HEIF", exif=camera_exif().tobytes())
    heif = out.getvalue()
    meta = heif.index(b"meta") - 4
    rng = random.Random(7)
    for _ in range(2000):
        try:
            without_metadata(_mutated(heif, meta, heif.index(b"mdat"), rng), "HEIF")
        except UploadDefect as defect:
            assert defect.code == UploadRefusal.UPLOAD_CORRUPT
