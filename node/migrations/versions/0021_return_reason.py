"""Send back with a reason: why, when and by whom a bulletin awaiting approval was sent back as a draft.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02 07:20:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0021'
down_revision: Union[str, Sequence[str], None] = '0020'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema: three nullable columns, empty for bulletins sent back before (their reason was never asked)."""
    with op.batch_alter_table('items') as batch:
        batch.add_column(sa.Column('return_reason', sa.Text(), nullable=True))
        batch.add_column(sa.Column('returned_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('returned_by_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(batch.f('fk_items_returned_by_id_users'), 'users', ['returned_by_id'], ['id'],
                                 ondelete='SET NULL')


def downgrade() -> None:
    """Downgrade schema: the reasons are dropped; the bulletins stay drafts."""
    with op.batch_alter_table('items') as batch:
        batch.drop_constraint(batch.f('fk_items_returned_by_id_users'), type_='foreignkey')
        batch.drop_column('returned_by_id')
        batch.drop_column('returned_at')
        batch.drop_column('return_reason')
