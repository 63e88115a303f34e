"""Search outbox: index tasks queued in the same transaction as item changes.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 11:53:29.755915

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('index_tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.String(length=160), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('done_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_index_tasks'))
    )
    with op.batch_alter_table('index_tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_index_tasks_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_index_tasks_state'), ['state'], unique=False)



def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('index_tasks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_index_tasks_state'))
        batch_op.drop_index(batch_op.f('ix_index_tasks_item_id'))

    op.drop_table('index_tasks')
