"""Equivocation evidence, payload digests in the feed, and the feed's epoch.

Envelope rows get the digest of their payload (announced in the feed; rows from
before this revision are filled in when the node starts) and a conflict flag;
peers remember the epoch of the feed their cursor belongs to; the database
gets a random feed epoch of its own, so a recreated database is a new feed.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 19:00:00

"""
import uuid
from datetime import datetime, timezone
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0013'
down_revision: Union[str, Sequence[str], None] = '0012'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    # Plain ALTER TABLE ADD COLUMN, not batch mode: a batch recreates the table on SQLite without
    # AUTOINCREMENT, and seqs would be reused after a delete (a peer's cursor would skip the new rows).
    op.add_column('envelopes', sa.Column('digest', sa.String(length=64), nullable=True))
    op.add_column('envelopes', sa.Column('conflict', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('peers', sa.Column('epoch', sa.String(length=64), nullable=True))
    epochs = op.create_table(
        'feed_epoch',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('epoch', sa.String(length=64), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_feed_epoch')),
    )
    # Naive UTC, as every timestamp column holds (node.core.models.UTCDateTime).
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    op.bulk_insert(epochs, [{'id': 1, 'epoch': uuid.uuid4().hex, 'started_at': now}])
    op.create_table(
        'equivocations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.String(length=160), nullable=False),
        sa.Column('origin', sa.String(length=64), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('first_digest', sa.String(length=64), nullable=False),
        sa.Column('first_envelope', sa.Text(), nullable=False),
        sa.Column('first_received_from', sa.String(length=64), nullable=True),
        sa.Column('first_received_at', sa.DateTime(), nullable=False),
        sa.Column('second_digest', sa.String(length=64), nullable=False),
        sa.Column('second_envelope', sa.Text(), nullable=False),
        sa.Column('second_received_from', sa.String(length=64), nullable=False),
        sa.Column('detected_at', sa.DateTime(), nullable=False),
        sa.Column('resolved_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_equivocations')),
    )
    op.create_index(op.f('ix_equivocations_item_id'), 'equivocations', ['item_id'], unique=False)
    op.create_index(op.f('ix_equivocations_detected_at'), 'equivocations', ['detected_at'], unique=False)


def downgrade() -> None:
    """Downgrade schema: the evidence and the epoch are dropped; withheld items become visible to relaying again."""
    op.drop_index(op.f('ix_equivocations_detected_at'), table_name='equivocations')
    op.drop_index(op.f('ix_equivocations_item_id'), table_name='equivocations')
    op.drop_table('equivocations')
    op.drop_table('feed_epoch')
    op.drop_column('peers', 'epoch')  # not batch mode, for the reason given in upgrade()
    op.drop_column('envelopes', 'conflict')
    op.drop_column('envelopes', 'digest')
