"""Tag keys: each tag's folded key as its own item_terms rows, and an index on (field, value, item_id).

A tag filter compared the folded tags (so 'Skolefravær' finds 'skolefravaer'), which no index can
serve; as rows of field 'tag_keys' it is an equality that ix_item_terms_field_value finds, as are the
other term filters.

Revision ID: 0025
Revises: 0023
Create Date: 2026-12-03 16:40:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0025'
down_revision: Union[str, Sequence[str], None] = '0023'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# node.items.tags.tag_key as of this revision, copied so that the migration stays valid when the code moves on;
# the rows it writes must equal those publishing writes.
_FOLD = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "ä": "ae", "ö": "oe", "ü": "u", "é": "e"})
TAG_KEYS = 'tag_keys'


def tag_key(tag: str) -> str:
    """A tag's key: its words, case-folded, æ/ø/å spelled out."""
    return " ".join(tag.split()).casefold().translate(_FOLD)


TERMS = sa.table('item_terms', sa.column('item_id', sa.String), sa.column('field', sa.String),
                 sa.column('value', sa.String))
CHUNK = 5000  # rows per insert


def upgrade() -> None:
    """Upgrade schema: the keys of every item's tags (a few seconds at 100,000 items), then the index."""
    tags = op.get_bind().execute(sa.select(TERMS.c.item_id, TERMS.c.value).where(TERMS.c.field == 'tags'))
    keys = sorted({(item_id, tag_key(tag)) for item_id, tag in tags})
    rows = [{'item_id': item_id, 'field': TAG_KEYS, 'value': key} for item_id, key in keys]
    for start in range(0, len(rows), CHUNK):
        op.bulk_insert(TERMS, rows[start:start + CHUNK])
    op.create_index('ix_item_terms_field_value', 'item_terms', ['field', 'value', 'item_id'], unique=False)


def downgrade() -> None:
    """Downgrade schema: tag filters fold the tags again."""
    op.drop_index('ix_item_terms_field_value', table_name='item_terms')
    op.execute(TERMS.delete().where(TERMS.c.field == TAG_KEYS))
