"""Staff accounts by name for the console: a case's holder and the staff its trail names are
account ids (`acct-…`), which no page otherwise shows and nobody recognises."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, col, select

from infra.db import Account

STAFF_ACTORS = ("examiner", "admin")
#: actions whose tail is an account: the claim's new holder
ACCOUNT_ACTIONS = ("claim_reassigned",)


def named_accounts(holder: str | None, trail: Iterable[tuple[str, str]]) -> set[str]:
    """The account ids in a case's holder and its (actor, action) trail."""
    ids = {holder} if holder else set()
    for actor, action in trail:
        kind, _, who = actor.partition(":")
        if kind in STAFF_ACTORS and who:
            ids.add(who)
        verb, _, target = action.partition(":")
        if verb in ACCOUNT_ACTIONS and target:
            ids.add(target)
    return ids


def staff_names(session: Session, ids: set[str]) -> dict[str, str]:
    """account id → username, for the ids that are accounts."""
    if not ids:
        return {}
    rows = session.exec(select(Account.id, Account.username).where(col(Account.id).in_(ids)))
    return dict(rows.all())
