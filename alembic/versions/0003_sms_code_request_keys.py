"""smscode: which activity run sent / consumed a code (idempotent re-runs, found by the fault
tests: a lost workflow task re-runs its local activities)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 12:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "smscode",
        sa.Column(
            "sent_for",
            sqlmodel.sql.sqltypes.AutoString(length=200),
            nullable=False,
            server_default="",
        ),
    )
    op.add_column(
        "smscode",
        sa.Column(
            "used_by",
            sqlmodel.sql.sqltypes.AutoString(length=200),
            nullable=False,
            server_default="",
        ),
    )
    op.create_index(op.f("ix_smscode_sent_for"), "smscode", ["sent_for"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_smscode_sent_for"), table_name="smscode")
    op.drop_column("smscode", "used_by")
    op.drop_column("smscode", "sent_for")
