"""`ruji account`: examiner, admin and operator accounts on any deployment.

`make dev` seeds demo accounts; production has none until an operator makes them here (the first
admin included). A password is generated and printed once unless `--password-stdin` supplies one
(for automation); only its argon2 hash is stored. Disabling keeps the row, so audit entries that
name the account stay meaningful. Every staff request reads the account again (api/deps.py), so
disabling or new regions apply at the next request, tokens already issued included.

    ruji account create wang --role examiner --regions 01,02
    ruji account create admin --role admin
    ruji account reset-password wang
    ruji account set-regions wang 01,03
    ruji account disable wang | enable wang
    ruji account list
"""

from __future__ import annotations

import argparse
import secrets
import sys
import uuid

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from domain.catalogs import REGIONS
from domain.roles import STAFF_ROLES
from infra.db import Account, default_engine
from infra.migrations import SchemaBehindError, require_current_schema
from infra.passwords import hash_password

ROLES = tuple(role.value for role in STAFF_ROLES)
MIN_PASSWORD_LENGTH = 12


class AccountError(ValueError):
    """A refused account change; the message is for the operator at the terminal."""


def parse_regions(role: str, raw: str) -> str:
    codes = [code.strip() for code in raw.split(",") if code.strip()]
    unknown = [code for code in codes if code not in REGIONS]
    if unknown:
        raise AccountError(f"未知的地区代码 / unknown region codes: {', '.join(unknown)}")
    if role == "examiner" and not codes:
        raise AccountError("审核员必须指定负责地区 / an examiner needs --regions")
    if role != "examiner" and codes:
        raise AccountError(f"--regions applies to examiners only, not to {role}")
    return ",".join(codes)


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"密码至少 {MIN_PASSWORD_LENGTH} 位 / at least {MIN_PASSWORD_LENGTH}")
    return password


def create(engine: Engine, username: str, role: str, regions: str, password: str) -> Account:
    regions = parse_regions(role, regions)
    with Session(engine) as session:
        if session.exec(select(Account).where(Account.username == username)).first():
            raise AccountError(f"账号已存在 / account exists: {username}")
        account = Account(
            id=f"acct-{uuid.uuid4().hex[:12]}",
            username=username,
            password_hash=hash_password(check_password(password)),
            role=role,
            regions=regions,
        )
        session.add(account)
        session.commit()
        session.refresh(account)
        return account


def _change(engine: Engine, username: str, **values: object) -> Account:
    with Session(engine) as session:
        account = session.exec(select(Account).where(Account.username == username)).first()
        if account is None:
            raise AccountError(f"账号不存在 / no such account: {username}")
        for name, value in values.items():
            setattr(account, name, value)
        session.add(account)
        session.commit()
        session.refresh(account)
        return account


def reset_password(engine: Engine, username: str, password: str) -> Account:
    return _change(engine, username, password_hash=hash_password(check_password(password)))


def set_active(engine: Engine, username: str, active: bool) -> Account:
    return _change(engine, username, active=active)


def set_regions(engine: Engine, username: str, regions: str) -> Account:
    with Session(engine) as session:
        account = session.exec(select(Account).where(Account.username == username)).first()
        role = account.role if account else "examiner"
    return _change(engine, username, regions=parse_regions(role, regions))


def list_accounts(engine: Engine) -> list[Account]:
    with Session(engine) as session:
        return list(session.exec(select(Account).order_by(Account.role, Account.username)))


def _password(args: argparse.Namespace) -> tuple[str, bool]:
    """(password, generated?)"""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n"), False
    return secrets.token_urlsafe(12), True


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="ruji account", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="action", required=True)
    made = sub.add_parser("create", help="create an account; prints a generated password")
    made.add_argument("username")
    made.add_argument("--role", choices=ROLES, required=True)
    made.add_argument("--regions", default="", help="examiners: region codes, e.g. 01,02")
    made.add_argument("--password-stdin", action="store_true")
    reset = sub.add_parser("reset-password", help="set a new password; prints it if generated")
    reset.add_argument("username")
    reset.add_argument("--password-stdin", action="store_true")
    moved = sub.add_parser("set-regions", help="an examiner's regions, e.g. 01,03")
    moved.add_argument("username")
    moved.add_argument("regions")
    for action in ("disable", "enable"):
        sub.add_parser(action, help=f"{action} logging in").add_argument("username")
    sub.add_parser("list", help="every account with role, regions and state")
    args = parser.parse_args(argv)

    engine = default_engine()
    try:
        require_current_schema(engine)
        if args.action == "list":
            for account in list_accounts(engine):
                state = "active" if account.active else "disabled"
                print(f"{account.username:<20} {account.role:<9} {state:<8} {account.regions}")
            return 0
        if args.action == "set-regions":
            account = set_regions(engine, args.username, args.regions)
            print(f"{account.username}: regions {account.regions}")
            return 0
        if args.action in ("disable", "enable"):
            account = set_active(engine, args.username, args.action == "enable")
            print(f"{account.username}: {args.action}d")
            return 0
        password, generated = _password(args)
        if args.action == "create":
            account = create(engine, args.username, args.role, args.regions, password)
            print(f"created {account.role} {account.username} {account.regions}".rstrip())
        else:
            account = reset_password(engine, args.username, password)
            print(f"new password set for {account.username}")
        if generated:
            print(f"password: {password}  (shown once; only its hash is stored)")
        return 0
    except (AccountError, SchemaBehindError) as refused:
        sys.stderr.write(f"ruji account: {refused}\n")
        return 2
