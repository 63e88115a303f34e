"""The audit log (logbog): who viewed, listed, searched or exported restricted items, and administrative acts.

Two new tables, nothing changed on existing ones: an event per act, and a row per restricted item an
access concerned (so "who saw item X" is one indexed lookup, while a list of 20 items is one event).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 22:00:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0016'
down_revision: Union[str, Sequence[str], None] = '0015'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        'audit_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('act', sa.String(length=32), nullable=False),
        sa.Column('actor_kind', sa.String(length=16), nullable=False),
        sa.Column('actor_user_id', sa.Integer(), nullable=True),
        sa.Column('actor_name', sa.String(length=64), nullable=False),
        sa.Column('actor_display_name', sa.String(length=120), nullable=False),
        sa.Column('address', sa.String(length=64), nullable=True),
        sa.Column('subject', sa.String(length=200), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('query', sa.Text(), nullable=True),
        sa.Column('item_count', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_audit_events_actor_user_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events')),
    )
    op.create_index(op.f('ix_audit_events_at'), 'audit_events', ['at'], unique=False)
    op.create_index(op.f('ix_audit_events_act'), 'audit_events', ['act'], unique=False)
    op.create_index('ix_audit_events_actor_at', 'audit_events', ['actor_name', 'at'], unique=False)
    op.create_table(
        'audit_event_items',
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.String(length=160), nullable=False),
        sa.Column('audience_kind', sa.String(length=16), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(['event_id'], ['audit_events.id'],
                                name=op.f('fk_audit_event_items_event_id_audit_events'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('event_id', 'position', name=op.f('pk_audit_event_items')),
    )
    op.create_index(op.f('ix_audit_event_items_item_id'), 'audit_event_items', ['item_id'], unique=False)


def downgrade() -> None:
    """Downgrade schema: the log is dropped with its tables."""
    op.drop_index(op.f('ix_audit_event_items_item_id'), table_name='audit_event_items')
    op.drop_table('audit_event_items')
    op.drop_index('ix_audit_events_actor_at', table_name='audit_events')
    op.drop_index(op.f('ix_audit_events_act'), table_name='audit_events')
    op.drop_index(op.f('ix_audit_events_at'), table_name='audit_events')
    op.drop_table('audit_events')
