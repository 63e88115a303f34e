"""Peers: the clock offset seen in their last answer.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 19:10:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0010'
down_revision: Union[str, Sequence[str], None] = '0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('peers') as batch:
        batch.add_column(sa.Column('clock_offset_seconds', sa.Integer(), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('peers') as batch:
        batch.drop_column('clock_offset_seconds')
