"""PDF proofs (社保证明, 学籍在线验证报告 are usually PDFs): accepted for attachments only,
judged by content, and rendered to one image for the examiner.

Order, cheapest first: size, magic bytes, not also a ZIP, then a real parse with pypdf (pure
Python: a hostile file costs CPU, not memory corruption), page count and page sizes, and a walk
of every object reachable from the trailer for active content — JavaScript, launch/submit/
import actions, embedded files, rich media, XFA forms. Only a file that passed all of that is
rendered, by PDFium (pypdfium2's wheel bundles it; no system libraries). PDFium is not
thread-safe, so renders are serialised by a lock: a proof takes ~0.1–0.3 s a page.

The PDF is stored as sent (it is the evidence); the examiner reads the rendered pages, so the
console never opens a PDF in the browser.
"""

from __future__ import annotations

import io
import threading
import zipfile
from dataclasses import dataclass

import pypdfium2 as pdfium
from PIL import Image
from pypdf import PasswordType, PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, PdfObject

from domain.errors import RefusedError, refuse
from infra.upload_structure import UploadRefusal

PDF_MAGIC = b"%PDF-"
PDF_CONTENT_TYPE = "application/pdf"
MAX_PDF_BYTES = 10 * 1024 * 1024
#: A 社保 statement or a CHSI report is 1–3 pages; 10 leaves room for a multi-year statement.
MAX_PDF_PAGES = 10
#: Page sides in points (1/72 in): A2's long side is 1684 pt; smaller than a business card
#: (144 pt) or longer than 2.5:1 is not a document page (and would render as a sliver).
MAX_PAGE_PT, MIN_PAGE_PT, MAX_PAGE_RATIO = 1700.0, 144.0, 2.5
#: Rendered width: A4 at ~120 dpi, legible small print; 10 pages stay under 1000×25,000 px.
PREVIEW_WIDTH_PX = 1000
PREVIEW_GAP_PX = 12
#: Objects walked before the file counts as built to exhaust us (real proofs hold hundreds).
MAX_PDF_OBJECTS = 20_000

#: Keys whose presence anywhere means active or hidden content.
_ACTIVE_KEYS = frozenset(
    {"/JS", "/JavaScript", "/EmbeddedFile", "/EmbeddedFiles", "/RichMedia", "/XFA"}
)
#: Action types (`/S`) that run code, open or send files.
_ACTIVE_ACTIONS = frozenset(
    {"/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/GoToE", "/GoToR", "/Rendition"}
)
_ACTIVE_SUBTYPES = frozenset({"/FileAttachment", "/RichMedia", "/Movie", "/Sound", "/Screen"})

_PDFIUM = threading.Lock()


@dataclass(frozen=True)
class ScreenedPdf:
    pages: int
    size: int


def is_pdf(data: bytes) -> bool:
    return data.startswith(PDF_MAGIC)


def _refuse(
    code: UploadRefusal, *, measured: object = None, expected: object = None
) -> RefusedError:
    message = code.message.format(limit=MAX_PDF_PAGES, formats="PDF")
    return refuse(code, message=message, measured=measured, expected=expected)


def screen_pdf(data: bytes) -> ScreenedPdf:
    """Refuse anything but a plain, readable document of a few ordinary pages."""
    if len(data) > MAX_PDF_BYTES:
        raise refuse(
            UploadRefusal.UPLOAD_TOO_LARGE,
            message=UploadRefusal.UPLOAD_TOO_LARGE.message.format(limit="10 MB"),
            measured=len(data),
            expected=MAX_PDF_BYTES,
        )
    if not is_pdf(data):
        raise _refuse(UploadRefusal.UPLOAD_BAD_TYPE)
    if zipfile.is_zipfile(io.BytesIO(data)):
        raise _refuse(UploadRefusal.UPLOAD_POLYGLOT)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise _refuse(UploadRefusal.UPLOAD_PDF_ENCRYPTED)
        pages = len(reader.pages)
        if not 1 <= pages <= MAX_PDF_PAGES:
            raise _refuse(UploadRefusal.UPLOAD_PDF_PAGES, measured=pages, expected=MAX_PDF_PAGES)
        for page in reader.pages:
            _check_page_size(float(page.mediabox.width), float(page.mediabox.height))
        _check_passive(reader.trailer)
    except RefusedError:
        raise
    except Exception:
        raise _refuse(UploadRefusal.UPLOAD_CORRUPT) from None
    return ScreenedPdf(pages=pages, size=len(data))


def _check_page_size(width: float, height: float) -> None:
    small, large = sorted((abs(width), abs(height)))
    if small < MIN_PAGE_PT or large > MAX_PAGE_PT or large / small > MAX_PAGE_RATIO:
        raise _refuse(UploadRefusal.UPLOAD_PDF_PAGE_SIZE, measured=f"{width:.0f}x{height:.0f}pt")


def _check_passive(root: PdfObject) -> None:
    """Walk every object reachable from the trailer once (indirect references resolved, object
    streams already unpacked by pypdf, names already de-escaped: `/J#61vaScript` is caught)."""
    seen: set[tuple[int, int]] = set()
    stack: list[PdfObject] = [root]
    walked = 0
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            ref = (node.idnum, node.generation)
            if ref in seen:
                continue
            seen.add(ref)
            resolved = node.get_object()
            if resolved is None:
                continue
            node = resolved
        walked += 1
        if walked > MAX_PDF_OBJECTS:
            raise _refuse(UploadRefusal.UPLOAD_CORRUPT, measured=walked)
        if isinstance(node, DictionaryObject):  # streams are dictionaries too
            for key, value in node.items():
                if key in _ACTIVE_KEYS:
                    raise _refuse(UploadRefusal.UPLOAD_PDF_ACTIVE, measured=str(key))
                if isinstance(value, NameObject) and (
                    (key == "/S" and value in _ACTIVE_ACTIONS)
                    or (key == "/Subtype" and value in _ACTIVE_SUBTYPES)
                ):
                    raise _refuse(UploadRefusal.UPLOAD_PDF_ACTIVE, measured=str(value))
                stack.append(value)
        elif isinstance(node, ArrayObject):
            stack.extend(node)


def render_preview(data: bytes) -> bytes:
    """Every page, top to bottom, as one JPEG of `PREVIEW_WIDTH_PX`. Call only with data that
    `screen_pdf` accepted (its page count and sizes bound the image)."""
    with _PDFIUM:
        document = pdfium.PdfDocument(data)
        try:
            images = []
            for index in range(len(document)):
                page = document[index]
                width, height = page.get_size()
                _check_page_size(width, height)  # PDFium's reading, not only pypdf's
                bitmap = page.render(scale=PREVIEW_WIDTH_PX / width, may_draw_forms=False)
                images.append(bitmap.to_pil().convert("RGB"))
                page.close()
        finally:
            document.close()
    height = sum(image.height for image in images) + PREVIEW_GAP_PX * (len(images) - 1)
    sheet = Image.new("RGB", (PREVIEW_WIDTH_PX, height), (200, 200, 200))
    top = 0
    for image in images:
        sheet.paste(image, (0, top))
        top += image.height + PREVIEW_GAP_PX
    out = io.BytesIO()
    sheet.save(out, format="JPEG", quality=80)
    return out.getvalue()
