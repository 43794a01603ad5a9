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

from domain.accounts import AccountError
from domain.roles import STAFF_ROLES
from infra.accounts import create, list_accounts, reset_password, set_access, set_active
from infra.admin_audit import terminal_actor
from infra.db import default_engine
from infra.migrations import SchemaBehindError, require_current_schema

ROLES = tuple(role.value for role in STAFF_ROLES)


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
            account = set_access(
                engine, args.username, regions=args.regions, actor=terminal_actor()
            )
            print(f"{account.username}: regions {account.regions}")
            return 0
        if args.action in ("disable", "enable"):
            account = set_active(
                engine, args.username, args.action == "enable", actor=terminal_actor()
            )
            print(f"{account.username}: {args.action}d")
            return 0
        password, generated = _password(args)
        if args.action == "create":
            account = create(
                engine, args.username, args.role, args.regions, password, actor=terminal_actor()
            )
            print(f"created {account.role} {account.username} {account.regions}".rstrip())
        else:
            account = reset_password(engine, args.username, password, actor=terminal_actor())
            print(f"new password set for {account.username}")
        if generated:
            print(f"password: {password}  (shown once; only its hash is stored)")
        return 0
    except (AccountError, SchemaBehindError) as refused:
        sys.stderr.write(f"ruji account: {refused}\n")
        return 2
