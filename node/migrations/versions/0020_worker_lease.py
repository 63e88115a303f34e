"""The worker lease: one row naming the process that runs the node's background jobs, and until when.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02 01:30:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0020'
down_revision: Union[str, Sequence[str], None] = '0019'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema: the one lease row, released, so the first worker takes it with an UPDATE."""
    table = op.create_table(
        'worker_lease',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('holder_token', sa.String(length=64), nullable=True),
        sa.Column('holder_host', sa.String(length=255), nullable=True),
        sa.Column('holder_pid', sa.Integer(), nullable=True),
        sa.Column('acquired_at', sa.DateTime(), nullable=True),
        sa.Column('renewed_at', sa.DateTime(), nullable=True),
        sa.Column('expires_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint("state IN ('held', 'released')", name=op.f('ck_worker_lease_state')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_worker_lease')),
    )
    op.bulk_insert(table, [{'id': 1, 'state': 'released'}])


def downgrade() -> None:
    """Downgrade schema: a running worker loses its lease and stops its jobs."""
    op.drop_table('worker_lease')
