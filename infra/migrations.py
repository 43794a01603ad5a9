"""The read model's schema version: Alembic migrations (alembic/) applied by `ruji db upgrade`,
and the start-up check that keeps the API and the workers off a schema that is behind the code.

Behind (empty, or an older revision) is refused: the code would fail later, on the first query
that touches a missing column, in the middle of someone's application. A revision this code does
not know (the database was migrated by a newer release, e.g. during a rollback) only warns:
migrations are additive (docs/operations.md), so older code still runs on a newer schema.
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection, Engine

ROOT = Path(__file__).resolve().parent.parent
ALEMBIC_INI = ROOT / "alembic.ini"
#: the first migration: the tables `create_all` made before Alembic (see `upgrade`)
BASELINE = "0001"
UPGRADE_HINT = "run `ruji db upgrade` (the compose `api` service does it before starting)"

log = logging.getLogger(__name__)


class SchemaBehindError(RuntimeError):
    """The database has not been migrated to the revision this code needs."""


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config(str(ALEMBIC_INI))
    config.set_main_option("script_location", str(ROOT / "alembic"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "alembic/versions holds no migration"
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """`alembic upgrade head` on this engine. A database made by `create_all` before Alembic
    (dev SQLite files under var/) has our tables but no `alembic_version`: it is stamped at the
    baseline first, which created exactly those tables, and then upgraded like any other."""
    with engine.begin() as conn:
        tables = set(inspect(conn).get_table_names())
        config = alembic_config(conn)
        if "application" in tables and "alembic_version" not in tables:
            log.warning("read model predates migrations: stamping baseline %s", BASELINE)
            command.stamp(config, BASELINE)
        command.upgrade(config, revision)


def require_current_schema(engine: Engine) -> None:
    """Start-up check of the API and the enrollment worker; raises SchemaBehindError."""
    head, current = head_revision(), current_revision(engine)
    if current == head:
        return
    where = engine.url.render_as_string(hide_password=True)
    if current is None:
        raise SchemaBehindError(
            f"read-model schema at {where} is not migrated (no alembic_version; code needs "
            f"{head}): {UPGRADE_HINT}"
        )
    script = ScriptDirectory.from_config(alembic_config())
    known = {rev.revision for rev in script.walk_revisions()}
    if current not in known:
        log.warning(
            "read-model schema at %s is at %s, which this code does not know (newer release?); "
            "starting anyway: migrations are additive",
            where,
            current,
        )
        return
    raise SchemaBehindError(
        f"read-model schema at {where} is at revision {current}, behind the code's {head}: "
        f"{UPGRADE_HINT}"
    )
