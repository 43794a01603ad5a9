"""auditevent: the update or signal that made the commit (issue 14, M5: audit = history)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "auditevent",
        sa.Column(
            "update_id",
            sqlmodel.sql.sqltypes.AutoString(length=80),
            nullable=False,
            server_default="",
        ),
    )


def downgrade() -> None:
    op.drop_column("auditevent", "update_id")
