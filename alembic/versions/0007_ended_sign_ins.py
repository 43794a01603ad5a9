"""sign-ins ended lately, read by every API process: an index on refreshsession.revoked_at

Revision ID: 0007_ended_sign_ins
Revises: 0006_refresh_sessions
Create Date: 2026-11-30 19:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007_ended_sign_ins"
down_revision: str | None = "0006_refresh_sessions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        op.f("ix_refreshsession_revoked_at"), "refreshsession", ["revoked_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_refreshsession_revoked_at"), table_name="refreshsession")
