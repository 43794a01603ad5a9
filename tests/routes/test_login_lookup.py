"""Which applications a phone's login lands on: those whose run proved the phone by its code,
ended by expiry or not; never one someone else registered with the phone and left unverified
(also where it stands at the seat of an earlier run that was verified by another phone)."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any, cast

from sqlmodel import Session

from api.routes.candidate import _verified_applications
from domain.ids import keyed_hash
from infra.db import Application, AuditEvent

KEY = "login-lookup-key"
PHONE, OTHER = "13712100101", "13712100102"
AT = datetime(2026, 11, 1, tzinfo=UTC)


def case(session: Session, workflow_id: str, status: str, phone: str, trail: list[str]) -> None:
    session.add(
        Application(
            workflow_id=workflow_id,
            period_id="2026-2",
            status=status,
            id_hash="x",
            phone_hash=keyed_hash(KEY, phone),
        )
    )
    for seq, action in enumerate(trail, start=1):
        session.add(
            AuditEvent(workflow_id=workflow_id, seq=seq, actor="system", action=action, at=AT)
        )


def test_an_expired_application_is_found_only_where_its_run_proved_the_phone(engine) -> None:
    with Session(engine) as session:
        case(session, "closed-out", "EXPIRED", PHONE, ["registered", "phone_verified", "submitted"])
        case(session, "never-verified", "EXPIRED", PHONE, ["registered", "expired:x"])
        # verified by an earlier run (another phone), registered again with this one, left
        case(
            session,
            "seat-again",
            "EXPIRED",
            PHONE,
            ["registered", "phone_verified", "withdrawn", "registered", "expired:x"],
        )
        case(session, "typed-only", "REGISTERED", PHONE, ["registered"])
        case(session, "withdrawn", "WITHDRAWN", PHONE, ["registered", "phone_verified"])
        case(session, "not-mine", "EXPIRED", OTHER, ["registered", "phone_verified"])
        session.commit()
        services = cast(Any, SimpleNamespace(settings=SimpleNamespace(identity_hmac_key=KEY)))
        found = _verified_applications(session, services, PHONE)
    assert {a.workflow_id for a in found} == {"closed-out", "withdrawn"}
