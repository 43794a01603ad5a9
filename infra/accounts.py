"""Staff accounts in the read model: the one implementation behind `ruji account` and the
console's account administration. Every change is written with its StaffAudit row in the same
transaction (actor, action, the account's name — staff names are not candidates' data), so an
account change without a trace cannot happen. Disabling keeps the row: audit entries that name
the account stay meaningful. Every change of an existing account (password, disabling or
enabling, role or regions) also ends the account's sign-ins: api/deps.py reads the account at
each staff request and refuses a token issued before `signed_out_at`, as after a logout, so a
token taken before a reset, a disabling or a demotion never works again."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from domain.accounts import (
    AccountError,
    AccountRefusal,
    check_password,
    parse_regions,
    parse_role,
)
from infra.admin_audit import audit_change
from infra.db import Account
from infra.passwords import hash_password


def _find(session: Session, username: str) -> Account:
    account = session.exec(select(Account).where(Account.username == username)).first()
    if account is None:
        raise AccountError(AccountRefusal.ACCOUNT_NOT_FOUND, f"no such account: {username}")
    return account


def create(
    engine: Engine, username: str, role: str, regions: str, password: str, *, actor: str
) -> Account:
    role = parse_role(role)
    regions = parse_regions(role, regions)
    with Session(engine) as session:
        if session.exec(select(Account).where(Account.username == username)).first():
            raise AccountError(AccountRefusal.ACCOUNT_EXISTS, f"account exists: {username}")
        account = Account(
            id=f"acct-{uuid.uuid4().hex[:12]}",
            username=username,
            password_hash=hash_password(check_password(password)),
            role=role,
            regions=regions,
        )
        session.add(account)
        audit_change(
            session, actor, "account_created", account=username, role=role, regions=regions
        )
        session.commit()
        session.refresh(account)
        return account


def _change(
    engine: Engine, username: str, action: str, *, actor: str, shown: dict[str, Any], **values: Any
) -> Account:
    """One audited change, which also ends the account's sign-ins; re-enabling included, so a
    token held through a disabling does not come back with the account."""
    with Session(engine) as session:
        account = _find(session, username)
        for name, value in values.items():
            setattr(account, name, value)
        account.signed_out_at = datetime.now(UTC)
        session.add(account)
        audit_change(session, actor, action, account=username, **shown)
        session.commit()
        session.refresh(account)
        return account


def reset_password(engine: Engine, username: str, password: str, *, actor: str) -> Account:
    digest = hash_password(check_password(password))
    return _change(engine, username, "password_reset", actor=actor, shown={}, password_hash=digest)


def set_active(engine: Engine, username: str, active: bool, *, actor: str) -> Account:
    action = "account_enabled" if active else "account_disabled"
    return _change(engine, username, action, actor=actor, shown={}, active=active)


def set_access(
    engine: Engine, username: str, *, role: str | None = None, regions: str, actor: str
) -> Account:
    """Role and regions change together: an examiner made admin drops his regions, an admin made
    examiner must be given some."""
    with Session(engine) as session:
        current = _find(session, username).role
    new_role = parse_role(role or current)
    codes = parse_regions(new_role, regions)
    shown = {"role": new_role.value, "regions": codes}
    return _change(
        engine, username, "account_access", actor=actor, shown=shown, role=new_role, regions=codes
    )


def list_accounts(engine: Engine) -> list[Account]:
    with Session(engine) as session:
        return list(
            session.exec(select(Account).order_by(col(Account.role), col(Account.username)))
        )
