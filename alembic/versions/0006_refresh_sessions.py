"""sign-ins that end: candidate refresh tokens that rotate and can be revoked, staff logout

Revision ID: 0006_refresh_sessions
Revises: 0005_office_admin
Create Date: 2026-11-30 16:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006_refresh_sessions"
down_revision: str | None = "0005_office_admin"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "refreshsession",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("application_id", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("token_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("previous_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("rotated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("revoked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("revoked_why", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_refreshsession_application_id"), "refreshsession", ["application_id"], unique=False
    )
    op.add_column(
        "account", sa.Column("signed_out_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("account", "signed_out_at")
    op.drop_index(op.f("ix_refreshsession_application_id"), table_name="refreshsession")
    op.drop_table("refreshsession")
