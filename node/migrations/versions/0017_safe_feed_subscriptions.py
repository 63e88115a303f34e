"""Safe feed subscriptions: fetched in the background (queued, fetching), an entry cap, and review of new entries.

Subscriptions made before this revision keep the behaviour they were made with: their entries are published
without review (hold_for_review false); new subscriptions hold them for review unless told otherwise.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 22:00:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0017'
down_revision: Union[str, Sequence[str], None] = '0016'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# The subscription states before and after this revision; written out, since migrations never import node code.
OLD_STATES = ('active', 'backing_off')
NEW_STATES = ('queued', 'fetching', 'active', 'backing_off')


def _states(values: tuple[str, ...]) -> str:
    return 'state IN (' + ', '.join(f"'{value}'" for value in values) + ')'


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('feed_subscriptions') as batch:
        batch.add_column(sa.Column('entries_over_limit', sa.Integer(), server_default='0', nullable=False))
        batch.add_column(sa.Column('hold_for_review', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.drop_constraint(op.f('ck_feed_subscriptions_state'), type_='check')
        batch.create_check_constraint(op.f('ck_feed_subscriptions_state'), _states(NEW_STATES))
    op.create_table(
        'held_feed_entries',
        sa.Column('item_id', sa.String(length=160), nullable=False),
        sa.Column('subscription_id', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.Column('content_hash', sa.String(length=64), nullable=False),
        sa.Column('held_at', sa.DateTime(), nullable=False),
        sa.Column('reviewed_at', sa.DateTime(), nullable=True),
        sa.Column('reviewed_by', sa.String(length=64), nullable=True),
        sa.CheckConstraint("state IN ('held', 'rejected')", name=op.f('ck_held_feed_entries_state')),
        sa.ForeignKeyConstraint(['subscription_id'], ['feed_subscriptions.id'], ondelete='CASCADE',
                                name=op.f('fk_held_feed_entries_subscription_id_feed_subscriptions')),
        sa.PrimaryKeyConstraint('item_id', name=op.f('pk_held_feed_entries')),
    )
    op.create_index(op.f('ix_held_feed_entries_subscription_id'), 'held_feed_entries', ['subscription_id'])
    op.create_index(op.f('ix_held_feed_entries_state'), 'held_feed_entries', ['state'])


def downgrade() -> None:
    """Downgrade schema: held entries are dropped, and subscriptions mid-fetch return to active."""
    op.drop_index(op.f('ix_held_feed_entries_state'), table_name='held_feed_entries')
    op.drop_index(op.f('ix_held_feed_entries_subscription_id'), table_name='held_feed_entries')
    op.drop_table('held_feed_entries')
    op.execute(f"UPDATE feed_subscriptions SET state = 'active' WHERE NOT ({_states(OLD_STATES)})")
    with op.batch_alter_table('feed_subscriptions') as batch:
        batch.drop_constraint(op.f('ck_feed_subscriptions_state'), type_='check')
        batch.create_check_constraint(op.f('ck_feed_subscriptions_state'), _states(OLD_STATES))
        batch.drop_column('hold_for_review')
        batch.drop_column('entries_over_limit')
