"""Exports read the read model in keyset pages on both databases, decrypt as they go and stream:
a page at a time for CSV, a photo at a time for the ZIP, the XLSX from a temporary file that is
gone afterwards. Pages are made tiny here so that every path crosses page boundaries."""

from __future__ import annotations

import csv
import io
import tempfile
import zipfile
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook
from sqlmodel import Session

from infra import exports
from infra.db import Application, Document
from infra.exports import (
    Counter,
    ExportFilter,
    approved_candidates,
    count_approved,
    csv_chunks,
    photo_keys,
    photo_zip_chunks,
    xlsx_chunks,
)
from infra.keyring import new_key_entry, parse_key_ring
from infra.pii import FieldCipher, PiiSealer
from infra.storage import LocalObjectStore

CIPHER = FieldCipher(parse_key_ring(new_key_entry("t1")))
#: (workflow id, status, region, ticket): numbered out of ticket order on purpose
ROWS = [
    ("enroll-p-05", "TICKET_ISSUED", "01", "260120000003"),
    ("enroll-p-01", "TICKET_ISSUED", "06", "260620000001"),
    ("enroll-p-03", "TICKET_ISSUED", "01", "260120000001"),
    ("enroll-p-02", "TICKET_ISSUED", "01", "260120000002"),
    ("enroll-p-04", "TICKET_ISSUED", "02", "260220000001"),
    ("enroll-p-08", "APPROVED", "01", None),
    ("enroll-p-06", "APPROVED", "01", None),
    ("enroll-p-07", "APPROVED", "06", None),
    ("enroll-p-09", "SUBMITTED", "01", None),
    ("enroll-p-10", "REJECTED", "01", None),
]


@pytest.fixture(autouse=True)
def tiny_pages(monkeypatch):
    monkeypatch.setattr(exports, "PAGE", 2)


@pytest.fixture
def seeded(any_engine, tmp_path):
    sealer = PiiSealer(CIPHER, "k")
    store = LocalObjectStore(tmp_path / "objects")
    with Session(any_engine) as s:
        for i, (wid, status, region, ticket) in enumerate(ROWS):
            sealed = sealer.seal(id_number=f"43010419990312{i:04d}", name=f"考生{i}")
            s.add(
                Application(
                    workflow_id=wid,
                    period_id="2026-2",
                    status=status,
                    id_hash=wid,
                    phone_hash=wid,
                    id_number_enc=sealed.id_number_enc,
                    name_enc=sealed.name_enc,
                    region=region,
                    major="530302",
                    level="zhuanke",
                    submitted_at=datetime.now(UTC),
                    ticket_number=ticket,
                )
            )
        s.commit()
        # 05 replaced its photo: the newer document is the official one; 01 has none at all
        for wid, photo in (("enroll-p-05", b"old"), ("enroll-p-05", b"new"), ("enroll-p-03", b"3"),
                           ("enroll-p-02", b"2"), ("enroll-p-04", b"4")):  # fmt: skip
            stored = store.put(f"{wid}/photo/{photo.decode()}.jpg", photo, "image/jpeg")
            s.add(
                Document(workflow_id=wid, kind="photo", object_key=stored.key, sha256="0", size=1)
            )
            s.commit()
    return any_engine, store


def tickets_and_names(candidates) -> list[tuple[str, str]]:
    return [(c.ticket_number, c.name) for c in candidates]


def test_numbered_in_ticket_order_then_approved_in_application_order_across_pages(seeded):
    engine, _ = seeded
    found = tickets_and_names(approved_candidates(engine, CIPHER, ExportFilter()))
    assert found == [
        ("260120000001", "考生2"),
        ("260120000002", "考生3"),
        ("260120000003", "考生0"),
        ("260220000001", "考生4"),
        ("260620000001", "考生1"),
        ("", "考生6"),
        ("", "考生7"),
        ("", "考生5"),
    ]
    assert count_approved(engine, ExportFilter()) == 8
    assert count_approved(engine, ExportFilter(region="01"), numbered_only=True) == 3


def test_a_filtered_feed_page_starts_after_a_ticket_and_stops_at_its_limit(seeded):
    engine, _ = seeded
    page = approved_candidates(
        engine, CIPHER, ExportFilter(region="01"), numbered_only=True, after_ticket="260120000001",
        limit=1,
    )  # fmt: skip
    assert tickets_and_names(page) == [("260120000002", "考生3")]
    rest = approved_candidates(
        engine, CIPHER, ExportFilter(period="2026-2", region="01"), numbered_only=True,
        after_ticket="260120000002",
    )  # fmt: skip
    assert tickets_and_names(rest) == [("260120000003", "考生0")]
    assert list(approved_candidates(engine, CIPHER, ExportFilter(period="2025-1"))) == []


def test_csv_goes_out_a_page_at_a_time(seeded):
    engine, _ = seeded
    counter = Counter()
    chunks = list(csv_chunks(approved_candidates(engine, CIPHER, ExportFilter()), counter))
    assert len(chunks) == 4 and counter.rows == 8  # header with the first page, then per page
    rows = list(csv.reader(io.StringIO(b"".join(chunks).decode("utf-8-sig"))))
    assert len(rows) == 9 and rows[1][:3] == ["260120000001", "考生2", "430104199903120002"]


def test_the_xlsx_leaves_no_temporary_file(seeded, tmp_path, monkeypatch):
    engine, _ = seeded
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    counter = Counter()
    data = b"".join(xlsx_chunks(approved_candidates(engine, CIPHER, ExportFilter()), counter))
    rows = list(load_workbook(io.BytesIO(data), read_only=True).active.iter_rows(values_only=True))
    assert counter.rows == 8 and rows[1][2] == "430104199903120002"  # text, not a number
    assert list(scratch.iterdir()) == []


def test_the_photo_zip_streams_a_photo_at_a_time_the_newest_of_each(seeded):
    engine, store = seeded
    counter = Counter()
    chunks = list(photo_zip_chunks(photo_keys(engine, ExportFilter()), store, counter))
    assert len(chunks) == counter.rows + 1 == 5  # one per photo, then the directory
    archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
    assert archive.namelist() == [
        "260120000001.jpg",
        "260120000002.jpg",
        "260120000003.jpg",
        "260220000001.jpg",
        "缺少照片.txt",
    ]
    assert archive.read("260120000003.jpg") == b"new"
    assert archive.read("缺少照片.txt") == b"260620000001\n"


#: what a candidate may type as a name (a passport's is typed): each would start a formula
FORMULAS = ['=HYPERLINK("http://x","点我")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


def _typed(name: str) -> exports.Candidate:
    return exports.Candidate(
        ticket_number="260120000001",
        name=name,
        id_number="430104199903120000",
        period_id="2026-2",
        region="01",
        major="530302",
        level="zhuanke",
        status="TICKET_ISSUED",
    )


@pytest.mark.parametrize("name", FORMULAS)
def test_a_typed_value_never_becomes_a_formula_in_the_csv(name):
    text = b"".join(csv_chunks(iter([_typed(name)]), Counter())).decode().lstrip("\ufeff")
    cell = list(csv.reader(io.StringIO(text)))[1][1]
    assert cell == "'" + name  # a leading quote: Excel and LibreOffice show it as text
    assert cell[0] not in "=+-@\t\r"


@pytest.mark.parametrize("name", FORMULAS)
def test_a_typed_value_never_becomes_a_formula_in_the_xlsx(name):
    data = b"".join(xlsx_chunks(iter([_typed(name)]), Counter()))
    sheet = load_workbook(io.BytesIO(data)).active
    cell = sheet.cell(row=2, column=2)
    assert cell.data_type == "s"
    assert cell.value.strip() == name.strip()  # kept as typed (XML reads a CR as a newline)
