"""Withdrawals: an item's earlier audiences and the signed withdrawal served to nodes outside its new one.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 02:15:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('envelopes') as batch:
        batch.add_column(sa.Column('withdrawn_from', sa.JSON(), nullable=True))
        batch.add_column(sa.Column('withdrawal', sa.Text(), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('envelopes') as batch:
        batch.drop_column('withdrawal')
        batch.drop_column('withdrawn_from')
