"""R9–R12: the candidate's own attachments — upload (images or PDF proofs, idempotent with an
`Idempotency-Key`), list, delete while the case is editable and not under review.

An upload is judged cheapest first: the file's own checks, then whether the case takes it at all
(the workflow's rule, asked of the case as queried), and only then a PDF's render, the store and
the workflow's update. A render costs up to `RENDER_TIMEOUT_S` of a core; a case under review
or a code off the checklist must not buy one."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, File, Header, Path, UploadFile
from pydantic import BaseModel

from api.applications import application_handle, check_storage_quota, run_query, run_update
from api.deps import CandidateDep, Services, ServicesDep
from api.errors import ApiError, ApiRefusal, retry_after_s
from api.idempotency import KEY_PATTERN
from domain.case_rules import check_attachment_wanted
from domain.enrollment import (
    ApplicationView,
    AttachmentRemoval,
    AttachmentUpload,
    CaseFile,
    EnrollmentState,
)
from domain.messages import CaseRefusal
from domain.objects import StoredObject
from domain.states import AppState
from infra.pdf_proofs import (
    MAX_RENDERS,
    PDF_CONTENT_TYPE,
    RendersBusy,
    check_pdf_envelope,
    is_pdf,
    render_preview,
)
from infra.uploads import DOCUMENT_POLICY, read_capped, screen_image, strip_metadata
from workflows.enrollment import EnrollmentWorkflow

router = APIRouter(prefix="/api/v1", tags=["candidate"])

#: a document code in a path (the upload routes' body budget matches it too: api/app.py)
DOCUMENT_CODE_CHARS = r"[A-Z][A-Z0-9_]{1,39}"
DOCUMENT_CODE = rf"^{DOCUMENT_CODE_CHARS}$"
#: the name of a stored attachment: `<code>-<12 hex>.<ext>` (see `_stem`)
FILE_ID = r"^[a-z0-9_]{2,40}-[0-9a-f]{12}(-[0-9a-f]{8})?\.(jpg|png|pdf)$"
IDEMPOTENCY_KEY = KEY_PATTERN

CodeParam = Annotated[str, Path(pattern=DOCUMENT_CODE)]
#: a window close no clock reaches (see `_refuse_unwanted`)
_WINDOW_OPEN = datetime.max.replace(tzinfo=UTC)


class AttachmentFile(BaseModel):
    id: str  # for DELETE /me/attachments/{code}/{id}
    code: str
    content_type: str
    size: int
    sha256: str
    has_preview: bool  # a PDF's pages rendered for the examiner


@dataclass(frozen=True)
class Prepared:
    data: bytes
    content_type: str
    ext: str
    preview: bytes | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def _screened(data: bytes, filename: str | None, content_type: str | None) -> Prepared:
    """A PDF's envelope is checked here; it is parsed and drawn in the renderer's child
    (`_with_preview`). An image is screened and stored without its metadata."""
    if is_pdf(data):
        check_pdf_envelope(data)
        return Prepared(data, PDF_CONTENT_TYPE, "pdf")
    screened = screen_image(data, DOCUMENT_POLICY, filename=filename, content_type=content_type)
    ext = "jpg" if screened.format == "JPEG" else screened.format.lower()
    return Prepared(strip_metadata(data, screened), screened.content_type, ext)


async def _with_preview(prepared: Prepared) -> Prepared:
    """A PDF's pages rendered for the examiner. With every render slot taken for a few seconds
    (pages built to be slow hold theirs up to `RENDER_TIMEOUT_S`) the candidate is asked to come
    back, as the admission control asks him when uploads are at their limit."""
    if prepared.content_type != PDF_CONTENT_TYPE:
        return prepared
    try:
        preview = await render_preview(prepared.data)
    except RendersBusy:
        raise ApiError(
            ApiRefusal.TOO_MANY_CONCURRENT,
            headers={"Retry-After": retry_after_s()},
            expected=MAX_RENDERS,
        ) from None
    return replace(prepared, preview=preview)


def _refuse_unwanted(case: EnrollmentState, code: str) -> None:
    """The workflow validator's own rule (`check_attachment_wanted`), asked before any render or
    store; the workflow still judges the upload. The window's close is the workflow's (moved by
    an extension) and needs no asking here: a case before submit still runs only while its window
    is open (the workflow expires it at the close), and past submit the rule does not look at the
    window. An expired case is left to the workflow: a closed window and a missed step deadline
    look alike from here, and are refused with different codes."""
    if case.state != AppState.EXPIRED:
        check_attachment_wanted(case, code, datetime.now(UTC), _WINDOW_OPEN)


def _landed(case: EnrollmentState, code: str, stem: str, prepared: Prepared) -> bool:
    """Whether the upload of this key is in the case already; with another file it is refused."""
    landed = [o for o in case.attachments.get(code, []) if _file_id(o).startswith(stem)]
    if landed and landed[0].sha256 != prepared.sha256:
        raise ApiError(ApiRefusal.IDEMPOTENCY_KEY_REUSED)
    return bool(landed)


def _stem(application_id: str, code: str, idempotency_key: str | None) -> str:
    """With a key, the same upload always gets the same name: a retry finds its first landing."""
    if idempotency_key is None:
        return f"{code.lower()}-{uuid.uuid4().hex[:12]}"
    digest = hashlib.sha256(f"{application_id}:{code}:{idempotency_key}".encode()).hexdigest()
    return f"{code.lower()}-{digest[:12]}"


def _file_id(obj: StoredObject) -> str:
    return obj.key.rsplit("/", 1)[-1]


async def _case(services: Services, application_id: str) -> CaseFile:
    handle = application_handle(services.client(), application_id)
    return await run_query(handle, EnrollmentWorkflow.case_file)


async def _delete(services: Services, obj: StoredObject) -> None:
    for stored in (obj, obj.preview):
        if stored is not None:
            await asyncio.to_thread(services.store.delete, stored.key)


async def _put(services: Services, key: str, prepared: Prepared) -> StoredObject:
    store = services.store
    obj = await asyncio.to_thread(store.put, key, prepared.data, prepared.content_type)
    if prepared.preview is not None:
        preview = await asyncio.to_thread(store.put, f"{key}.jpg", prepared.preview, "image/jpeg")
        obj = obj.model_copy(update={"preview": preview})
    return obj


@router.get("/me/attachments")
async def my_attachments(services: ServicesDep, me: CandidateDep) -> list[AttachmentFile]:
    case = await _case(services, me.sub)
    return [
        AttachmentFile(
            id=_file_id(obj),
            code=code,
            content_type=obj.content_type,
            size=obj.size,
            sha256=obj.sha256,
            has_preview=obj.preview is not None,
        )
        for code, objs in sorted(case.state.attachments.items())
        for obj in objs
    ]


@router.post("/me/attachments/{code}")
async def upload_attachment(
    code: CodeParam,
    services: ServicesDep,
    me: CandidateDep,
    file: Annotated[UploadFile, File(description="JPG/PNG 图片或 PDF 文件")],
    idempotency_key: Annotated[
        str | None, Header(alias="Idempotency-Key", pattern=IDEMPOTENCY_KEY)
    ] = None,
) -> ApplicationView:
    """One document of the checklist, tagged with its document code. Sent again with the same
    `Idempotency-Key` and the same file, it is answered as before without a second attachment;
    the same key with another file is refused (`IDEMPOTENCY_KEY_REUSED`). A PDF waits a few
    seconds at most for one of the renderer's slots, then is answered 429 `TOO_MANY_CONCURRENT`
    with `Retry-After`."""
    data = await read_capped(file, DOCUMENT_POLICY.max_bytes)
    prepared = await asyncio.to_thread(_screened, data, file.filename, file.content_type)
    case = (await _case(services, me.sub)).state
    stem = _stem(me.sub, code, idempotency_key)
    handle = application_handle(services.client(), me.sub)
    if idempotency_key is not None and _landed(case, code, stem, prepared):
        return await run_query(handle, EnrollmentWorkflow.view)
    _refuse_unwanted(case, code)
    prepared = await _with_preview(prepared)
    await check_storage_quota(services, me.sub, len(prepared.data) + len(prepared.preview or b""))
    # the content in the name: two files sent at once under one key never overwrite each other's
    # bytes, so a stored object always matches the hash the case records for it
    name = f"{stem}-{prepared.sha256[:8]}" if idempotency_key is not None else stem
    obj = await _put(services, f"{me.sub}/attachments/{name}.{prepared.ext}", prepared)
    try:
        view = await run_update(
            handle, EnrollmentWorkflow.upload_attachment, AttachmentUpload(code=code, file=obj)
        )
    except ApiError as exc:
        if exc.status < 500:  # refused: nothing of it stays (a timeout may still have landed)
            await _delete(services, obj)
        raise
    if idempotency_key is not None and not await _attached(services, me.sub, code, obj):
        # the key's update had answered before (a file sent at once beside it, or the key used
        # again after its file was deleted): the server gave the first answer, this file stays out
        await _delete(services, obj)
    return view


async def _attached(services: Services, application_id: str, code: str, obj: StoredObject) -> bool:
    case = await _case(services, application_id)
    return any(o.key == obj.key for o in case.state.attachments.get(code, []))


@router.delete("/me/attachments/{code}/{file_id}")
async def delete_attachment(
    code: CodeParam,
    file_id: Annotated[str, Path(pattern=FILE_ID)],
    services: ServicesDep,
    me: CandidateDep,
) -> ApplicationView:
    """Before submit, and after it while the case is editable and not under review; a submitted
    case that loses a proof it needs goes back to the candidate (to be submitted again)."""
    case = await _case(services, me.sub)
    found = [o for o in case.state.attachments.get(code, []) if _file_id(o) == file_id]
    if not found:
        raise ApiError(CaseRefusal.ATTACHMENT_NOT_FOUND)
    view = await run_update(
        application_handle(services.client(), me.sub),
        EnrollmentWorkflow.remove_attachment,
        AttachmentRemoval(code=code, key=found[0].key),
    )
    await _delete(services, found[0])
    return view
