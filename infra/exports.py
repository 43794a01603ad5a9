"""What leaves the system for the exam office: approved candidates with their 准考证号 as CSV,
XLSX or a JSON feed, and their official photos as a ZIP named by ticket number.

Everything streams: rows are read in keyset pages of `PAGE` (never the whole result), each page's
personal data decrypted as it goes out; the XLSX is written by openpyxl's write-only mode to a
temporary file and sent from there in chunks; the ZIP is written one photo at a time into a
buffer that is emptied after each file. Ten thousand candidates stay within a few MB of the
API's memory (`ruji bench export`)."""

from __future__ import annotations

import csv
import io
import os
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from pydantic import BaseModel
from sqlalchemy import ColumnElement, Row, func
from sqlalchemy import select as select_columns
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from domain.catalogs import MAJORS_BY_CODE, REGIONS, Level
from domain.states import STATE_LABELS, AppState
from infra.db import Application, Document
from infra.pii import FieldCipher
from infra.storage import ObjectNotFound, ObjectStore

#: rows read and decrypted at a time: one small query each, a few hundred KB of Python objects
PAGE = 500
CHUNK = 64 * 1024
HEADER = (
    "准考证号",
    "姓名",
    "证件号码",
    "考期",
    "地区代码",
    "地区",
    "专业代码",
    "专业",
    "层次",
    "状态",
)


@dataclass(frozen=True)
class ExportFilter:
    period: str | None = None
    region: str | None = None
    major: str | None = None

    def audited(self) -> dict[str, str | None]:
        return {"period": self.period, "region": self.region, "major": self.major}

    def where(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        for column, value in (
            (Application.period_id, self.period),
            (Application.region, self.region),
            (Application.major, self.major),
        ):
            if value:
                found.append(col(column) == value)
        return found


class Candidate(BaseModel):
    """One approved candidate as exported (and as the platform's feed item, docs/api.md)."""

    ticket_number: str
    name: str
    id_number: str
    period_id: str
    region: str
    major: str
    level: str
    status: str

    def cells(self) -> tuple[str, ...]:
        major = MAJORS_BY_CODE.get(self.major)
        level = Level(self.level).label if self.level in Level._value2member_map_ else self.level
        return (
            self.ticket_number,
            self.name,
            self.id_number,
            self.period_id,
            self.region,
            REGIONS.get(self.region, ""),
            self.major,
            major.name if major else "",
            level,
            STATE_LABELS[AppState(self.status)],
        )


_COLUMNS = (
    col(Application.workflow_id),
    col(Application.ticket_number),
    col(Application.name_enc),
    col(Application.id_number_enc),
    col(Application.period_id),
    col(Application.region),
    col(Application.major),
    col(Application.level),
    col(Application.status),
)


def count_approved(engine: Engine, flt: ExportFilter, *, numbered_only: bool = False) -> int:
    states = _states(numbered_only)
    with Session(engine) as session:
        query = select(func.count()).select_from(Application)
        return session.exec(query.where(col(Application.status).in_(states), *flt.where())).one()


def approved_candidates(
    engine: Engine,
    cipher: FieldCipher,
    flt: ExportFilter,
    *,
    numbered_only: bool = False,
    after_ticket: str = "",
    limit: int | None = None,
) -> Iterator[Candidate]:
    """Numbered candidates in ticket order, then (unless `numbered_only`) the approved ones still
    waiting for the deadline, in application order. Keyset pages: no offset, no open cursor."""
    sent = 0
    passes = [(AppState.TICKET_ISSUED, col(Application.ticket_number), after_ticket)]
    if not numbered_only:
        passes.append((AppState.APPROVED, col(Application.workflow_id), ""))
    for state, key, start in passes:
        last = start
        while True:
            page = PAGE if limit is None else min(PAGE, limit - sent)
            if page <= 0:
                return
            with Session(engine) as session:
                rows = session.execute(
                    select_columns(*_COLUMNS)
                    .where(col(Application.status) == state.value, key > last, *flt.where())
                    .order_by(key)
                    .limit(page)
                ).all()
            for row in rows:
                yield _decrypted(cipher, row)
            sent += len(rows)
            if len(rows) < page:
                break
            end = rows[-1]
            last = end.ticket_number if state == AppState.TICKET_ISSUED else end.workflow_id


def _states(numbered_only: bool) -> tuple[str, ...]:
    numbered = (AppState.TICKET_ISSUED.value,)
    return numbered if numbered_only else (*numbered, AppState.APPROVED.value)


def _decrypted(cipher: FieldCipher, row: Row[Any]) -> Candidate:
    def clear(token: str, field: str) -> str:
        return cipher.decrypt(token, field=field) if token else ""

    return Candidate(
        ticket_number=row.ticket_number or "",
        name=clear(row.name_enc, "name"),
        id_number=clear(row.id_number_enc, "id_number"),
        period_id=row.period_id,
        region=row.region or "",
        major=row.major or "",
        level=row.level or "",
        status=row.status,
    )


#: a cell that begins with one of these starts a formula in Excel, WPS and LibreOffice
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_text(value: object) -> object:
    """A CSV cell a spreadsheet shows as text: names are typed by candidates, and a leading quote
    keeps `=HYPERLINK(...)` or `+1+1` from running on the office's computer (CSV injection)."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


def xlsx_text(sheet: WriteOnlyWorksheet, value: object) -> object:
    """An XLSX cell typed as a string: openpyxl stores a string beginning with `=` as a formula."""
    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(sheet, value)
    cell.data_type = "s"
    return cell


class Counter:
    """How many rows a streamed export has sent so far (for its audit row)."""

    def __init__(self) -> None:
        self.rows = 0


def csv_chunks(candidates: Iterator[Candidate], counter: Counter) -> Iterator[bytes]:
    """UTF-8 with a byte-order mark: Excel opens the Chinese columns correctly only with it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(HEADER)
    for candidate in candidates:
        writer.writerow([csv_text(cell) for cell in candidate.cells()])
        counter.rows += 1
        if counter.rows % PAGE == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    if tail := buffer.getvalue():
        yield tail.encode()


def xlsx_chunks(candidates: Iterator[Candidate], counter: Counter) -> Iterator[bytes]:
    """openpyxl's write-only sheet streams rows to its own temporary file; the finished
    workbook goes to another one, which is sent in chunks and removed."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("入籍名单")
    sheet.append(HEADER)
    for candidate in candidates:
        # strings: an ID number never becomes a float, a typed name never a formula
        sheet.append([xlsx_text(sheet, cell) for cell in candidate.cells()])
        counter.rows += 1
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    try:
        workbook.save(path)
        with open(path, "rb") as fh:
            while chunk := fh.read(CHUNK):
                yield chunk
    finally:
        os.unlink(path)


class _Drain(io.RawIOBase):
    """A write-only stream that hands out what was written since the last `take()`."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: object) -> int:
        chunk = bytes(data)  # type: ignore[call-overload]
        self._parts.append(chunk)
        return len(chunk)

    def take(self) -> bytes:
        data, self._parts = b"".join(self._parts), []
        return data


def photo_keys(engine: Engine, flt: ExportFilter) -> Iterator[tuple[str, str | None]]:
    """(ticket number, object key of the current official photo or None) of numbered candidates,
    in ticket order; a replaced photo's row stays in Document, so the newest row is current."""
    newest = (
        select(func.max(Document.id))
        .where(col(Document.kind) == "photo")
        .group_by(col(Document.workflow_id))
    )
    on = (col(Document.workflow_id) == col(Application.workflow_id)) & col(Document.id).in_(newest)
    last = ""
    while True:
        with Session(engine) as session:
            rows = session.execute(
                select_columns(col(Application.ticket_number), col(Document.object_key))
                .outerjoin(Document, on)
                .where(
                    col(Application.status) == AppState.TICKET_ISSUED.value,
                    col(Application.ticket_number) > last,
                    *flt.where(),
                )
                .order_by(col(Application.ticket_number))
                .limit(PAGE)
            ).all()
        for ticket, key in rows:
            yield ticket or "", key
        if len(rows) < PAGE:
            return
        last = rows[-1][0] or ""


def photo_zip_chunks(
    keys: Iterator[tuple[str, str | None]], store: ObjectStore, counter: Counter
) -> Iterator[bytes]:
    """`<准考证号>.jpg` per candidate, stored uncompressed (JPEG does not shrink); photos missing
    from the store are named in 缺少照片.txt rather than failing the whole package."""
    drain = _Drain()
    missing = []
    with zipfile.ZipFile(drain, mode="w", compression=zipfile.ZIP_STORED) as archive:
        for ticket, key in keys:
            data = _read_photo(store, key)
            if data is None:
                missing.append(ticket)
                continue
            archive.writestr(f"{ticket}.jpg", data)
            counter.rows += 1
            yield drain.take()
        if missing:
            archive.writestr("缺少照片.txt", "\n".join(missing) + "\n")
    yield drain.take()


def _read_photo(store: ObjectStore, key: str | None) -> bytes | None:
    if key is None:
        return None
    try:
        return store.get(key)
    except (ObjectNotFound, ValueError):
        return None
