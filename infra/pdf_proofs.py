"""PDF proofs (社保证明, 学籍在线验证报告 are usually PDFs): accepted for attachments only,
judged by content, and rendered to one image for the examiner.

Order, cheapest first: size, magic bytes, not also a ZIP, then a real parse with pypdf (pure
Python: a hostile file costs CPU, not memory corruption), page count and page sizes, and a walk
of every object reachable from the trailer for active content — JavaScript, launch/submit/
import actions, embedded files, rich media, XFA forms. Only a file that passed all of that is
rendered, by PDFium (pypdfium2's wheel bundles it; no system libraries): a proof takes ~0.1–0.3 s
a page. What a page costs to draw is not in its size, though: 3 KB of deflated content can be
30,000 full-page fills (~25 s of a core) and 150 KB five million operations (~1.8 GB while PDFium
parses them), and what a file costs to parse is not in its size either: 1.4 MB of object
streams inflate to 1.4 GB that pypdf reads for minutes. So the API process checks only the
envelope (size, magic, ZIP); the parse, the screen and the render run in a child process
(`python -m infra.pdf_proofs`) under a memory limit, killed at `RENDER_TIMEOUT_S`; either ends
in UPLOAD_PDF_TOO_COMPLEX (or UPLOAD_CORRUPT when pypdf meets the memory limit). At most
`MAX_RENDERS` children run at once. The API waits for its child, and for a free slot, with an
await, never in a thread of the event loop's default pool: that pool (min(32, cores + 4)
threads) runs every database call, password hash and object-store call of the API, and 8 uploads
of slow pages that held its threads stalled every sign-in for 18 s. A render that finds no slot
within `RENDER_QUEUE_S` raises `RendersBusy`, for the caller to say "busy, come back soon".

The PDF is stored as sent (it is the evidence); the examiner reads the rendered pages, so the
console never opens a PDF in the browser.
"""

from __future__ import annotations

import asyncio
import io
import resource
import sys
import weakref
import zipfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
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

#: 10 ordinary pages take ~3 s with the child's start; a page built to be slow is cut off here
RENDER_TIMEOUT_S = 10.0
#: the child's address space: a 10-page A4 preview needs ~300 MB
RENDER_MEMORY_BYTES = 1 << 30
MAX_RENDERS = 2
#: How long a render waits for a slot. An ordinary proof takes 0.3–3 s with the child's start,
#: so a candidate arriving behind one or two of them still gets his preview; slots held by pages
#: drawn until `RENDER_TIMEOUT_S` are not waited out (the caller is told to come back).
RENDER_QUEUE_S = 3.0
#: the child that draws (`_child`)
RENDER_CHILD = (sys.executable, "-m", "infra.pdf_proofs")
#: the slots of each event loop (the API runs one; asyncio's semaphores belong to one loop)
_SLOTS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)
#: the child's exit status for a refusal of its own (its code on stderr)
_REFUSED_EXIT = 3


class RendersBusy(Exception):
    """Every render slot stayed taken for `RENDER_QUEUE_S`."""


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


def check_pdf_envelope(data: bytes) -> None:
    """What the API process checks itself: size, magic bytes, not also a ZIP. Parsing is the
    child's (`render_preview`): 1.4 MB of object streams that inflate to 70 MB of blanks each
    kept pypdf busy for minutes and took 1.5 GB (docs/decisions.md, "A PDF is parsed in the
    child that draws it")."""
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


def screen_pdf(data: bytes) -> ScreenedPdf:
    """Refuse anything but a plain, readable document of a few ordinary pages. It parses the
    whole file: run it where time and memory are limited (the child of `render_preview`)."""
    check_pdf_envelope(data)
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


async def render_preview(data: bytes) -> bytes:
    """The PDF screened (`screen_pdf`) and every page, top to bottom, drawn as one JPEG of
    `PREVIEW_WIDTH_PX`, both in a child process with a time and a memory limit; a refusal of the
    screen is raised with its code."""
    async with render_slot():
        returncode, out, err = await _draw_in_child(data)
    refused = UploadRefusal.parse(err.decode(errors="replace").strip())
    if returncode == _REFUSED_EXIT and refused is not None:
        raise _refuse(refused)
    if returncode != 0 or not out:  # out of memory, or PDFium gave up
        raise _refuse(UploadRefusal.UPLOAD_PDF_TOO_COMPLEX, measured=returncode)
    return out


@asynccontextmanager
async def render_slot() -> AsyncIterator[None]:
    """One of `MAX_RENDERS` slots, waited for at most `RENDER_QUEUE_S` (then `RendersBusy`)."""
    slots = _SLOTS.setdefault(asyncio.get_running_loop(), asyncio.Semaphore(MAX_RENDERS))
    try:
        async with asyncio.timeout(RENDER_QUEUE_S):
            await slots.acquire()
    except TimeoutError:
        raise RendersBusy from None
    try:
        yield
    finally:
        slots.release()


async def _draw_in_child(data: bytes) -> tuple[int, bytes, bytes]:
    """The child's exit status, stdout and stderr. It is killed at `RENDER_TIMEOUT_S`, and when
    the request is cancelled first (the client gone): no drawing outlives its slot."""
    child = await asyncio.create_subprocess_exec(
        *RENDER_CHILD,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with asyncio.timeout(RENDER_TIMEOUT_S):
            out, err = await child.communicate(data)
    except TimeoutError:
        raise _refuse(UploadRefusal.UPLOAD_PDF_TOO_COMPLEX, expected=RENDER_TIMEOUT_S) from None
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()
    return await child.wait(), out, err


def _draw_preview(data: bytes) -> bytes:
    """`render_preview`'s work, in the child. PDFium is not thread-safe: one document a process."""
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


def _child() -> int:
    """`python -m infra.pdf_proofs`: the PDF on stdin, screened, and the preview JPEG on stdout
    (a refusal's code on stderr)."""
    resource.setrlimit(resource.RLIMIT_AS, (RENDER_MEMORY_BYTES, RENDER_MEMORY_BYTES))
    try:
        data = sys.stdin.buffer.read()
        screen_pdf(data)  # its page count and sizes bound the image
        preview = _draw_preview(data)
    except RefusedError as refused:
        sys.stderr.write(refused.refusal.code)
        return _REFUSED_EXIT
    sys.stdout.buffer.write(preview)
    return 0


if __name__ == "__main__":
    raise SystemExit(_child())
