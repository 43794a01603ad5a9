"""candidate identity routes' requests counted in the database, so their limits hold across API
processes

Revision ID: 0009_probe_attempts
Revises: 0008_staff_login_attempts
Create Date: 2026-12-01 11:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009_probe_attempts"
down_revision: str | None = "0008_staff_login_attempts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "probeattempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_probeattempt_key"), "probeattempt", ["key"], unique=False)
    op.create_index(op.f("ix_probeattempt_at"), "probeattempt", ["at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_probeattempt_at"), table_name="probeattempt")
    op.drop_index(op.f("ix_probeattempt_key"), table_name="probeattempt")
    op.drop_table("probeattempt")
