"""The audit row of an administrative change (accounts, code tables), added to the session that
makes the change: both commit together, so no change goes unrecorded and no row records a change
that was rolled back. Same table as the staff's look-ups and exports (`StaffAudit`)."""

from __future__ import annotations

import getpass
import json

from sqlalchemy.engine import Engine
from sqlmodel import Session

from infra.db import StaffAudit, utcnow


def audit_change(session: Session, actor: str, action: str, **what: object) -> None:
    session.add(
        StaffAudit(
            actor=actor,
            action=action,
            filters=json.dumps(what, ensure_ascii=False, sort_keys=True),
            finished_at=utcnow(),
        )
    )


def audit_done(engine: Engine, actor: str, action: str, **what: object) -> None:
    """For a change made elsewhere (a period workflow's update): recorded once it succeeded."""
    with Session(engine) as session:
        audit_change(session, actor, action, **what)
        session.commit()


def terminal_actor() -> str:
    """The actor of a change made with `ruji …` at a terminal: the operating-system user."""
    try:
        return f"cli:{getpass.getuser()}"[:60]
    except (OSError, KeyError):  # no login name in some containers
        return "cli"
