"""staff-login attempts counted in the database, so the lockout holds across API processes

Revision ID: 0008_staff_login_attempts
Revises: 0007_ended_sign_ins
Create Date: 2026-12-01 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008_staff_login_attempts"
down_revision: str | None = "0007_ended_sign_ins"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "staffloginattempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_staffloginattempt_key"), "staffloginattempt", ["key"], unique=False)
    op.create_index(op.f("ix_staffloginattempt_at"), "staffloginattempt", ["at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_staffloginattempt_at"), table_name="staffloginattempt")
    op.drop_index(op.f("ix_staffloginattempt_key"), table_name="staffloginattempt")
    op.drop_table("staffloginattempt")
