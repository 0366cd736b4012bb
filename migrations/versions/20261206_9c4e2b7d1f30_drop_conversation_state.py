"""drop conversation_state: no ConversationHandler ever used it

Revision ID: 9c4e2b7d1f30
Revises: 5f0c2a9d7e13
Create Date: 2026-12-06 23:00:00

The step a person is at lives in their user data (user_data); this table was never written.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9c4e2b7d1f30"
down_revision: str | None = "5f0c2a9d7e13"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_table("conversation_state")


def downgrade() -> None:
    op.create_table(
        "conversation_state",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name", "key", name=op.f("pk_conversation_state")),
    )
