"""The English catalogue is complete: every message the code and templates mark has an English translation with
the same placeholders, and the compiled catalogue the node loads is the one built from it."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from node.web.language import TRANSLATIONS

REPO = Path(__file__).resolve().parents[2]
ENGLISH = TRANSLATIONS / "en" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def marked_messages() -> set[str | tuple[str, str]]:
    """Every message marked in node/, federation/, search/ and templates/, as babel.cfg says where to look."""
    method_map, options_map = parse_mapping_cfg(io.StringIO((TRANSLATIONS / "babel.cfg").read_text("utf-8")))
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(str(REPO), method_map, options_map):
        found.add(message if isinstance(message, str) else tuple(message))
    return found


@pytest.fixture(scope="module")
def english() -> Catalog:
    with open(ENGLISH / "messages.po", "rb") as po:
        return read_po(po, locale="en")


def _translations(catalog: Catalog) -> dict:
    return {(m.id if isinstance(m.id, str) else tuple(m.id)): m for m in catalog if m.id}


def test_every_marked_message_has_an_english_translation(english):
    entries = _translations(english)
    missing = [m for m in sorted(marked_messages(), key=str)
               if m not in entries or "fuzzy" in entries[m].flags
               or not all(entries[m].string if isinstance(m, tuple) else [entries[m].string])]
    assert not missing, f"{len(missing)} messages without English (docs/translation.md): {missing[:20]}"


def test_translations_keep_the_placeholders_of_the_danish(english):
    wrong = []
    for key, message in _translations(english).items():
        danish = " ".join(key) if isinstance(key, tuple) else key
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in strings:
            if text and set(PLACEHOLDER.findall(text)) - set(PLACEHOLDER.findall(danish)):
                wrong.append((danish, text))
            elif text and not isinstance(key, tuple) and set(PLACEHOLDER.findall(text)) != set(
                    PLACEHOLDER.findall(danish)):
                wrong.append((danish, text))
    assert not wrong, wrong[:10]


def test_the_catalogue_holds_no_message_the_code_no_longer_marks(english):
    stale = set(_translations(english)) - marked_messages()
    assert not stale, f"remove these from the catalogue (pybabel update): {sorted(stale, key=str)[:20]}"


def test_the_compiled_catalogue_is_built_from_the_current_translations(english):
    built = io.BytesIO()
    write_mo(built, english)
    assert (ENGLISH / "messages.mo").read_bytes() == built.getvalue(), (
        "run: .venv/bin/pybabel compile -d node/translations")
