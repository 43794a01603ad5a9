"""The two browser clients — candidate H5 under /h5, examiner console under /console — as static
files (no build step), plus the few reads they need that the core API does not offer: the code
tables (api/routes/catalogs.py) and the candidate's own unmasked OCR reading and photos."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Literal

from fastapi import APIRouter
from fastapi.responses import FileResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from api.applications import application_handle, run_query
from api.deps import CandidateDep, ServicesDep
from api.errors import ApiError, ApiRefusal
from api.routes import catalogs
from domain.enrollment import CaseFile
from domain.identity import IdCardFields
from domain.messages import CaseRefusal
from domain.vision import FieldFlag
from infra.storage import ObjectNotFound
from workflows.enrollment import EnrollmentWorkflow

WEB_ROOT = Path(__file__).resolve().parents[2] / "web"
CLIENTS = ("h5", "console", "common")
MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}
# Scripts and styles only from this origin; images also from blob: (previews of picked files,
# QR codes fetched with the token) and the camera stream for the liveness capture.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob: mediastream:; "
        "style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}

router = APIRouter()
support = APIRouter(prefix="/api/v1", tags=["candidate"])


@router.get("/", include_in_schema=False)
def root() -> RedirectResponse:
    return RedirectResponse("/h5/")


def _static(client: str, path: str) -> Response:
    base = WEB_ROOT / client
    try:
        target = (base / (path or "index.html")).resolve()
    except (ValueError, OSError):  # a NUL byte, a name too long: no such page
        raise ApiError("NOT_FOUND", "页面不存在", status=404) from None
    if not target.is_relative_to(base) or target.suffix not in MEDIA_TYPES or not target.is_file():
        raise ApiError(ApiRefusal.NOT_FOUND, "页面不存在", status=404)
    return FileResponse(target, media_type=MEDIA_TYPES[target.suffix], headers=SECURITY_HEADERS)


for _client in CLIENTS:

    def _bare(client: str = _client) -> RedirectResponse:
        return RedirectResponse(f"/{client}/")

    def _file(path: str, client: str = _client) -> Response:
        return _static(client, path)

    router.add_api_route(f"/{_client}", _bare, methods=["GET"], include_in_schema=False)
    router.add_api_route(
        f"/{_client}/{{path:path}}", _file, methods=["GET"], include_in_schema=False
    )


# --- reads of the candidate's own data ---------------------------------------------------------
class IdCardReading(BaseModel):
    """The candidate's own card as read, unmasked (ApplicationView masks it for everyone else)."""

    ocr: IdCardFields
    confirmed: IdCardFields | None = None
    confidence: dict[str, float] = Field(default_factory=dict)
    #: fields to look at twice: derived from the ID number, or read with low confidence
    flags: list[FieldFlag] = Field(default_factory=list)


async def _my_case(services: ServicesDep, me: CandidateDep) -> CaseFile:
    return await run_query(
        application_handle(services.client(), me.sub), EnrollmentWorkflow.case_file
    )


@support.get("/me/id-card")
async def my_id_card(services: ServicesDep, me: CandidateDep) -> IdCardReading:
    """R3 「上传完成请核对信息」: the values to check are the full ones the candidate sends back."""
    card = (await _my_case(services, me)).state.id_card
    if card.ocr is None:
        raise ApiError(CaseRefusal.ID_NOT_READ)
    return IdCardReading(
        ocr=card.ocr, confirmed=card.confirmed, confidence=card.confidence, flags=card.flags
    )


@support.get("/me/photo/{which}.jpg", response_class=Response)
async def my_photo(
    which: Literal["official", "fixed"], services: ServicesDep, me: CandidateDep
) -> Response:
    """The accepted 寸照, or the auto-fixed one the candidate is offered before accepting it."""
    photo = (await _my_case(services, me)).state.photo
    obj = photo.official if which == "official" else photo.pending_fix
    if obj is None:
        raise ApiError(CaseRefusal.PHOTO_NO_FIX, status=404)
    try:
        data = await asyncio.to_thread(services.store.get, obj.key)
    except (ObjectNotFound, ValueError):
        raise ApiError(CaseRefusal.PHOTO_NO_FIX, status=404) from None
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": "no-store"})


router.include_router(catalogs.router)
router.include_router(support)
