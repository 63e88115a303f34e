"""Tags as people type them: one key per tag, whatever its case or its æ/ø/å spelling."""

# The spellings a Danish keyboard, an English one and a copied text give for the same letter.
_SPELLINGS = {"æ": "ae", "ø": "oe", "å": "aa", "ä": "ae", "ö": "oe", "ü": "u", "é": "e"}
_FOLD = str.maketrans(_SPELLINGS)

# The item_terms field holding each tag's key, so that a tag filter is an equality an index can serve.
TAG_KEYS = "tag_keys"


def tag_key(tag: str) -> str:
    """A tag as filters compare it ('Skolefravær', 'SKOLEFRAVÆR', 'skolefravaer' → 'skolefravaer')."""
    return " ".join(tag.split()).casefold().translate(_FOLD)

