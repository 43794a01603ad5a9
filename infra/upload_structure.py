"""Walk JPEG segments and PNG chunks without decoding pixels.

Everything the upload screen must know before it lets a decoder near the bytes — declared size,
where the image really ends, how much metadata rides along, whether markup hides in it — is
read here in one linear pass with no allocation proportional to the pixel count. Problems are
raised as ``UploadDefect`` with its ``UploadRefusal``; ``infra.uploads`` fills in the limits.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field

from domain.errors import RefusalCode

JPEG_MAGIC = b"\xff\xd8\xff"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_JPEG_SCANS = 64  # progressive files use ~10; thousands of tiny scans are a CPU bomb
MARKUP = (b"<script", b"<html", b"<?php", b"<svg", b"<iframe", b"<body", b"javascript:", b"<%")

_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
_STANDALONE = {0x01, *range(0xD0, 0xD8)}
_KEEP_JPEG = {0xC4, 0xCC, 0xDB, 0xDD, 0xE0, 0xEE, *_SOF}  # tables, frame, JFIF, Adobe
_PNG_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
_PNG_RENDERING = {b"PLTE", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT", b"pHYs", b"bKGD"}
_ADAM7 = (
    (0, 0, 8, 8),
    (4, 0, 8, 8),
    (0, 4, 4, 8),
    (2, 0, 4, 4),
    (0, 2, 2, 4),
    (1, 0, 2, 2),
    (0, 1, 1, 2),
)
_INFLATE_STEP = 64 * 1024


class UploadRefusal(RefusalCode):
    """An upload that is not one plain image of an allowed format; the `{limit}`, `{formats}`
    and `{pixels}` of the route's policy are filled in."""

    STORAGE_QUOTA = "STORAGE_QUOTA", "上传的文件总量已达上限，请联系考试机构"
    UPLOAD_TOO_LARGE = "UPLOAD_TOO_LARGE", "文件过大，请上传不超过 {limit} 的图片"
    UPLOAD_EMPTY = "UPLOAD_EMPTY", "文件为空，请重新选择图片"
    UPLOAD_BAD_TYPE = "UPLOAD_BAD_TYPE", "不支持的文件类型，请上传 {formats} 格式的图片"
    UPLOAD_EXTENSION_MISMATCH = (
        "UPLOAD_EXTENSION_MISMATCH",
        "文件扩展名或类型与内容不符，请上传真正的 {formats} 图片，不要只改扩展名",
    )
    UPLOAD_POLYGLOT = "UPLOAD_POLYGLOT", "图片文件中夹带了其他内容，请上传相机或手机直接生成的图片"
    UPLOAD_BOMB = "UPLOAD_BOMB", "图片像素尺寸过大或结构异常，请上传不超过 {pixels} 万像素的图片"
    UPLOAD_TRUNCATED = "UPLOAD_TRUNCATED", "图片文件不完整（可能上传中断），请重新上传"
    UPLOAD_CORRUPT = "UPLOAD_CORRUPT", "图片文件已损坏，无法读取，请重新拍摄或导出"
    UPLOAD_CMYK = "UPLOAD_CMYK", "图片为 CMYK 印刷色彩模式，请上传 RGB 彩色图片"
    UPLOAD_EXIF_TOO_LARGE = (
        "UPLOAD_EXIF_TOO_LARGE",
        "图片附带的元数据（EXIF 等）过大，请去除附加信息后重新上传",
    )
    UPLOAD_PDF_ENCRYPTED = "UPLOAD_PDF_ENCRYPTED", "PDF 文件设有打开密码，请上传未加密的文件"
    UPLOAD_PDF_ACTIVE = (
        "UPLOAD_PDF_ACTIVE",
        "PDF 文件含有脚本、内嵌文件或自动操作，请用「打印为 PDF」重新生成后上传",
    )
    UPLOAD_PDF_PAGES = "UPLOAD_PDF_PAGES", "PDF 文件页数不符合要求，请上传 1 至 {limit} 页的文件"
    UPLOAD_PDF_PAGE_SIZE = (
        "UPLOAD_PDF_PAGE_SIZE",
        "PDF 页面尺寸异常，请上传 A4 等常规纸张大小的文件",
    )
    UPLOAD_PDF_TOO_COMPLEX = (
        "UPLOAD_PDF_TOO_COMPLEX",
        "PDF 文件内容过于复杂，无法显示，请用「打印为 PDF」重新生成，或拍照上传",
    )


class UploadDefect(Exception):
    def __init__(self, code: UploadRefusal, *, measured: object = None, expected: object = None):
        super().__init__(code)
        self.code = code
        self.measured = measured
        self.expected = expected


@dataclass
class ImageStructure:
    width: int = 0
    height: int = 0
    components: int = 0
    end: int = 0  # offset just past EOI / IEND
    metadata_bytes: int = 0
    kept: list[tuple[int, int]] = field(default_factory=list)  # spans a clean copy keeps


def _has_markup(chunk: bytes | memoryview) -> bool:
    lowered = bytes(chunk).lower()
    return any(m in lowered for m in MARKUP)


def is_padding(tail: bytes | memoryview) -> bool:
    return not bytes(tail).strip(b"\x00\xff \t\r\n")


def walk_jpeg(data: bytes, start: int = 0) -> ImageStructure:
    """Segments from SOI to EOI; entropy-coded data is skipped by looking for real markers."""
    n, info = len(data), ImageStructure()
    if data[start : start + 3] != JPEG_MAGIC:
        raise UploadDefect(UploadRefusal.UPLOAD_BAD_TYPE)
    pos, scans = start + 2, 0
    while True:
        if pos >= n:
            raise UploadDefect(UploadRefusal.UPLOAD_TRUNCATED)
        if data[pos] != 0xFF:
            raise UploadDefect(UploadRefusal.UPLOAD_CORRUPT)
        while pos < n and data[pos] == 0xFF:
            pos += 1
        if pos >= n:
            raise UploadDefect(UploadRefusal.UPLOAD_TRUNCATED)
        marker, seg_start = data[pos], pos - 1
        pos += 1
        if marker == 0xD9:
            info.end = pos
            return info
        if marker in _STANDALONE:
            continue
        if pos + 2 > n:
            raise UploadDefect(UploadRefusal.UPLOAD_TRUNCATED)
        length = int.from_bytes(data[pos : pos + 2], "big")
        seg_end = pos + length
        if length < 2:
            raise UploadDefect(UploadRefusal.UPLOAD_CORRUPT)
        if seg_end > n:
            raise UploadDefect(UploadRefusal.UPLOAD_TRUNCATED)
        body = memoryview(data)[pos + 2 : seg_end]
        if marker in _SOF:
            if length < 8:
                raise UploadDefect(UploadRefusal.UPLOAD_CORRUPT)
            info.height, info.width = struct.unpack(">HH", body[1:5])
            info.components = body[5]
            if not info.width or not info.height:
                raise UploadDefect(UploadRefusal.UPLOAD_CORRUPT)
        elif 0xE0 <= marker <= 0xEF or marker == 0xFE:
            if marker not in (0xE0, 0xEE):
                info.metadata_bytes += length + 2
            if _has_markup(body):
                raise UploadDefect(UploadRefusal.UPLOAD_POLYGLOT)
        if marker == 0xDA:
            scans += 1
            if not info.width:
                raise UploadDefect(UploadRefusal.UPLOAD_CORRUPT)
            if scans > MAX_JPEG_SCANS:
                raise UploadDefect(
                    UploadRefusal.UPLOAD_BOMB, measured=scans, expected=MAX_JPEG_SCANS
                )
            seg_end = _skip_entropy(data, seg_end)
            info.kept.append((seg_start, seg_end))
        elif marker in _KEEP_JPEG or (marker == 0xE2 and bytes(body[:12]) == b"ICC_PROFILE\0"):
            info.kept.append((seg_start, seg_end))
        pos = seg_end


def _skip_entropy(data: bytes, pos: int) -> int:
    """Offset of the first marker after a scan: 0xFF not followed by 0x00 (stuffing) or RSTn."""
    n = len(data)
    while True:
        found = data.find(b"\xff", pos)
        if found < 0 or found + 1 >= n:
            raise UploadDefect(UploadRefusal.UPLOAD_TRUNCATED)
        following = data[found + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7:
            pos = found + 2
        elif following == 0xFF:
            pos = found + 1
        else:
            return found


#: the top-level ISO-BMFF boxes that hold a HEIF picture: anything else (free, skip, uuid, …)
#: carries no pixel, so markup in it is a polyglot; the coded data in `mdat` is not searched
#: (a two-byte marker such as `<%` turns up in megabytes of it by chance)
_HEIF_PICTURE_BOXES = {b"ftyp", b"meta", b"mdat", b"moov"}


def walk_heif(data: bytes) -> int:
    """The offset just past the last whole top-level box of a HEIF file: what follows is
    trailing (`_check_trailing`). A box that is not part of the picture may not carry markup."""
    pos = 0
    while pos + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        header = 8
        if size == 1 and pos + 16 <= len(data):
            (size,) = struct.unpack(">Q", data[pos + 8 : pos + 16])
            header = 16
        elif size == 0:  # the last box, to the end of the file
            size = len(data) - pos
        if size < header or pos + size > len(data):
            break  # not a box: trailing bytes
        if kind not in _HEIF_PICTURE_BOXES and _has_markup(memoryview(data)[pos : pos + size]):
            raise UploadDefect(UploadRefusal.UPLOAD_POLYGLOT, measured=kind.decode("latin-1"))
        pos += size
    return pos


def walk_png(data: bytes, *, max_metadata_bytes: int) -> ImageStructure:
    """Chunks from IHDR to IEND with CRCs checked; compressed metadata inflated only up to the
    metadata limit, so a zTXt bomb is caught before Pillow inflates it."""
    n, info = len(data), ImageStructure()
    pos, expanded = len(PNG_MAGIC), 0
    ihdr: tuple[int, ...] = ()
    while True:
        if pos + 12 > n:
            raise UploadDefect(UploadRefusal.UPLOAD_TRUNCATED)
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        end = pos + 12 + length
        if length > 0x7FFFFFFF:
            raise UploadDefect(UploadRefusal.UPLOAD_CORRUPT)
        if end > n:
            raise UploadDefect(UploadRefusal.UPLOAD_TRUNCATED)
        body = memoryview(data)[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[end - 4 : end])
        if zlib.crc32(memoryview(data)[pos + 4 : end - 4]) != crc:
            raise UploadDefect(UploadRefusal.UPLOAD_CORRUPT)
        if not ihdr and kind != b"IHDR":
            raise UploadDefect(UploadRefusal.UPLOAD_CORRUPT)
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
            info.width, info.height = ihdr[0], ihdr[1]
            if not info.width or not info.height or ihdr[3] not in _PNG_CHANNELS:
                raise UploadDefect(UploadRefusal.UPLOAD_CORRUPT)
            info.components = _PNG_CHANNELS[ihdr[3]]
        elif kind == b"acTL":
            raise UploadDefect(UploadRefusal.UPLOAD_BAD_TYPE)  # animated PNG
        elif kind == b"IEND":
            info.kept.append((pos, end))
            info.end = end
            return info
        elif kind not in (b"IDAT", b"PLTE"):
            if kind[0] & 0x20 == 0 and kind not in _PNG_RENDERING:
                raise UploadDefect(UploadRefusal.UPLOAD_CORRUPT)  # unknown critical chunk
            info.metadata_bytes += length + 12
            if _has_markup(body):
                raise UploadDefect(UploadRefusal.UPLOAD_POLYGLOT)
            compressed = _compressed_part(kind, body)
            if compressed is not None:
                expanded += _inflated_size(compressed, limit=max_metadata_bytes - expanded)
        if kind in (b"IHDR", b"IDAT") or kind in _PNG_RENDERING:
            info.kept.append((pos, end))
        pos = end


def _compressed_part(kind: bytes, body: memoryview) -> memoryview | None:
    """The deflated part of zTXt / iCCP (keyword, NUL, method) or a compressed iTXt."""
    keyword_end = body.tobytes().find(b"\0")
    if kind in (b"zTXt", b"iCCP"):
        return body[keyword_end + 2 :]
    if kind == b"iTXt" and len(body) > keyword_end + 1 and body[keyword_end + 1] == 1:
        rest = body[keyword_end + 3 :].tobytes()
        language_end = rest.find(b"\0")
        translated_end = rest.find(b"\0", language_end + 1)
        return body[keyword_end + 3 + translated_end + 1 :]
    return None


def _inflated_size(compressed: memoryview, *, limit: int) -> int:
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(compressed, max(limit, 0) + 1)
    except zlib.error:
        raise UploadDefect(UploadRefusal.UPLOAD_CORRUPT) from None
    if len(out) > limit:
        raise UploadDefect(UploadRefusal.UPLOAD_EXIF_TOO_LARGE, expected=limit)
    return len(out)


def png_raw_size(width: int, height: int, bits_per_pixel: int, interlaced: bool) -> int:
    """Bytes the IDAT stream must inflate to: per row one filter byte plus packed pixels."""
    passes = _ADAM7 if interlaced else ((0, 0, 1, 1),)
    total = 0
    for x0, y0, dx, dy in passes:
        cols, rows = -(-max(width - x0, 0) // dx), -(-max(height - y0, 0) // dy)
        if cols and rows:
            total += rows * (1 + -(-cols * bits_per_pixel // 8))
    return total


def check_png_pixels(data: bytes, info: ImageStructure) -> None:
    """Inflate IDAT in 64 KiB steps and count: exactly the raw size the header promises.

    Fewer bytes is a truncated upload, more is a crafted stream; nothing is kept, so peak memory
    is one step whatever the image size.
    """
    _, _, bit_depth, color_type, _, _, interlace = struct.unpack(">IIBBBBB", data[16:29])
    expected = png_raw_size(
        info.width, info.height, bit_depth * _PNG_CHANNELS[color_type], interlace == 1
    )
    inflater, produced = zlib.decompressobj(), 0
    view = memoryview(data)
    try:
        for start, end in info.kept:
            if bytes(view[start + 4 : start + 8]) != b"IDAT":
                continue
            pending: bytes | memoryview = view[start + 8 : end - 4]
            while pending:
                produced += len(inflater.decompress(pending, _INFLATE_STEP))
                pending = inflater.unconsumed_tail
                if produced > expected:
                    raise UploadDefect(UploadRefusal.UPLOAD_CORRUPT)
        while not inflater.eof and produced <= expected:
            step = inflater.decompress(b"", _INFLATE_STEP)
            if not step:
                break
            produced += len(step)
    except zlib.error:
        raise UploadDefect(UploadRefusal.UPLOAD_CORRUPT) from None
    if produced > expected:
        raise UploadDefect(UploadRefusal.UPLOAD_CORRUPT)
    if produced < expected or not inflater.eof:
        raise UploadDefect(UploadRefusal.UPLOAD_TRUNCATED, measured=produced, expected=expected)
