"""Tags as people type them: one key per tag, whatever its case or its æ/ø/å spelling."""

from __future__ import annotations

from sqlalchemy import ColumnElement, func

# The spellings a Danish keyboard, an English one and a copied text give for the same letter.
_SPELLINGS = {"æ": "ae", "ø": "oe", "å": "aa", "ä": "ae", "ö": "oe", "ü": "u", "é": "e"}
_FOLD = str.maketrans(_SPELLINGS)


def tag_key(tag: str) -> str:
    """A tag as filters compare it ('Skolefravær', 'SKOLEFRAVÆR', 'skolefravaer' → 'skolefravaer')."""
    return " ".join(tag.split()).casefold().translate(_FOLD)


def tag_key_sql(column: ColumnElement[str]) -> ColumnElement[str]:
    """The same key computed by the database, so list filters compare tags as the search index does."""
    # SQLite's lower() folds ASCII only, so the capital letters are replaced by their spelling too.
    folded = column
    for letter, spelling in _SPELLINGS.items():
        folded = func.replace(func.replace(folded, letter.upper(), spelling), letter, spelling)
    return func.lower(folded)
