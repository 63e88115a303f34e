"""Four eyes that hold: who changed the content of the version awaiting approval, and whom an approval covers.

Drafts and bulletins awaiting approval get their creator as their one known author, which is what the
four-eyes check compared with before this revision. Approvals made before it keep no authors (null):
who else changed those versions was never recorded.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 20:15:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0014'
down_revision: Union[str, Sequence[str], None] = '0013'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

items = sa.table('items', sa.column('id', sa.String), sa.column('status', sa.String),
                 sa.column('author_id', sa.Integer), sa.column('content_authors', sa.JSON))
users = sa.table('users', sa.column('id', sa.Integer), sa.column('username', sa.String))


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column('items', sa.Column('content_authors', sa.JSON(), server_default='[]', nullable=False))
    op.add_column('items', sa.Column('approved_authors', sa.JSON(), nullable=True))
    unpublished = sa.select(items.c.id, users.c.username).join(users, users.c.id == items.c.author_id).where(
        items.c.status.in_(('draft', 'awaiting_approval')))
    for item_id, username in op.get_bind().execute(unpublished).all():
        op.execute(items.update().where(items.c.id == item_id).values(content_authors=[username]))


def downgrade() -> None:
    """Downgrade schema: the four-eyes check falls back to the creator alone."""
    op.drop_column('items', 'approved_authors')
    op.drop_column('items', 'content_authors')
