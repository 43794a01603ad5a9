"""The retention run over ended cases (issue 17 acceptance): no image object and no plaintext or
ciphertext personal data is left for them — looked for in every table of the read model and in
the object store — only the audit stub; cases that are recent, still running or numbered keep
everything."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import DateTime
from sqlmodel import Session, SQLModel, select
from temporalio.testing import ActivityEnvironment

from activities.records import RecordActivities
from domain.read_model import ApplicationSnapshot, AuditEntry, DocumentEntry
from infra.db import Application, AuditEvent, Document, RefreshSession, SmsMessage
from infra.keyring import new_key_entry, parse_key_ring
from infra.pii import FieldCipher, PiiSealer
from infra.refresh_sessions import open_sign_in
from infra.retention import purge_case, run_retention
from infra.storage import LocalObjectStore
from infra.tokens import read_token

NOW = datetime(2027, 6, 1, 12, 0, tzinfo=UTC)
OLD, RECENT = NOW - timedelta(days=200), NOW - timedelta(days=10)
#: workflow id -> (state, when it ended, person)
CASES = {
    "enroll-2026-2-expired": ("EXPIRED", OLD, ("43010219900101123X", "欧阳娜娜", "13912345671")),
    "enroll-2026-2-withdrawn": ("WITHDRAWN", OLD, ("430102199202021234", "李晓明", "13912345672")),
    "enroll-2026-2-rejected": ("REJECTED", OLD, ("430102199303031237", "艾力·买买", "13912345673")),
    # a claim that lost to a holder who had proved possession: the owner's card and face are here
    "enroll-2026-2-superseded": ("SUPERSEDED", OLD, ("430102199606061236", "赵六", "13912345676")),
    "enroll-2026-2-recent": ("EXPIRED", RECENT, ("430102199404041230", "张三丰", "13912345674")),
    "enroll-2026-2-numbered": ("TICKET_ISSUED", OLD, ("430102199505051233", "王五", "13912345675")),
}
PURGED = (
    "enroll-2026-2-expired",
    "enroll-2026-2-withdrawn",
    "enroll-2026-2-rejected",
    "enroll-2026-2-superseded",
)
KEPT = ("enroll-2026-2-recent", "enroll-2026-2-numbered")


def _project(engine, sealer: PiiSealer, store: LocalObjectStore) -> None:
    records, env = RecordActivities(engine, sealer), ActivityEnvironment()
    for wid, (state, _, (id_number, name, phone)) in CASES.items():
        photo = store.put(f"{wid}/photo/official-0001.jpg", b"\xff\xd8 photo of " + name.encode())
        front = store.put(f"{wid}/id/front-0002.jpg", b"\xff\xd8 card " + id_number.encode())
        store.put(f"{wid}/face/frame-0003.jpg", b"\xff\xd8 a discarded burst frame")
        snap = ApplicationSnapshot(
            workflow_id=wid,
            period_id="2026-2",
            version=3,
            status=state,
            identity_hash=f"id-hash-{wid}",
            phone_hash=f"phone-hash-{wid}",
            id_masked=id_number[:3] + "*" * 11 + id_number[-4:],
            phone_masked=phone[:3] + "****" + phone[-4:],
            name_masked=name[0] + "*",
            id_number=id_number,
            name=name,
            region="01",
            major="530302",
            level="zhuanke",
            audit=[AuditEntry(seq=1, at=OLD, actor="system", action="registered")],
            documents=[
                DocumentEntry(kind="photo", file=photo),
                DocumentEntry(kind="id_front", file=front),
            ],
        )
        asyncio.run(env.run(records.project_application, snap))
    with Session(engine) as session:
        for wid, (_, ended, (_, name, phone)) in CASES.items():
            row = session.get(Application, wid)
            row.updated_at = ended
            session.add(row)
            session.add(
                SmsMessage(
                    dedupe_key=f"{wid}:decision:rejected:3",
                    phone_hash=f"phone-hash-{wid}",
                    phone=phone,
                    text=f"【湖南自考】{name}，您的申请未通过审核",
                )
            )
        session.commit()


def _is_time(kind) -> bool:
    return isinstance(getattr(kind, "impl", kind), DateTime)  # UTCDateTime decorates DateTime


def _database_text(engine) -> str:
    """Every value of every table, as text: what a search of the database would find. Times
    left out: they hold no personal data, and a phone's last four digits can turn up among the
    digits of a timestamp's microseconds (it did: a flaky failure)."""
    with engine.connect() as conn:
        return "\n".join(
            str(tuple(row))
            for table in SQLModel.metadata.sorted_tables
            for row in conn.execute(select(*(c for c in table.columns if not _is_time(c.type))))
        )


@pytest.fixture
def sealer() -> PiiSealer:
    return PiiSealer(FieldCipher(parse_key_ring(new_key_entry("k1"))), "lookup-key")


def test_a_retention_run_leaves_no_image_and_no_personal_data_of_ended_cases(
    any_engine, tmp_path, sealer
):
    store = LocalObjectStore(tmp_path / "objects")
    _project(any_engine, sealer, store)
    with Session(any_engine) as session:
        ciphertexts = {
            wid: (row.id_number_enc, row.name_enc)
            for wid in CASES
            if (row := session.get(Application, wid))
        }
    assert all(all(pair) for pair in ciphertexts.values())  # the test starts from sealed PII

    report = run_retention(
        any_engine, store, retention_days=180, now=NOW, actor="test", dry_run=False
    )

    assert (report.cases, report.objects, report.sms_messages) == (4, 12, 4)  # 3 objects each
    everything = _database_text(any_engine)
    for wid in PURGED:
        id_number, name, phone = CASES[wid][2]
        assert store.usage(wid) == 0 and not (tmp_path / "objects" / wid).exists()
        for value in (id_number, name, phone, *ciphertexts[wid], f"id-hash-{wid}"):
            assert value not in everything, (wid, value)
        assert phone[-4:] not in everything  # not even the masked phone
    for wid in KEPT:
        id_number, name, phone = CASES[wid][2]
        assert store.usage(wid) > 0
        assert all(c in everything for c in ciphertexts[wid]) and phone in everything
    with Session(any_engine) as session:
        stub = session.get(Application, "enroll-2026-2-rejected")
        assert (stub.status, stub.region, stub.major, stub.purged_at is not None) == (
            "REJECTED",
            "01",
            "530302",
            True,
        )
        trail = session.exec(
            select(AuditEvent.action)
            .where(AuditEvent.workflow_id == "enroll-2026-2-rejected")
            .order_by(AuditEvent.seq)
        ).all()
        assert trail == ["registered", "purged:rejected"]
        assert set(session.exec(select(Document.workflow_id)).all()) == set(KEPT)

    again = run_retention(any_engine, store, retention_days=180, now=NOW, actor="test")
    assert (again.cases, again.objects) == (0, 0)


def test_a_dry_run_counts_and_changes_nothing(any_engine, tmp_path, sealer):
    store = LocalObjectStore(tmp_path / "objects")
    _project(any_engine, sealer, store)
    before = _database_text(any_engine)
    report = run_retention(any_engine, store, retention_days=180, now=NOW, actor="t", dry_run=True)
    assert report.cases == len(PURGED)
    assert _database_text(any_engine) == before
    assert all(store.usage(wid) > 0 for wid in CASES)


def test_a_case_that_came_back_to_life_is_left_alone(any_engine, tmp_path, sealer):
    """A new registration of the same identity reuses the workflow ID and its folder: if its
    first projection lands between the listing and the purge, nothing of it is deleted."""
    store = LocalObjectStore(tmp_path / "objects")
    _project(any_engine, sealer, store)
    wid = "enroll-2026-2-withdrawn"
    with Session(any_engine) as session:
        row = session.get(Application, wid)
        row.status, row.updated_at = "REGISTERED", NOW
        session.add(row)
        session.commit()
    assert purge_case(any_engine, store, wid, NOW - timedelta(days=180), NOW) is None
    assert store.usage(wid) > 0
    with Session(any_engine) as session:
        assert session.get(Application, wid).id_number_enc


def test_a_retention_run_removes_sign_ins_expired_before_the_cutoff(any_engine, tmp_path):
    with Session(any_engine) as session:
        long_ago = open_sign_in(session, "k", "enroll-2026-2-old", NOW - timedelta(days=400))
        recent = open_sign_in(session, "k", "enroll-2026-2-new", NOW - timedelta(days=2))
        session.commit()
    store = LocalObjectStore(tmp_path / "objects")
    report = run_retention(any_engine, store, retention_days=180, now=NOW, actor="test")
    assert report.sign_ins == 1
    with Session(any_engine) as session:
        left = set(session.exec(select(RefreshSession.id)).all())
    assert left == {read_token("k", recent).sid} and read_token("k", long_ago).sid not in left
