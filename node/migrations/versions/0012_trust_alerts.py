"""Trust alerts, introducer peers and longer vouched_by: keys need an anchor, an introducer or two peers.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 19:00:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0012'
down_revision: Union[str, Sequence[str], None] = '0011'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        'trust_alerts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('node', sa.String(length=64), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('keys', sa.JSON(), nullable=False),
        sa.Column('claims', sa.JSON(), nullable=False),
        sa.Column('evidence', sa.Text(), nullable=False),
        sa.Column('reported_by', sa.String(length=64), nullable=False),
        sa.Column('first_seen_at', sa.DateTime(), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(), nullable=False),
        sa.Column('seen', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_trust_alerts')),
    )
    op.create_index(op.f('ix_trust_alerts_node'), 'trust_alerts', ['node'], unique=False)
    op.create_index(op.f('ix_trust_alerts_first_seen_at'), 'trust_alerts', ['first_seen_at'], unique=False)
    with op.batch_alter_table('peers') as batch:
        batch.add_column(sa.Column('introducer', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('known_nodes') as batch:
        batch.alter_column('vouched_by', existing_type=sa.String(length=64), type_=sa.String(length=200),
                           existing_nullable=False)


def downgrade() -> None:
    """Downgrade schema: agreeing endorsers' ids are cut to the first one."""
    op.execute("UPDATE known_nodes SET vouched_by = substr(vouched_by, 1, 64)")
    with op.batch_alter_table('known_nodes') as batch:
        batch.alter_column('vouched_by', existing_type=sa.String(length=200), type_=sa.String(length=64),
                           existing_nullable=False)
    with op.batch_alter_table('peers') as batch:
        batch.drop_column('introducer')
    op.drop_index(op.f('ix_trust_alerts_first_seen_at'), table_name='trust_alerts')
    op.drop_index(op.f('ix_trust_alerts_node'), table_name='trust_alerts')
    op.drop_table('trust_alerts')
