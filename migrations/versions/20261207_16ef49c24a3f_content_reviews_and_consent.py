"""content reviews, reviewers and consent per participant

Revision ID: 16ef49c24a3f
Revises: 9c4e2b7d1f30
Create Date: 2026-12-07 00:00:00

A coordinator's choices in /report (period, area, monthly files) are kept on their user.
Reviewing a language is a capability beside a person's role (reviewers); each verdict on a guide
screen or interface string is kept with the versions it saw (content_reviews). Consent is
recorded per participant code: the date given and the date withdrawn.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base
import models.crypto


revision: str = '16ef49c24a3f'
down_revision: str | None = '9c4e2b7d1f30'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('reviewers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('lang', sa.String(length=8), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('granted_by', sa.Integer(), nullable=True),
    sa.Column('granted_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['granted_by'], ['users.id'], name=op.f('fk_reviewers_granted_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_reviewers_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reviewers')),
    sa.UniqueConstraint('user_id', 'lang', name=op.f('uq_reviewers_user_id_lang'))
    )
    with op.batch_alter_table('reviewers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reviewers_user_id'), ['user_id'], unique=False)

    op.create_table('content_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item', sa.String(length=120), nullable=False),
    sa.Column('lang', sa.String(length=8), nullable=False),
    sa.Column('verdict', sa.String(length=12), nullable=False),
    sa.Column('source_version', sa.String(length=16), nullable=False),
    sa.Column('text_version', sa.String(length=16), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=True),
    sa.Column('reviewer_name', sa.String(length=80), nullable=False),
    sa.Column('suggestion', models.crypto.EncryptedText(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['reviewer_id'], ['reviewers.id'], name=op.f('fk_content_reviews_reviewer_id_reviewers'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_content_reviews'))
    )
    with op.batch_alter_table('content_reviews', schema=None) as batch_op:
        batch_op.create_index('ix_content_reviews_lang_item', ['lang', 'item'], unique=False)

    # Plain ADD COLUMN, never a batch "copy and move": on SQLite that recreates the table, and
    # dropping the old one would cascade to every row that refers to it.
    op.add_column("users", sa.Column("report_period", sa.String(length=32), nullable=True))
    op.add_column("users", sa.Column("report_area_id", sa.Integer(), nullable=True))
    op.add_column(
        "users",
        sa.Column("monthly_export", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("participants", sa.Column("consent_given_on", sa.Date(), nullable=True))
    op.add_column("participants", sa.Column("consent_withdrawn_on", sa.Date(), nullable=True))


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35 and later), never a batch copy, which would cascade.
    for column in ("monthly_export", "report_area_id", "report_period"):
        op.drop_column("users", column)
    for column in ("consent_withdrawn_on", "consent_given_on"):
        op.drop_column("participants", column)
    op.drop_index("ix_content_reviews_lang_item", table_name="content_reviews")
    op.drop_table("content_reviews")
    op.drop_index(op.f("ix_reviewers_user_id"), table_name="reviewers")
    op.drop_table("reviewers")
