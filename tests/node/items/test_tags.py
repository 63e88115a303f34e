"""Tag keys: one per tag, whatever its case or æ/ø/å spelling."""

from __future__ import annotations

import pytest

from node.items.tags import tag_key


@pytest.mark.parametrize("spelling", ["Skolefravær", "SKOLEFRAVÆR", "skolefravaer", "  Skolefravær ", "SkoleFravÆr"])
def test_every_spelling_of_a_tag_has_the_same_key(spelling):
    assert tag_key(spelling) == "skolefravaer"


def test_different_tags_keep_different_keys():
    assert tag_key("Gadeplan") != tag_key("Gade plan") and tag_key("Åben skole") == "aaben skole"

