"""Four-eyes bulletins: who approved an item's current version, when and how.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 07:40:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('items') as batch:
        batch.add_column(sa.Column('approval', sa.String(length=16), nullable=True))
        batch.add_column(sa.Column('approved_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('approved_by_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(batch.f('fk_items_approved_by_id_users'), 'users', ['approved_by_id'], ['id'],
                                 ondelete='SET NULL')


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('items') as batch:
        batch.drop_constraint(batch.f('fk_items_approved_by_id_users'), type_='foreignkey')
        batch.drop_column('approved_by_id')
        batch.drop_column('approved_at')
        batch.drop_column('approval')
