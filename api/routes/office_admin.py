"""Admins administer the office in the console: staff accounts (the same code as `ruji account`)
and each period's code table of majors (versioned; new choices only). Every change is audited
with its actor in the same transaction (infra/admin_audit.py)."""

from __future__ import annotations

import asyncio
import secrets
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field
from sqlmodel import col, select

from api.deps import AdminDep, ServicesDep, SessionDep
from domain.accounts import AccountError, AccountRefusal
from domain.errors import refuse
from domain.ids import PERIOD_ID_PATTERN
from domain.majors import MAJOR_CODE_PATTERN, MajorChoice, MajorEdit
from domain.messages import PeriodRefusal
from domain.roles import Role
from infra import accounts, majors
from infra.db import Account, MajorEdition, Period
from infra.tokens import Principal

router = APIRouter(prefix="/api/v1/admin", tags=["administration"])

Username = Annotated[str, Path(min_length=1, max_length=60)]
PeriodId = Annotated[str, Path(pattern=PERIOD_ID_PATTERN)]
MajorCode = Annotated[str, Path(pattern=MAJOR_CODE_PATTERN)]


class AccountRow(BaseModel):
    id: str
    username: str
    role: str
    regions: list[str]
    active: bool


class NewAccount(BaseModel):
    username: str = Field(min_length=2, max_length=60, pattern=r"^[A-Za-z0-9._-]+$")
    role: str
    regions: list[str] = Field(default_factory=list, max_length=20)


class AccountAccess(BaseModel):
    role: str
    regions: list[str] = Field(default_factory=list, max_length=20)


class IssuedPassword(BaseModel):
    """A generated password, shown once to the admin to hand over; only its hash is stored."""

    account: AccountRow
    password: str


class MajorVersion(MajorChoice):
    edited_by: str
    edited_at: datetime


def _row(account: Account) -> AccountRow:
    return AccountRow(
        id=account.id,
        username=account.username,
        role=account.role,
        regions=account.region_codes,
        active=account.active,
    )


def _generated_password() -> str:
    return secrets.token_urlsafe(12)  # 16 characters, above the 12 the rules ask for


def _not_myself(session: SessionDep, username: str, me: Principal) -> None:
    """An admin cannot lock himself out: another admin disables or demotes him."""
    account = session.exec(select(Account).where(Account.username == username)).first()
    if account is not None and account.id == me.sub:
        raise AccountError(AccountRefusal.ACCOUNT_SELF_LOCKOUT, "not on your own account")


# --- accounts -------------------------------------------------------------------------------
@router.get("/accounts")
async def account_list(services: ServicesDep, _: AdminDep) -> list[AccountRow]:
    return [_row(a) for a in await asyncio.to_thread(accounts.list_accounts, services.engine)]


@router.post("/accounts", status_code=201)
async def create_account(body: NewAccount, services: ServicesDep, me: AdminDep) -> IssuedPassword:
    password = _generated_password()
    account = await asyncio.to_thread(
        accounts.create,
        services.engine,
        body.username,
        body.role,
        ",".join(body.regions),
        password,
        actor=me.sub,
    )
    return IssuedPassword(account=_row(account), password=password)


@router.put("/accounts/{username}/access")
async def change_access(
    username: Username,
    body: AccountAccess,
    session: SessionDep,
    services: ServicesDep,
    me: AdminDep,
) -> AccountRow:
    if body.role != Role.ADMIN:
        _not_myself(session, username, me)
    account = await asyncio.to_thread(
        accounts.set_access,
        services.engine,
        username,
        role=body.role,
        regions=",".join(body.regions),
        actor=me.sub,
    )
    return _row(account)


@router.post("/accounts/{username}/disable")
async def disable_account(
    username: Username, session: SessionDep, services: ServicesDep, me: AdminDep
) -> AccountRow:
    _not_myself(session, username, me)
    return _row(
        await asyncio.to_thread(accounts.set_active, services.engine, username, False, actor=me.sub)
    )


@router.post("/accounts/{username}/enable")
async def enable_account(username: Username, services: ServicesDep, me: AdminDep) -> AccountRow:
    return _row(
        await asyncio.to_thread(accounts.set_active, services.engine, username, True, actor=me.sub)
    )


@router.post("/accounts/{username}/password")
async def reset_password(username: Username, services: ServicesDep, me: AdminDep) -> IssuedPassword:
    """A new generated password; the old one stops working at once."""
    password = _generated_password()
    account = await asyncio.to_thread(
        accounts.reset_password, services.engine, username, password, actor=me.sub
    )
    return IssuedPassword(account=_row(account), password=password)


# --- the majors of a period ---------------------------------------------------------------------
def _require_period(session: SessionDep, period_id: str) -> None:
    if session.get(Period, period_id) is None:
        raise refuse(PeriodRefusal.PERIOD_NOT_FOUND, period_id)


@router.get("/periods/{period_id}/majors")
def period_majors(period_id: PeriodId, session: SessionDep, _: AdminDep) -> list[MajorChoice]:
    """Every major of the period, those no longer offered included."""
    _require_period(session, period_id)
    return majors.period_majors(session, period_id)


@router.put("/periods/{period_id}/majors/{code}")
def edit_major(
    period_id: PeriodId, code: MajorCode, body: MajorEdit, session: SessionDep, me: AdminDep
) -> MajorChoice:
    """A new version of the major (a new code adds a major); cases that chose it keep theirs."""
    _require_period(session, period_id)
    return majors.save_edition(session, period_id, code, body, actor=me.sub)


@router.get("/periods/{period_id}/majors/{code}/versions")
def major_versions(
    period_id: PeriodId, code: MajorCode, session: SessionDep, _: AdminDep
) -> list[MajorVersion]:
    rows = session.exec(
        select(MajorEdition)
        .where(MajorEdition.period_id == period_id, MajorEdition.code == code)
        .order_by(col(MajorEdition.version).desc())
    )
    return [
        MajorVersion(
            **majors.edition_choice(row).model_dump(),
            edited_by=row.edited_by,
            edited_at=row.edited_at,
        )
        for row in rows
    ]
