"""office (issue 17): staffaudit — searches, case views, exports and bulk approvals by staff

Same revision as branch office-admin's migration, which creates this table too (plus its own):
merging both, take office-admin's file.

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


def downgrade() -> None:
    op.drop_index(op.f("ix_staffaudit_at"), table_name="staffaudit")
    op.drop_index(op.f("ix_staffaudit_actor"), table_name="staffaudit")
    op.drop_table("staffaudit")
