"""State checks: the state columns hold only their enum's values.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 09:00:00

"""
from typing import Sequence, Union

from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0008'
down_revision: Union[str, Sequence[str], None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# (table, column, the enum's values) as of this revision; written out, since migrations never import node code.
STATE_COLUMNS = [
    ('items', 'status', ('draft', 'awaiting_approval', 'published', 'retracted', 'expired')),
    ('feed_subscriptions', 'state', ('active', 'backing_off')),
    ('peers', 'state', ('pending', 'approved', 'backing_off')),
    ('index_tasks', 'state', ('queued', 'done')),
]


def upgrade() -> None:
    """Upgrade schema."""
    for table, column, values in STATE_COLUMNS:
        allowed = ', '.join(f"'{value}'" for value in values)
        with op.batch_alter_table(table) as batch:
            batch.create_check_constraint(op.f(f'ck_{table}_{column}'), f'{column} IN ({allowed})')


def downgrade() -> None:
    """Downgrade schema."""
    for table, column, _ in reversed(STATE_COLUMNS):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(op.f(f'ck_{table}_{column}'), type_='check')
