"""Alembic migrations of the read model: up from an empty database on SQLite and Postgres, equal
to the models (a model change without a migration fails here), and the start-up refusal of the
API and the enrollment worker on a schema that is behind."""

from __future__ import annotations

import logging

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

import worker
from api.app import create_app
from infra import migrations
from infra.config import Settings
from infra.db import make_engine


def model_diff(engine: Engine) -> list:
    """What `alembic revision --autogenerate` would write: empty when migrations match models."""
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(ctx, SQLModel.metadata)


def test_upgrade_from_empty_reaches_head_and_matches_the_models(empty_engine):
    migrations.upgrade(empty_engine)

    assert migrations.current_revision(empty_engine) == migrations.head_revision()
    diff = model_diff(empty_engine)
    assert diff == [], (
        "infra/db.py differs from the migrations; add one with `uv run alembic revision "
        f"--autogenerate -m '…'` against a migrated database: {diff}"
    )
    migrations.require_current_schema(empty_engine)  # what the API and worker check at start


def test_downgrade_to_empty_and_up_again(empty_engine):
    migrations.upgrade(empty_engine)
    with empty_engine.begin() as conn:
        command.downgrade(migrations.alembic_config(conn), "base")
    assert set(inspect(empty_engine).get_table_names()) <= {"alembic_version"}
    migrations.upgrade(empty_engine)
    assert model_diff(empty_engine) == []


def test_a_database_from_before_migrations_is_adopted(tmp_path):
    """Dev SQLite files were made by `create_all`: baseline tables, no alembic_version."""
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrations.upgrade(engine, migrations.BASELINE)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE alembic_version"))
        conn.execute(text("INSERT INTO codeitem VALUES ('region', '01', '长沙市', '')"))
        conn.execute(
            text(
                "INSERT INTO application (workflow_id, period_id, status, version, id_hash, "
                "phone_hash, id_masked, phone_masked, name_masked, needs_manual_review, "
                "updated_at) VALUES ('enroll-x', '2026-2', 'SUBMITTED', 3, 'h', 'p', '', '', '', "
                "0, '2026-05-01 00:00:00')"
            )
        )

    migrations.upgrade(engine)

    assert migrations.current_revision(engine) == migrations.head_revision()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT name FROM codeitem")).scalar_one() == "长沙市"
        row = conn.execute(text("SELECT status, id_number_enc FROM application")).one()
    assert tuple(row) == ("SUBMITTED", "")  # kept; the next projection fills the new columns


def test_schema_behind_is_refused_with_the_command_to_run(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'r.db'}")
    with pytest.raises(migrations.SchemaBehindError, match=r"not migrated.*ruji db upgrade"):
        migrations.require_current_schema(engine)
    if migrations.head_revision() != migrations.BASELINE:
        migrations.upgrade(engine, migrations.BASELINE)
        with pytest.raises(migrations.SchemaBehindError, match=r"at revision 0001, behind"):
            migrations.require_current_schema(engine)


def test_a_newer_schema_only_warns(tmp_path, caplog):
    """A rollback leaves the database ahead of the code; migrations are additive, so it runs."""
    engine = make_engine(f"sqlite:///{tmp_path / 'r.db'}")
    migrations.upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'from_the_future'"))
    with caplog.at_level(logging.WARNING, logger="infra.migrations"):
        migrations.require_current_schema(engine)
    assert "from_the_future" in caplog.text


def _settings(tmp_path) -> Settings:
    return Settings(
        env="test",
        var_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'unmigrated.db'}",
        temporal_address="127.0.0.1:1",  # never reached: the schema check comes first
        codec_keys="",
    )


async def test_api_refuses_to_start_on_an_unmigrated_schema(tmp_path):
    app = create_app(_settings(tmp_path))
    with pytest.raises(migrations.SchemaBehindError, match="ruji db upgrade"):
        async with app.router.lifespan_context(app):
            pass


async def test_enrollment_worker_refuses_to_start_on_an_unmigrated_schema(tmp_path):
    settings = _settings(tmp_path)
    with pytest.raises(migrations.SchemaBehindError, match="ruji db upgrade"):
        await worker.run(["enrollment"], settings)
