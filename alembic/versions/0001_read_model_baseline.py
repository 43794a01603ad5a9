"""read model baseline: the tables `create_all` made before Alembic

Revision ID: 0001
Revises:
Create Date: 2026-11-26 11:47:16.999340
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "account",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("username", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("password_hash", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("regions", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )
    op.create_table(
        "application",
        sa.Column("workflow_id", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("period_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("phone_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("id_masked", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("phone_masked", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("name_masked", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("region", sqlmodel.sql.sqltypes.AutoString(length=4), nullable=True),
        sa.Column("major", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=True),
        sa.Column("level", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True),
        sa.Column("submitted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("needs_manual_review", sa.Boolean(), nullable=False),
        sa.Column("claimed_by", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("decision", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("ticket_number", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("workflow_id"),
    )
    op.create_index(op.f("ix_application_id_hash"), "application", ["id_hash"], unique=False)
    op.create_index(op.f("ix_application_period_id"), "application", ["period_id"], unique=False)
    op.create_index(op.f("ix_application_phone_hash"), "application", ["phone_hash"], unique=False)
    op.create_index(
        "ix_application_queue",
        "application",
        ["period_id", "status", "region", "submitted_at"],
        unique=False,
    )
    op.create_index(
        "ix_application_region_status", "application", ["region", "status"], unique=False
    )
    op.create_table(
        "auditevent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workflow_id", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("workflow_id", "seq"),
    )
    op.create_index(op.f("ix_auditevent_workflow_id"), "auditevent", ["workflow_id"], unique=False)
    op.create_table(
        "chsinonce",
        sa.Column("nonce", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("nonce"),
    )
    op.create_table(
        "codeitem",
        sa.Column("table_name", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("extra", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.PrimaryKeyConstraint("table_name", "code"),
    )
    op.create_table(
        "document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workflow_id", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("object_key", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("workflow_id", "kind", "object_key"),
    )
    op.create_index(op.f("ix_document_workflow_id"), "document", ["workflow_id"], unique=False)
    op.create_table(
        "period",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("window", sa.Integer(), nullable=False),
        sa.Column("opens_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("closes_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("review_deadline", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "smscode",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phone_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("client_ip", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("code_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("used", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_smscode_client_ip"), "smscode", ["client_ip"], unique=False)
    op.create_index(op.f("ix_smscode_phone_hash"), "smscode", ["phone_hash"], unique=False)
    op.create_table(
        "smsmessage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dedupe_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("phone_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dedupe_key"),
    )
    op.create_index(op.f("ix_smsmessage_phone_hash"), "smsmessage", ["phone_hash"], unique=False)
    op.create_table(
        "ticket",
        sa.Column("workflow_id", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("number", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("period_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("area", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
        sa.Column("submitted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("delivered", sa.Boolean(), nullable=False),
        sa.Column("issued_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("workflow_id"),
        sa.UniqueConstraint("number"),
    )
    op.create_index(op.f("ix_ticket_delivered"), "ticket", ["delivered"], unique=False)
    op.create_index(op.f("ix_ticket_period_id"), "ticket", ["period_id"], unique=False)
    op.create_table(
        "ticketcounter",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("area", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
        sa.Column("last_sequence", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", "area"),
    )


def downgrade() -> None:
    op.drop_table("ticketcounter")
    op.drop_index(op.f("ix_ticket_period_id"), table_name="ticket")
    op.drop_index(op.f("ix_ticket_delivered"), table_name="ticket")
    op.drop_table("ticket")
    op.drop_index(op.f("ix_smsmessage_phone_hash"), table_name="smsmessage")
    op.drop_table("smsmessage")
    op.drop_index(op.f("ix_smscode_phone_hash"), table_name="smscode")
    op.drop_index(op.f("ix_smscode_client_ip"), table_name="smscode")
    op.drop_table("smscode")
    op.drop_table("period")
    op.drop_index(op.f("ix_document_workflow_id"), table_name="document")
    op.drop_table("document")
    op.drop_table("codeitem")
    op.drop_table("chsinonce")
    op.drop_index(op.f("ix_auditevent_workflow_id"), table_name="auditevent")
    op.drop_table("auditevent")
    op.drop_index("ix_application_region_status", table_name="application")
    op.drop_index("ix_application_queue", table_name="application")
    op.drop_index(op.f("ix_application_phone_hash"), table_name="application")
    op.drop_index(op.f("ix_application_period_id"), table_name="application")
    op.drop_index(op.f("ix_application_id_hash"), table_name="application")
    op.drop_table("application")
    op.drop_table("account")
