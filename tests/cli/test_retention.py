"""`ruji retention run` on a migrated database and the local object store, as an operator runs it
by hand: the dry run counts, the run deletes and says what, and its actor is audited."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from infra.db import Application, StaffAudit
from infra.storage import LocalObjectStore
from ruji_cli import retention
from tests.cli.test_account import database  # noqa: F401 - the fixture: a migrated SQLite file


def test_the_cli_counts_then_purges_and_is_audited(database, tmp_path, capsys):  # noqa: F811
    store = LocalObjectStore(tmp_path / "objects")
    store.put("enroll-2026-2-old/photo/official.jpg", b"\xff\xd8 photo")
    with Session(database) as session:
        session.add(
            Application(
                workflow_id="enroll-2026-2-old",
                period_id="2026-2",
                status="WITHDRAWN",
                id_hash="i" * 64,
                phone_hash="p" * 64,
                id_number_enc="k1:sealed-id",
                name_enc="k1:sealed-name",
                updated_at=datetime.now(UTC) - timedelta(days=365),
            )
        )
        session.commit()

    assert retention.main(["run", "--dry-run"]) == 0
    assert json.loads(capsys.readouterr().out)["cases"] == 1
    assert store.usage("enroll-2026-2-old") > 0

    assert retention.main(["run"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["cases"], report["objects"]) == (1, 1)
    assert store.usage("enroll-2026-2-old") == 0
    with Session(database) as session:
        stub = session.get(Application, "enroll-2026-2-old")
        assert (stub.id_number_enc, stub.name_enc, stub.id_hash) == ("", "", "")
        [run] = session.exec(select(StaffAudit).where(StaffAudit.action == "retention_run")).all()
        assert run.actor.startswith("cli")
