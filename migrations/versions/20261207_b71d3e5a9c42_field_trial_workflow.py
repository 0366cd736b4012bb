"""agreement workflow, self-help meetings and shared phones

Revision ID: b71d3e5a9c42
Revises: 16ef49c24a3f
Create Date: 2026-12-07 03:00:00

New columns are added with plain ADD COLUMN (no table copy on SQLite, whose copy would cascade
deletes through the foreign keys).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base
import models.crypto

revision: str = 'b71d3e5a9c42'
down_revision: str | None = '16ef49c24a3f'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _agreements_upgrade() -> None:
    op.add_column(
        "agreements",
        sa.Column("violence_check", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column(
        "agreement_drafts",
        sa.Column("unchecked_summary", models.crypto.EncryptedText(), nullable=True),
    )
    op.add_column(
        "agreement_drafts",
        sa.Column("violence_check", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.create_table(
        "agreement_screens",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("message_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("sent_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["agreements.id"],
            name=op.f("fk_agreement_screens_agreement_id_agreements"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_agreement_screens_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("chat_id", "message_id", name=op.f("pk_agreement_screens")),
    )
    op.create_index(
        op.f("ix_agreement_screens_agreement_id"), "agreement_screens", ["agreement_id"]
    )


def _agreements_downgrade() -> None:
    op.drop_index(op.f("ix_agreement_screens_agreement_id"), table_name="agreement_screens")
    op.drop_table("agreement_screens")
    op.drop_column("agreement_drafts", "violence_check")
    op.drop_column("agreement_drafts", "unchecked_summary")
    op.drop_column("agreements", "violence_check")


def _escalation_upgrade() -> None:
    # The level of the area tree an agreement's reminders have reached (0: the admins).
    op.add_column("agreements", sa.Column("escalation_level", sa.Integer(), nullable=True))


def _escalation_downgrade() -> None:
    op.drop_column("agreements", "escalation_level")


def _week_upgrade() -> None:
    op.add_column('groups', sa.Column('self_help_time', sa.Time(), nullable=True))


def _week_downgrade() -> None:
    op.drop_column('groups', 'self_help_time')


def _phones_upgrade() -> None:
    pass


def _phones_downgrade() -> None:
    pass


def _webhook_upgrade() -> None:
    op.add_column(
        "processed_updates",
        sa.Column("delivered_at", models.base.UTCDateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "webhook_inbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("update_id", sa.BigInteger(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("body", models.crypto.EncryptedText(), nullable=True),
        sa.Column("received_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=120), nullable=True),
        sa.Column("claimed_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("handled_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_inbox")),
        sa.UniqueConstraint("update_id", "digest", name=op.f("uq_webhook_inbox_update_id_digest")),
    )
    op.create_index(op.f("ix_webhook_inbox_handled_at"), "webhook_inbox", ["handled_at"])


def _webhook_downgrade() -> None:
    op.drop_index(op.f("ix_webhook_inbox_handled_at"), table_name="webhook_inbox")
    op.drop_table("webhook_inbox")
    op.drop_column("processed_updates", "delivered_at")


def _cli_upgrade() -> None:
    # `user list` tells people apart by the invite they redeemed and the day they last used it.
    op.add_column("invites", sa.Column("label", sa.String(length=60), nullable=True))
    op.add_column("users", sa.Column("invite_id", sa.Integer(), nullable=True))
    op.add_column("users", sa.Column("last_active_on", sa.Date(), nullable=True))


def _cli_downgrade() -> None:
    op.drop_column("users", "last_active_on")
    op.drop_column("users", "invite_id")
    op.drop_column("invites", "label")


def upgrade() -> None:
    _agreements_upgrade()
    _escalation_upgrade()
    _week_upgrade()
    _phones_upgrade()
    _webhook_upgrade()
    _cli_upgrade()


def downgrade() -> None:
    _cli_downgrade()
    _webhook_downgrade()
    _phones_downgrade()
    _week_downgrade()
    _escalation_downgrade()
    _agreements_downgrade()
