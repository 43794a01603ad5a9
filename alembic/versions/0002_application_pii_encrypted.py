"""application: ID number and name encrypted, with keyed lookup hashes (security, issue 7)

Existing rows get empty values (server default ''): the projection activity fills them the next
time it writes the application, as it writes every field.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 11:51:14.870429
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "application",
        sa.Column(
            "id_number_enc", sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=""
        ),
    )
    op.add_column(
        "application",
        sa.Column(
            "id_number_hash",
            sqlmodel.sql.sqltypes.AutoString(length=64),
            nullable=False,
            server_default="",
        ),
    )
    op.add_column(
        "application",
        sa.Column(
            "name_enc", sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=""
        ),
    )
    op.add_column(
        "application",
        sa.Column(
            "name_hash",
            sqlmodel.sql.sqltypes.AutoString(length=64),
            nullable=False,
            server_default="",
        ),
    )
    op.create_index(
        op.f("ix_application_id_number_hash"), "application", ["id_number_hash"], unique=False
    )
    op.create_index(op.f("ix_application_name_hash"), "application", ["name_hash"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_application_name_hash"), table_name="application")
    op.drop_index(op.f("ix_application_id_number_hash"), table_name="application")
    op.drop_column("application", "name_hash")
    op.drop_column("application", "name_enc")
    op.drop_column("application", "id_number_hash")
    op.drop_column("application", "id_number_enc")
