"""Federation: signed envelopes (the changes feed), peers, accepted node keys, waiting envelopes, rejections.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 11:46:22.449321

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('envelopes',
    sa.Column('seq', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('item_id', sa.String(length=160), nullable=False),
    sa.Column('origin', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('audience', sa.JSON(), nullable=False),
    sa.Column('envelope', sa.Text(), nullable=False),
    sa.Column('received_from', sa.String(length=64), nullable=True),
    sa.Column('stored_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_envelopes')),
    sa.UniqueConstraint('item_id', name=op.f('uq_envelopes_item_id')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('envelopes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_envelopes_origin'), ['origin'], unique=False)
        batch_op.create_index(batch_op.f('ix_envelopes_stored_at'), ['stored_at'], unique=False)

    op.create_table('known_nodes',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('public_key', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('municipality', sa.String(length=4), nullable=True),
    sa.Column('district', sa.String(length=64), nullable=True),
    sa.Column('descriptor', sa.Text(), nullable=False),
    sa.Column('endorsement', sa.Text(), nullable=True),
    sa.Column('vouched_by', sa.String(length=64), nullable=False),
    sa.Column('previous_keys', sa.JSON(), nullable=False),
    sa.Column('rotations', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_known_nodes'))
    )
    op.create_table('peers',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('url', sa.String(length=300), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('municipality', sa.String(length=4), nullable=True),
    sa.Column('district', sa.String(length=64), nullable=True),
    sa.Column('public_key', sa.String(length=64), nullable=False),
    sa.Column('descriptor', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('cursor', sa.Integer(), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('next_pull_at', sa.DateTime(), nullable=True),
    sa.Column('last_pull_at', sa.DateTime(), nullable=True),
    sa.Column('last_success_at', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('received_total', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_peers'))
    )
    with op.batch_alter_table('peers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_peers_state'), ['state'], unique=False)

    op.create_table('rejections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('received_from', sa.String(length=64), nullable=False),
    sa.Column('item_id', sa.String(length=160), nullable=True),
    sa.Column('version', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rejections'))
    )
    with op.batch_alter_table('rejections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rejections_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_rejections_received_from'), ['received_from'], unique=False)

    op.create_table('waiting_envelopes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.String(length=160), nullable=False),
    sa.Column('origin', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('envelope', sa.Text(), nullable=False),
    sa.Column('received_from', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_waiting_envelopes'))
    )
    with op.batch_alter_table('waiting_envelopes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_waiting_envelopes_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_waiting_envelopes_origin'), ['origin'], unique=False)



def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('waiting_envelopes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_waiting_envelopes_origin'))
        batch_op.drop_index(batch_op.f('ix_waiting_envelopes_item_id'))

    op.drop_table('waiting_envelopes')
    with op.batch_alter_table('rejections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rejections_received_from'))
        batch_op.drop_index(batch_op.f('ix_rejections_at'))

    op.drop_table('rejections')
    with op.batch_alter_table('peers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_peers_state'))

    op.drop_table('peers')
    op.drop_table('known_nodes')
    with op.batch_alter_table('envelopes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_envelopes_stored_at'))
        batch_op.drop_index(batch_op.f('ix_envelopes_origin'))

    op.drop_table('envelopes')
