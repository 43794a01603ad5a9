"""The read model after a lost workflow task: the projection (a local activity) ran for an
attempt the history never kept, and the workflow then made the same commit again with other
object keys. The row and its documents must end as the kept attempt says."""

from __future__ import annotations

from sqlmodel import Session, select
from temporalio.testing import ActivityEnvironment

from activities.records import RecordActivities
from domain.objects import StoredObject
from domain.read_model import ApplicationSnapshot, DocumentEntry
from infra.db import Application, Document
from tests.activities.test_records import snap as snapshot
from tests.stand_ins import pii_sealer


def snap(version: int, status: str, portrait: str) -> ApplicationSnapshot:
    doc = DocumentEntry(
        kind="id_portrait", file=StoredObject(key=portrait, sha256="0" * 64, size=3)
    )
    return snapshot(version, status, [], [doc])


async def test_commit_made_again_after_a_lost_task_replaces_the_discarded_one(any_engine):
    records, env = RecordActivities(any_engine, pii_sealer()), ActivityEnvironment()
    await env.run(records.project_application, snap(4, "ID_PENDING", "w/id/portrait-lost.jpg"))
    await env.run(records.project_application, snap(4, "ID_PENDING", "w/id/portrait-kept.jpg"))
    await env.run(
        records.project_application, snap(3, "REGISTERED", "w/id/portrait-old.jpg")
    )  # late
    with Session(any_engine) as s:
        keys = s.exec(select(Document.object_key).where(Document.workflow_id == "enroll-x-1"))
        assert list(keys) == ["w/id/portrait-kept.jpg"]
        row = s.get(Application, "enroll-x-1")
        assert row is not None and (row.version, row.status) == (4, "ID_PENDING")
