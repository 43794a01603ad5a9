"""PDF proofs: a plain document is accepted and rendered for the examiner; anything active,
hidden, locked, oversized or not really a PDF is refused with its code. Renders past the slots
wait without a thread of the API's pool, and are told busy past a short wait."""

from __future__ import annotations

import asyncio
import io
import struct
import sys
import zipfile
import zlib
from concurrent.futures import ThreadPoolExecutor
from contextlib import AsyncExitStack

import pytest
from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, StreamObject, TextStringObject

from api.routes.attachments import _screened
from domain.errors import Refusal, RefusedError
from infra import pdf_proofs
from infra.pdf_proofs import (
    MAX_PDF_PAGES,
    MAX_RENDERS,
    PREVIEW_WIDTH_PX,
    RendersBusy,
    render_preview,
    render_slot,
    screen_pdf,
)


def pdf(pages: int = 1, size: tuple[float, float] = (595, 842), **extra: object) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(*size)
    if extra.get("attachment"):
        writer.add_attachment("payload.exe", b"MZ")
    if extra.get("action"):
        kind, target = str(extra["action"]).split(":")
        key = "/JS" if kind == "/JavaScript" else "/F"
        action = DictionaryObject(
            {NameObject("/S"): NameObject(kind), NameObject(key): TextStringObject(target)}
        )
        writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)
    if extra.get("password") is not None:
        writer.encrypt(user_password=str(extra["password"]), owner_password="owner")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def code_of(data: bytes) -> str:
    with pytest.raises(RefusedError) as refused:
        screen_pdf(data)
    return refused.value.refusal.code


async def test_a_plain_document_is_accepted_and_rendered_page_by_page() -> None:
    data = pdf(pages=2)
    assert screen_pdf(data).pages == 2
    with Image.open(io.BytesIO(await render_preview(data))) as preview:
        assert preview.format == "JPEG" and preview.width == PREVIEW_WIDTH_PX
        assert preview.height > 2 * PREVIEW_WIDTH_PX  # two A4 pages, one under the other


def test_a_file_locked_for_editing_only_opens_and_is_accepted() -> None:
    assert screen_pdf(pdf(password="")).pages == 1


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (pdf(action="/JavaScript:app.alert(1)"), "UPLOAD_PDF_ACTIVE"),
        (pdf(attachment=True), "UPLOAD_PDF_ACTIVE"),
        (pdf(action="/Launch:cmd.exe"), "UPLOAD_PDF_ACTIVE"),
        (pdf(password="secret"), "UPLOAD_PDF_ENCRYPTED"),
        (pdf(pages=MAX_PDF_PAGES + 1), "UPLOAD_PDF_PAGES"),
        (pdf(size=(5000, 5000)), "UPLOAD_PDF_PAGE_SIZE"),
        (pdf(size=(595, 8000)), "UPLOAD_PDF_PAGE_SIZE"),
        (b"%PDF-1.7\n1 0 obj << /Type /Catalog", "UPLOAD_CORRUPT"),
        (b"\xff\xd8\xff\xe0 a jpeg", "UPLOAD_BAD_TYPE"),
    ],
    ids=[
        "js",
        "embedded-file",
        "launch",
        "password",
        "pages",
        "huge-page",
        "sliver",
        "corrupt",
        "jpeg",
    ],
)
def test_refused(data: bytes, code: str) -> None:
    assert code_of(data) == code


def test_an_escaped_name_does_not_hide_javascript() -> None:
    data = pdf().replace(b"/Type /Catalog", b"/Type /Catalog /Names << /J#61vaScript 9 0 R >>")
    assert code_of(data) in {"UPLOAD_PDF_ACTIVE", "UPLOAD_CORRUPT"}
    assert code_of(data) == "UPLOAD_PDF_ACTIVE"


def test_a_zip_appended_to_a_pdf_is_a_polyglot() -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("evil.html", "<script>alert(1)</script>")
    assert code_of(pdf() + archive.getvalue()) == "UPLOAD_POLYGLOT"


def drawn(ops: bytes, times: int) -> bytes:
    """One A4 page whose content stream is `ops` repeated, deflated: a few KB that PDFium must
    parse and draw in full (a filled full-page rectangle costs ~1 ms at preview width)."""
    writer = PdfWriter()
    page = writer.add_blank_page(595, 842)
    content = StreamObject()
    content.set_data(ops * times)
    page[NameObject("/Contents")] = writer._add_object(content.flate_encode())
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


async def rendering_refusal(data: bytes) -> Refusal:
    screen_pdf(data)  # the screen passes: these are plain, small, ordinary pages
    with pytest.raises(RefusedError) as refused:
        await render_preview(data)
    return refused.value.refusal


async def test_a_page_built_to_be_slow_to_draw_is_refused_within_the_time_limit(
    monkeypatch,
) -> None:
    # 30k full-page fills, 3 KB of PDF: ~25 s of one core, holding every other candidate's PDF.
    # The refusal names the time limit only when the child was killed at it (no clock here).
    monkeypatch.setattr(pdf_proofs, "RENDER_TIMEOUT_S", 2.0)
    refusal = await rendering_refusal(drawn(b"10 10 500 800 re f\n", 30_000))
    assert (refusal.code, refusal.expected) == ("UPLOAD_PDF_TOO_COMPLEX", 2.0)


async def test_a_page_built_to_fill_memory_is_refused() -> None:
    # 5M tiny rectangles from ~130 KB of PDF: PDFium's parse alone would take ~1.8 GB
    data = drawn(b"0 0 1 1 re f\n", 5_000_000)
    assert len(data) < 200_000
    assert (await rendering_refusal(data)).code == "UPLOAD_PDF_TOO_COMPLEX"


#: a child that draws until it is killed: a page built to be slow, without burning a core
NEVER_DONE = (sys.executable, "-c", "import signal; signal.pause()")


def test_renders_hold_no_thread_of_the_pool_and_one_past_the_slots_is_told_busy(
    monkeypatch,
) -> None:
    """The outsider's report: 8 slow PDFs at once held the default pool's threads (one each
    while drawing, one each waiting for a slot), and every sign-in queued behind them. Here the
    pool has one thread, and it must still answer while the slots are full."""
    monkeypatch.setattr(pdf_proofs, "RENDER_CHILD", NEVER_DONE)
    monkeypatch.setattr(pdf_proofs, "RENDER_QUEUE_S", 0.2)

    async def full_slots() -> None:
        asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(max_workers=1))
        # tasks start in the order made: the first MAX_RENDERS take the slots, the last waits
        renders = [asyncio.create_task(render_preview(pdf())) for _ in range(MAX_RENDERS + 1)]
        try:
            assert await asyncio.wait_for(asyncio.to_thread(lambda: "answered"), 5) == "answered"
            with pytest.raises(RendersBusy):
                await renders[-1]
            assert not any(render.done() for render in renders[:-1])  # still drawing
        finally:
            for render in renders:
                render.cancel()
            await asyncio.gather(*renders, return_exceptions=True)

    asyncio.run(full_slots())


async def test_a_render_waits_for_a_slot_that_frees_within_the_wait(monkeypatch) -> None:
    """An ordinary proof behind another one still gets its preview, not a refusal."""
    monkeypatch.setattr(pdf_proofs, "RENDER_QUEUE_S", 30.0)
    async with AsyncExitStack() as held:
        for _ in range(MAX_RENDERS):
            await held.enter_async_context(render_slot())
        render = asyncio.create_task(render_preview(pdf()))
        done, _ = await asyncio.wait({render}, timeout=0.2)
        assert not done  # waiting for a slot
    with Image.open(io.BytesIO(await render)) as preview:
        assert preview.format == "JPEG"


async def test_a_render_cancelled_with_its_request_kills_its_child(monkeypatch) -> None:
    """A client gone mid-render frees the slot and the core at once, not at the time limit."""
    monkeypatch.setattr(pdf_proofs, "RENDER_CHILD", NEVER_DONE)
    children: list[asyncio.subprocess.Process] = []
    child_started = asyncio.Event()
    spawn = asyncio.create_subprocess_exec

    async def spawned(*args, **kwargs):
        child = await spawn(*args, **kwargs)
        children.append(child)
        child_started.set()
        return child

    monkeypatch.setattr(asyncio, "create_subprocess_exec", spawned)
    render = asyncio.create_task(render_preview(pdf()))
    await child_started.wait()
    render.cancel()
    with pytest.raises(asyncio.CancelledError):
        await render
    assert children[0].returncode is not None  # killed and reaped
    async with AsyncExitStack() as held:  # every slot is free again (else RendersBusy)
        for _ in range(MAX_RENDERS):
            await held.enter_async_context(render_slot())


def inflating(streams: int, blanks: int) -> bytes:
    """One ordinary page, plus `streams` object streams of one object each, deflated from
    `blanks` spaces of padding and reachable from the catalog (the screen walks them all):
    ~68 KB each on disk, `blanks` bytes each once pypdf has read them."""
    packed = zlib.compress(b"10 0 << /A 1 >>" + b" " * blanks, 9)
    parts, offsets = [b"%PDF-1.5\n"], {}

    def add(number: int, body: bytes) -> None:
        offsets[number] = sum(map(len, parts))
        parts.append(b"%d 0 obj\n%s\nendobj\n" % (number, body))

    members = b" ".join(b"%d 0 R" % (1000 + i) for i in range(streams))
    add(1, b"<< /Type /Catalog /Pages 2 0 R /Extra [%s] >>" % members)
    add(2, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
    add(3, b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>")
    for i in range(streams):
        head = b"<< /Type /ObjStm /N 1 /First 5 /Filter /FlateDecode /Length %d >>" % len(packed)
        add(100 + i, head + b"\nstream\n" + packed + b"\nendstream")
    xref_at, size = sum(map(len, parts)), 1000 + streams + 1
    rows = [
        struct.pack(">BIH", 1, offsets[n], 0)
        if n in offsets
        else struct.pack(">BIH", 2, 100 + n - 1000, 0)
        if n >= 1000
        else struct.pack(">BIH", 0, 0, 0)
        for n in range(size)
    ]
    table = zlib.compress(b"".join(rows))
    parts.append(
        b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R /Filter /FlateDecode "
        b"/Length %d >>\nstream\n%s\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n"
        % (size, size + 1, len(table), table, xref_at)
    )
    return b"".join(parts)


async def test_a_pdf_that_inflates_to_more_than_memory_is_refused_by_the_child() -> None:
    """Security probe 2026-12-01: 1.4 MB whose object streams inflate to 1.4 GB passed the screen
    after minutes of pypdf in a thread of the API process (1.5 GB; a few at once and the process
    is gone). The screen now runs in the renderer's child, under its memory and time limits."""
    data = inflating(streams=20, blanks=70_000_000)
    assert len(data) < 2_000_000
    with pytest.raises(RefusedError) as refused:
        await render_preview(data)
    assert refused.value.refusal.code in {"UPLOAD_PDF_TOO_COMPLEX", "UPLOAD_CORRUPT"}


def test_the_api_process_checks_a_pdfs_envelope_without_parsing_it(monkeypatch) -> None:
    """The attachment route's own check of a PDF reads no object: pypdf runs in the child."""

    def parsed(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a PDF parsed in the API process")

    monkeypatch.setattr(pdf_proofs, "PdfReader", parsed)
    prepared = _screened(inflating(streams=20, blanks=70_000_000), "proof.pdf", "application/pdf")
    assert (prepared.content_type, prepared.ext) == ("application/pdf", "pdf")
