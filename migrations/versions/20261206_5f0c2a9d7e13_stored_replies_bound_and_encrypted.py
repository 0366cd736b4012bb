"""stored replies bound to their update and encrypted; typed text purged

Revision ID: 5f0c2a9d7e13
Revises: de05e916ba21
Create Date: 2026-12-06 22:30:00

Replies stored to answer a redelivered update were found by update id alone and kept in clear,
agreement summaries included. They are now found by update id, chat and a digest of the update,
and kept encrypted. Every reply stored so far is purged, and so is every pending step (a step
could hold a name being typed): losing them costs a person one "please start again". On SQLite
the purged text is overwritten where it lay (secure delete), the file rebuilt (VACUUM) and the
write-ahead log emptied, so it survives in no free page and no log frame.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "5f0c2a9d7e13"
down_revision: str | None = "de05e916ba21"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    if _sqlite():
        op.execute("PRAGMA secure_delete=ON")
    op.execute("DELETE FROM processed_updates")
    op.execute("DELETE FROM user_data")
    with op.batch_alter_table("processed_updates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_processed_updates_handled_at"))
    op.drop_table("processed_updates")
    op.create_table(
        "processed_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("update_id", sa.BigInteger(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("handled_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reply", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_processed_updates")),
        sa.UniqueConstraint(
            "update_id", "digest", name=op.f("uq_processed_updates_update_id_digest")
        ),
    )
    with op.batch_alter_table("processed_updates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_processed_updates_handled_at"), ["handled_at"], unique=False
        )
    if _sqlite():
        # VACUUM cannot run inside a transaction.
        with op.get_context().autocommit_block():
            op.execute("VACUUM")
            op.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def downgrade() -> None:
    with op.batch_alter_table("processed_updates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_processed_updates_handled_at"))
    op.drop_table("processed_updates")
    op.create_table(
        "processed_updates",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("handled_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reply", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_processed_updates")),
    )
    with op.batch_alter_table("processed_updates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_processed_updates_handled_at"), ["handled_at"], unique=False
        )
