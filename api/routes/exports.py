"""Exports for admins and operators: approved candidates with their 准考证号 (CSV, XLSX), their
official photos as a ZIP named `<准考证号>.jpg`, and the JSON feed of the course-registration
platform (docs/api.md). Each answer streams (infra/exports.py), is never cached
(`Cache-Control: no-store`) and leaves a `StaffAudit` row: who, when, which filter, how many
rows; the row of a file export is finished when its last byte is sent."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from sqlalchemy.engine import Engine

from api.deps import OperatorDep, ServicesDep
from domain.office import TICKET_RE
from infra.exports import (
    Candidate,
    Counter,
    ExportFilter,
    approved_candidates,
    count_approved,
    csv_chunks,
    photo_keys,
    photo_zip_chunks,
    xlsx_chunks,
)
from infra.pii import pii_sealer_for
from infra.staff_audit import finish, record

router = APIRouter(prefix="/api/v1/office", tags=["exports"])

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export_filter(
    period: Annotated[str | None, Query(max_length=40, pattern=r"^[0-9a-z-]+$")] = None,
    region: Annotated[str | None, Query(max_length=4, pattern=r"^[0-9]{2}$")] = None,
    major: Annotated[str | None, Query(max_length=12, pattern=r"^[0-9A-Z]+$")] = None,
) -> ExportFilter:
    return ExportFilter(period, region, major)


FilterDep = Annotated[ExportFilter, Depends(export_filter)]


class FeedPage(BaseModel):
    items: list[Candidate]
    #: pass as `after` for the next page; null on the last page
    next_after: str | None


def _audited_stream(
    engine: Engine, audit_id: int, chunks: Iterator[bytes], counter: Counter
) -> Iterator[bytes]:
    """The audit row is finished with the rows sent, complete only if the client took it all."""
    complete = False
    try:
        yield from chunks
        complete = True
    finally:
        finish(engine, audit_id, counter.rows, complete=complete)


async def _export(
    services: ServicesDep,
    actor: str,
    kind: str,
    flt: ExportFilter,
    chunks: Callable[[Counter], Iterator[bytes]],
    media_type: str,
) -> StreamingResponse:
    engine = services.engine
    planned = await asyncio.to_thread(count_approved, engine, flt, numbered_only=kind == "photos")
    filters = {**flt.audited(), "planned": planned}
    audit_id = await asyncio.to_thread(
        record, engine, actor, f"export:{kind}", filters, finished=False
    )
    counter = Counter()
    what, ext = ("photos", "zip") if kind == "photos" else ("approved", kind)
    name = "-".join(x for x in (what, flt.period, flt.region, flt.major) if x)
    headers = NO_STORE | {"Content-Disposition": f'attachment; filename="{name}.{ext}"'}
    body = _audited_stream(engine, audit_id, chunks(counter), counter)
    return StreamingResponse(body, media_type=media_type, headers=headers)


def _candidates(services: ServicesDep, flt: ExportFilter) -> Iterator[Candidate]:
    cipher = pii_sealer_for(services.settings).cipher
    return approved_candidates(services.engine, cipher, flt)


@router.get("/exports/approved.csv", response_class=StreamingResponse)
async def approved_csv(services: ServicesDep, me: OperatorDep, flt: FilterDep) -> StreamingResponse:
    """Numbered candidates in ticket order, then those approved but not yet numbered."""
    rows = _candidates(services, flt)
    return await _export(
        services, me.sub, "csv", flt, lambda n: csv_chunks(rows, n), "text/csv; charset=utf-8"
    )


@router.get("/exports/approved.xlsx", response_class=StreamingResponse)
async def approved_xlsx(
    services: ServicesDep, me: OperatorDep, flt: FilterDep
) -> StreamingResponse:
    rows = _candidates(services, flt)
    return await _export(services, me.sub, "xlsx", flt, lambda n: xlsx_chunks(rows, n), XLSX)


@router.get("/exports/photos.zip", response_class=StreamingResponse)
async def photos_zip(services: ServicesDep, me: OperatorDep, flt: FilterDep) -> StreamingResponse:
    """Official photos of numbered candidates, for printing 准考证 and 毕业证."""
    keys = photo_keys(services.engine, flt)
    return await _export(
        services,
        me.sub,
        "photos",
        flt,
        lambda n: photo_zip_chunks(keys, services.store, n),
        "application/zip",
    )


@router.get("/feed/candidates")
def candidate_feed(
    services: ServicesDep,
    me: OperatorDep,
    response: Response,
    flt: FilterDep,
    after: Annotated[str, Query(pattern=r"^([0-9]{12})?$")] = "",
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> FeedPage:
    """Numbered candidates for 湖南自考服务平台, in ticket order, one page per call."""
    cipher = pii_sealer_for(services.settings).cipher
    found = list(
        approved_candidates(
            services.engine, cipher, flt, numbered_only=True, after_ticket=after, limit=limit
        )
    )
    audit = {**flt.audited(), "after": after}
    record(services.engine, me.sub, "export:feed", audit, len(found))
    response.headers.update(NO_STORE)
    last = found[-1].ticket_number if len(found) == limit else None
    return FeedPage(items=found, next_after=last if last and TICKET_RE.match(last) else None)
