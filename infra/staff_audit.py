"""Writing the staff audit (infra/db.py `StaffAudit`): one row per search, case view, export
and bulk approval, in its own short transaction so a failing request still leaves its row."""

from __future__ import annotations

import json
from collections.abc import Mapping

from sqlalchemy.engine import Engine
from sqlmodel import Session

from infra.db import StaffAudit, utcnow

AuditFilters = Mapping[str, str | bool | int | list[str] | None]


def record(
    engine: Engine,
    actor: str,
    action: str,
    filters: AuditFilters,
    rows: int = 0,
    *,
    finished: bool = True,
) -> int:
    """The row's id; `finished=False` for an export that is about to stream (see `finish`)."""
    kept = {k: v for k, v in filters.items() if v not in (None, "", [], False)}
    with Session(engine) as session:
        row = StaffAudit(
            actor=actor,
            action=action,
            filters=json.dumps(kept, ensure_ascii=False, sort_keys=True),
            rows=rows,
            finished_at=utcnow() if finished else None,
        )
        session.add(row)
        session.commit()
        assert row.id is not None
        return row.id


def finish(engine: Engine, audit_id: int, rows: int, *, complete: bool) -> None:
    """The rows an export sent; `finished_at` only when the last byte went out."""
    with Session(engine) as session:
        row = session.get(StaffAudit, audit_id)
        if row is None:
            return
        row.rows = rows
        row.finished_at = utcnow() if complete else None
        session.add(row)
        session.commit()
