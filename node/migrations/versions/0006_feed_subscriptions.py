"""Feed subscriptions: external Atom/RSS feeds ingested as guidance items.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 08:40:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('feed_subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=True),
    sa.Column('etag', sa.String(length=300), nullable=True),
    sa.Column('last_modified', sa.String(length=100), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_checked_at', sa.DateTime(), nullable=True),
    sa.Column('last_changed_at', sa.DateTime(), nullable=True),
    sa.Column('next_check_at', sa.DateTime(), nullable=True),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('entries_seen', sa.Integer(), nullable=False),
    sa.Column('skipped', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feed_subscriptions')),
    sa.UniqueConstraint('url', name=op.f('uq_feed_subscriptions_url'))
    )
    with op.batch_alter_table('feed_subscriptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feed_subscriptions_next_check_at'), ['next_check_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_feed_subscriptions_state'), ['state'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('feed_subscriptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feed_subscriptions_state'))
        batch_op.drop_index(batch_op.f('ix_feed_subscriptions_next_check_at'))

    op.drop_table('feed_subscriptions')
