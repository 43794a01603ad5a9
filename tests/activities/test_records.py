"""The read-model projection on SQLite and Postgres: retries and reordering never go backwards."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session, select
from temporalio.testing import ActivityEnvironment

from activities.records import RecordActivities
from domain.objects import StoredObject
from domain.read_model import ApplicationSnapshot, AuditEntry, DocumentEntry
from infra.db import Application, AuditEvent, Document
from infra.keyring import new_key_entry, parse_key_ring
from infra.pii import FieldCipher, PiiSealer
from tests.stand_ins import pii_sealer


def snap(
    version: int, status: str, audit: list[AuditEntry], docs=(), **pii: str
) -> ApplicationSnapshot:
    return ApplicationSnapshot(
        workflow_id="enroll-x-1",
        period_id="2026-2",
        version=version,
        status=status,
        identity_hash="h" * 64,
        phone_hash="p" * 64,
        id_masked="430**********0012",
        phone_masked="139****5678",
        audit=audit,
        documents=list(docs),
        **pii,
    )


async def test_projection_is_idempotent_and_ordered(any_engine):
    records, env = RecordActivities(any_engine, pii_sealer()), ActivityEnvironment()
    at = datetime.now(UTC)
    first = AuditEntry(seq=1, at=at, actor="system", action="registered")
    second = AuditEntry(seq=2, at=at, actor="candidate", action="phone_verified")
    photo = DocumentEntry(kind="photo", file=StoredObject(key="a/p.jpg", sha256="0" * 64, size=3))
    await env.run(records.project_application, snap(1, "REGISTERED", [first]))
    await env.run(records.project_application, snap(2, "ID_PENDING", [second], [photo]))
    await env.run(records.project_application, snap(2, "ID_PENDING", [second], [photo]))  # retry
    await env.run(records.project_application, snap(1, "REGISTERED", [first]))  # late, older
    with Session(any_engine) as s:
        assert s.get(Application, "enroll-x-1").status == "ID_PENDING"
        assert [e.seq for e in s.exec(select(AuditEvent).order_by(AuditEvent.seq))] == [1, 2]
        assert len(s.exec(select(Document)).all()) == 1


def sealed_row(engine) -> Application:
    with Session(engine) as s:
        return s.get(Application, "enroll-x-1")


async def test_pii_ciphertext_is_stable_until_the_value_or_the_key_changes(any_engine):
    k1, k2 = new_key_entry("k1"), new_key_entry("k2")
    cipher = FieldCipher(parse_key_ring(k1))
    records, env = RecordActivities(any_engine, PiiSealer(cipher, "lookup")), ActivityEnvironment()
    person = {"id_number": "43010219900101123X", "name": "欧阳娜娜"}

    await env.run(records.project_application, snap(1, "REGISTERED", []))
    assert (sealed_row(any_engine).id_number_enc, sealed_row(any_engine).name_enc) == ("", "")
    await env.run(records.project_application, snap(2, "ID_PENDING", [], **person))
    first = sealed_row(any_engine)
    assert cipher.decrypt(first.id_number_enc, field="id_number") == person["id_number"]
    assert cipher.decrypt(first.name_enc, field="name") == person["name"]
    assert person["id_number"] not in first.id_number_enc and first.id_number_hash

    await env.run(records.project_application, snap(3, "PHOTO_PENDING", [], **person))
    await env.run(records.project_application, snap(4, "PHOTO_PENDING", []))  # no PII in this one
    again = sealed_row(any_engine)
    assert (again.id_number_enc, again.name_enc) == (first.id_number_enc, first.name_enc)
    assert again.version == 4

    rotated = FieldCipher(parse_key_ring(f"{k2},{k1}"))
    records = RecordActivities(any_engine, PiiSealer(rotated, "lookup"))
    await env.run(records.project_application, snap(5, "SUBMITTED", [], **person))
    moved = sealed_row(any_engine)
    assert moved.id_number_enc.startswith("pii1:k2:") and moved.name_enc.startswith("pii1:k2:")
    assert rotated.decrypt(moved.id_number_enc, field="id_number") == person["id_number"]
    assert moved.id_number_hash == first.id_number_hash  # lookups survive a rotation

    await env.run(
        records.project_application, snap(6, "SUBMITTED", [], **(person | {"name": "欧阳娜"}))
    )
    renamed = sealed_row(any_engine)
    assert rotated.decrypt(renamed.name_enc, field="name") == "欧阳娜"
    assert renamed.name_hash != moved.name_hash
    assert renamed.id_number_enc == moved.id_number_enc

    await env.run(records.project_application, snap(5, "SUBMITTED", [], **person))  # late and older
    assert rotated.decrypt(sealed_row(any_engine).name_enc, field="name") == "欧阳娜"


async def test_documents_follow_the_newest_snapshot(any_engine):
    records, env = RecordActivities(any_engine, pii_sealer()), ActivityEnvironment()

    def doc(kind: str, key: str) -> DocumentEntry:
        return DocumentEntry(kind=kind, file=StoredObject(key=key, sha256="0" * 64, size=3))

    def kept() -> set[tuple[str, str]]:
        with Session(any_engine) as s:
            return {(d.kind, d.object_key) for d in s.exec(select(Document))}

    first_try = [doc("id_front", "a/f1.jpg"), doc("portrait", "a/p1.jpg")]
    await env.run(records.project_application, snap(1, "ID_PENDING", [], first_try))
    assert kept() == {("id_front", "a/f1.jpg"), ("portrait", "a/p1.jpg")}
    retaken = [doc("id_front", "a/f2.jpg"), doc("portrait", "a/p2.jpg"), doc("photo", "a/x.jpg")]
    await env.run(records.project_application, snap(2, "PHOTO_PENDING", [], retaken))
    await env.run(records.project_application, snap(1, "ID_PENDING", [], first_try))  # late, older
    assert kept() == {("id_front", "a/f2.jpg"), ("portrait", "a/p2.jpg"), ("photo", "a/x.jpg")}
    await env.run(records.project_application, snap(3, "REGISTERED", [], []))
    assert kept() == set()


def case(workflow_id: str, version: int, status: str, keys: list[str], seq: int | None = None):
    at = datetime.now(UTC)
    audit = [AuditEntry(seq=seq, at=at, actor="candidate", action=status)] if seq else []
    docs = [
        DocumentEntry(kind="photo", file=StoredObject(key=k, sha256="0" * 64, size=3)) for k in keys
    ]
    return snap(version, status, audit, docs).model_copy(update={"workflow_id": workflow_id})


def read_model(engine) -> tuple[dict[str, str], set[tuple[str, str]], set[tuple[str, int]]]:
    with Session(engine) as s:
        return (
            {a.workflow_id: a.status for a in s.exec(select(Application))},
            {(d.workflow_id, d.object_key) for d in s.exec(select(Document))},
            {(e.workflow_id, e.seq) for e in s.exec(select(AuditEvent))},
        )


async def test_a_batch_of_cases_lands_as_one_by_one_writes_would(any_engine):
    """The projections that share a transaction are written in a few statements for all of them:
    each case's version guard, documents and audit rows still hold case by case."""
    records, env = RecordActivities(any_engine, pii_sealer()), ActivityEnvironment()
    await env.run(records.project_application, case("a", 1, "ID_PENDING", ["a/f1"], seq=1))
    await env.run(records.project_application, case("b", 2, "PHOTO_PENDING", ["b/p"], seq=1))

    batch = [
        case("a", 2, "PHOTO_PENDING", ["a/f2", "a/p2"], seq=2),  # newer: its documents replace
        case("b", 1, "ID_PENDING", ["b/old"], seq=2),  # late and older: the row stays
        case("c", 1, "REGISTERED", ["c/q"], seq=1),  # new case
    ]
    assert records._writes._commit(batch) == [None] * 3

    statuses, documents, audit = read_model(any_engine)
    assert statuses == {"a": "PHOTO_PENDING", "b": "PHOTO_PENDING", "c": "REGISTERED"}
    assert documents == {("a", "a/f2"), ("a", "a/p2"), ("b", "b/p"), ("c", "c/q")}
    assert audit == {("a", 1), ("a", 2), ("b", 1), ("b", 2), ("c", 1)}


async def test_two_snapshots_of_one_case_in_a_batch_land_in_their_order(any_engine):
    """A projection retried while its first try still waits can meet it in one transaction:
    they are written in turn, so the documents are the newer one's only."""
    records = RecordActivities(any_engine, pii_sealer())
    batch = [
        case("a", 1, "ID_PENDING", ["a/f1"], seq=1),
        case("a", 2, "PHOTO_PENDING", ["a/p"], seq=2),
    ]
    assert records._writes._commit(batch) == [None, None]
    statuses, documents, audit = read_model(any_engine)
    assert statuses == {"a": "PHOTO_PENDING"}
    assert documents == {("a", "a/p")}
    assert audit == {("a", 1), ("a", 2)}
