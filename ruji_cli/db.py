"""`ruji db upgrade` and `ruji db seed`.

`upgrade` runs the Alembic migrations (`alembic upgrade head` over alembic/; a pre-Alembic dev
database is stamped at the baseline first, see infra/migrations.py). `seed` is idempotent: it
inserts catalog rows that are missing and never overwrites a row an admin has edited; in dev and
test it also keeps the demo accounts, whose passwords are generated once into
var/secrets/dev-accounts.json (0600) so every restart prints the same ones.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
from pathlib import Path

from pydantic import BaseModel
from sqlalchemy.engine import Engine
from sqlmodel import Session

from domain.catalogs import CODE_TABLES, MAJORS
from domain.ethnicities import ETHNICITIES
from infra import migrations
from infra.config import Settings, get_settings
from infra.db import Account, CodeItem, engine_for
from infra.passwords import hash_password, verify_password

MAJOR_TABLE = "major"
#: GB/T 3304 lives in domain/ethnicities.py (one list for the ID-card check), not in CODE_TABLES.
SEEDED_TABLES = {"ethnicity": ETHNICITIES, **CODE_TABLES}


class DemoAccount(BaseModel):
    username: str
    role: str  # examiner | admin | operator
    regions: str = ""
    password: str = ""


DEMO_ACCOUNTS = (
    DemoAccount(username="examiner", role="examiner", regions="01,02"),
    DemoAccount(username="admin", role="admin"),
    DemoAccount(username="operator", role="operator"),
)


def credentials_path(settings: Settings) -> Path:
    return settings.var_dir / "secrets" / "dev-accounts.json"


def upgrade(engine: Engine) -> None:
    migrations.upgrade(engine)


def catalog_rows() -> list[CodeItem]:
    rows = [
        CodeItem(table_name=table, code=code, name=name)
        for table, entries in SEEDED_TABLES.items()
        for code, name in entries.items()
    ]
    rows += [
        CodeItem(
            table_name=MAJOR_TABLE,
            code=m.code,
            name=m.name,
            extra=json.dumps({"level": m.level.value, "restricted": m.restricted}),
        )
        for m in MAJORS
    ]
    return rows


def seed_catalogs(engine: Engine) -> int:
    """Insert the missing code-table rows; returns how many were added."""
    added = 0
    with Session(engine) as session:
        for row in catalog_rows():
            if session.get(CodeItem, (row.table_name, row.code)) is None:
                session.add(row)
                added += 1
        session.commit()
    return added


def load_or_create_credentials(path: Path) -> list[DemoAccount]:
    """Generated once, then read back: a restart must show the credentials that still work."""
    if path.exists():
        return [DemoAccount.model_validate(item) for item in json.loads(path.read_text())]
    accounts = [a.model_copy(update={"password": secrets.token_urlsafe(12)}) for a in DEMO_ACCOUNTS]
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump([a.model_dump() for a in accounts], handle, ensure_ascii=False, indent=2)
    return accounts


def seed_accounts(engine: Engine, accounts: list[DemoAccount]) -> None:
    """The credentials file is the truth for the demo accounts: a password that no longer
    matches it (the file was deleted and regenerated) is reset, so the printed ones work."""
    with Session(engine) as session:
        for demo in accounts:
            row = session.get(Account, f"dev-{demo.username}")
            if row is None:
                session.add(
                    Account(
                        id=f"dev-{demo.username}",
                        username=demo.username,
                        password_hash=hash_password(demo.password),
                        role=demo.role,
                        regions=demo.regions,
                    )
                )
            elif not verify_password(row.password_hash, demo.password):
                row.password_hash = hash_password(demo.password)
                session.add(row)
        session.commit()


class SeedResult(BaseModel):
    catalog_rows_added: int
    accounts: list[DemoAccount]


def seed(engine: Engine, settings: Settings) -> SeedResult:
    """Catalogs always; demo accounts only in dev and test (returned for printing)."""
    added = seed_catalogs(engine)
    if settings.env not in ("dev", "test"):
        return SeedResult(catalog_rows_added=added, accounts=[])
    accounts = load_or_create_credentials(credentials_path(settings))
    seed_accounts(engine, accounts)
    return SeedResult(catalog_rows_added=added, accounts=accounts)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="ruji db", description="read-model schema and seed data")
    parser.add_argument("action", choices=["upgrade", "seed"])
    args = parser.parse_args(argv)
    settings = get_settings()
    engine = engine_for(settings)
    if args.action == "upgrade":
        upgrade(engine)
        where = engine.url.render_as_string(hide_password=True)
        print(f"schema at {migrations.current_revision(engine)}: {where}")
        return 0
    upgrade(engine)
    result = seed(engine, settings)
    print(f"catalogs: {result.catalog_rows_added} rows added")
    for demo in result.accounts:
        print(f"account {demo.role:<9} {demo.username} / {demo.password}")
    if result.accounts:
        print(f"(kept in {credentials_path(settings)})")
    return 0
