"""Pull history: one row per ended pull from a peer (when, how many stored and refused, outcome, error).

Revision ID: 0022
Revises: 0020
Create Date: 2026-12-02 08:00:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0022'
down_revision: Union[str, Sequence[str], None] = '0021'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema: an empty history; the first pulls after the upgrade fill it."""
    op.create_table(
        'pull_records',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('peer_id', sa.String(length=64), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('finished_at', sa.DateTime(), nullable=False),
        sa.Column('stored', sa.Integer(), nullable=False),
        sa.Column('rejected', sa.Integer(), nullable=False),
        sa.Column('outcome', sa.String(length=16), nullable=False),
        sa.Column('error_kind', sa.String(length=32), nullable=True),
        sa.Column('reason', sa.String(length=500), nullable=True),
        sa.CheckConstraint("outcome IN ('ok', 'failed', 'stopped')", name=op.f('ck_pull_records_outcome')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_pull_records')),
    )
    op.create_index('ix_pull_records_peer_id', 'pull_records', ['peer_id'], unique=False)


def downgrade() -> None:
    """Downgrade schema: the pull history is dropped; peers' last-pull fields stay."""
    op.drop_index('ix_pull_records_peer_id', table_name='pull_records')
    op.drop_table('pull_records')
