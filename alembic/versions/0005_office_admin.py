"""office administration (issue 17): staff audit, majors per period, retention stub marker

Revision ID: 0005_office_admin
Revises: 0004
Create Date: 2026-11-29 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005_office_admin"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "staffaudit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("filters", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("finished_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_staffaudit_actor"), "staffaudit", ["actor"], unique=False)
    op.create_index(op.f("ix_staffaudit_at"), "staffaudit", ["at"], unique=False)
    op.create_table(
        "majoredition",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("level", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("restricted", sa.Boolean(), nullable=False),
        sa.Column("condition_text", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("offered", sa.Boolean(), nullable=False),
        sa.Column("edited_by", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("edited_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("period_id", "code", "version"),
    )
    op.create_index(op.f("ix_majoredition_period_id"), "majoredition", ["period_id"], unique=False)
    op.add_column(
        "application",
        sa.Column("purged_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("application", "purged_at")
    op.drop_index(op.f("ix_majoredition_period_id"), table_name="majoredition")
    op.drop_table("majoredition")
    op.drop_index(op.f("ix_staffaudit_at"), table_name="staffaudit")
    op.drop_index(op.f("ix_staffaudit_actor"), table_name="staffaudit")
    op.drop_table("staffaudit")
