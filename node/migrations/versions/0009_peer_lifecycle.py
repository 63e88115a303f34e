"""Peer lifecycle: peers may also be suspended or blocked by an admin.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 17:30:00

"""
from typing import Sequence, Union

from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0009'
down_revision: Union[str, Sequence[str], None] = '0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

BEFORE = ('pending', 'approved', 'backing_off')
AFTER = BEFORE + ('suspended', 'blocked')


def _check(values) -> str:
    return 'state IN (' + ', '.join(f"'{value}'" for value in values) + ')'


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('peers') as batch:
        batch.drop_constraint(op.f('ck_peers_state'), type_='check')
        batch.create_check_constraint(op.f('ck_peers_state'), _check(AFTER))


def downgrade() -> None:
    """Downgrade schema: suspended and blocked peers become pending, so an admin decides about them again."""
    op.execute("UPDATE peers SET state = 'pending' WHERE state IN ('suspended', 'blocked')")
    with op.batch_alter_table('peers') as batch:
        batch.drop_constraint(op.f('ck_peers_state'), type_='check')
        batch.create_check_constraint(op.f('ck_peers_state'), _check(BEFORE))
