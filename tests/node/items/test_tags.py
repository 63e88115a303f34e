"""Tag keys: one per tag, whatever its case or æ/ø/å spelling, the same in Python and in the database."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, literal, select

from node.items.tags import tag_key, tag_key_sql


@pytest.mark.parametrize("spelling", ["Skolefravær", "SKOLEFRAVÆR", "skolefravaer", "  Skolefravær ", "SkoleFravÆr"])
def test_every_spelling_of_a_tag_has_the_same_key(spelling):
    assert tag_key(spelling) == "skolefravaer"


def test_different_tags_keep_different_keys():
    assert tag_key("Gadeplan") != tag_key("Gade plan") and tag_key("Åben skole") == "aaben skole"


@pytest.mark.parametrize("tag", ["Skolefravær", "SKOLEFRAVÆR", "Øresund", "ÅBEN SKOLE", "Müller", "Café"])
def test_sqlite_computes_the_same_key_as_python(tag):
    with create_engine("sqlite://").connect() as conn:
        assert conn.scalar(select(tag_key_sql(literal(tag)))) == tag_key(tag)


def test_postgresql_computes_the_same_key_as_python(postgresql_server):
    engine = create_engine(postgresql_server.new_database())
    try:
        with engine.connect() as conn:
            for tag in ("Skolefravær", "SKOLEFRAVÆR", "Øresund", "ÅBEN SKOLE", "Müller", "Café"):
                assert conn.scalar(select(tag_key_sql(literal(tag)))) == tag_key(tag), tag
    finally:
        engine.dispose()
