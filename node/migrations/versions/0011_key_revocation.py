"""Key retirement and revocation: when each previous key of a known node was retired, and since when it is revoked.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 19:00:00

"""
import json
from datetime import UTC, datetime
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0011'
down_revision: Union[str, Sequence[str], None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema; keys rotated away from before it start their grace window now."""
    table = op.create_table('retired_keys',
    sa.Column('node_id', sa.String(length=64), nullable=False),
    sa.Column('public_key', sa.String(length=64), nullable=False),
    sa.Column('retired_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_since', sa.DateTime(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('node_id', 'public_key', name=op.f('pk_retired_keys'))
    )
    # When those rotations were followed was never recorded; the upgrade is the earliest honest moment.
    now = datetime.now(UTC).replace(tzinfo=None)  # naive UTC, as UTCDateTime stores it
    rows = op.get_bind().execute(sa.text('SELECT id, previous_keys FROM known_nodes')).all()
    keys = {(node_id, key) for node_id, previous in rows for key in _keys(previous)}
    if keys:
        op.bulk_insert(table, [{'node_id': n, 'public_key': k, 'retired_at': now} for n, k in sorted(keys)])


def _keys(previous) -> list[str]:
    value = json.loads(previous) if isinstance(previous, str) else previous
    return [k for k in value or [] if isinstance(k, str)]


def downgrade() -> None:
    """Downgrade schema: previous keys are accepted without limit again (they stay in known_nodes)."""
    op.drop_table('retired_keys')
