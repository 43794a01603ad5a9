"""Alembic environment of the read model: the tables are `SQLModel.metadata` from infra/db.py.

`ruji db upgrade` (and the tests) hand in an open connection through
`config.attributes["connection"]`; the `alembic` command line falls back to RUJI_DATABASE_URL
(or the dev SQLite file) through infra.config, so no URL is written in alembic.ini.
"""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import infra.db  # noqa: F401  (registers every table on SQLModel.metadata)

target_metadata = SQLModel.metadata


def _configure(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        # SQLite cannot ALTER most things: batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
    )


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    from infra.db import default_engine

    with default_engine().connect() as connection:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()


def run_migrations_offline() -> None:
    from infra.config import get_settings

    context.configure(
        url=get_settings().resolved_database_url,
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
