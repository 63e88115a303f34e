"""Plan endorsements: feed rows about another item (their plan), and envelopes waiting for a plan.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 08:50:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('envelopes') as batch:
        batch.add_column(sa.Column('subject', sa.String(length=160), nullable=True))
        batch.create_index(batch.f('ix_envelopes_subject'), ['subject'], unique=False)
    with op.batch_alter_table('waiting_envelopes') as batch:
        batch.add_column(sa.Column('waits_for', sa.String(length=16), server_default='key', nullable=False))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('waiting_envelopes') as batch:
        batch.drop_column('waits_for')
    with op.batch_alter_table('envelopes') as batch:
        batch.drop_index(batch.f('ix_envelopes_subject'))
        batch.drop_column('subject')
