"""each period keeps the close-out distance it was created with, so a returned case is told the
date its period's workflow closes it out by, whatever RUJI_CLOSE_OUT_AFTER_DAYS says today

Revision ID: 0010_period_close_out
Revises: 0009_probe_attempts
Create Date: 2026-12-01 22:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_period_close_out"
down_revision: str | None = "0009_probe_attempts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("period", sa.Column("close_out_after_s", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("period", "close_out_after_s")
