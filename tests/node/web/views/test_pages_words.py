"""Item cards, lists and item pages name other nodes and municipalities in people's words, dates in Danish."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import delete

from federation.ingest import ingest
from federation.models import KnownNode
from tests.helpers.envelopes import ME, envelope, know_origin
from tests.helpers.nodes import SINKS

ITEM = "/items/randers-kommune:plan"


def visible_text(page: str) -> str:
    """What a reader sees: no attributes (a title is for hovering) and no code elements (deliberate ids)."""
    page = re.sub(r"<code>.*?</code>", " ", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


@pytest.fixture
def replica(sessions):
    """A public method from Randers Kommune, whose descriptor this node holds."""
    with sessions.begin() as session:
        know_origin(session)
        ingest(session, envelope(1, title="Natteravne i Vorup", published_at="2026-11-01T09:00:00Z",
                                 details={"evidence": "Godt"}), "randers-kommune", ME, SINKS)


def test_the_card_on_the_list_names_the_origin_and_the_municipality_never_their_ids(client, replica):
    page = client.get("/metoder").get_data(as_text=True)
    card = page.split('class="card"', 1)[1].split("</article>", 1)[0]
    assert "Fra <span title=\"randers-kommune\">Randers Kommune</span>" in card
    assert '<span title="Kommunekode 0730">Randers</span>' in card
    assert "randers-kommune" not in visible_text(card) and "0730" not in visible_text(card)
    assert '<time datetime="2026-11-01T09:00:00+00:00">1. november 2026</time>' in card


def test_the_item_page_says_who_published_it_by_name_and_dates_in_danish(client, replica):
    page = client.get(ITEM).get_data(as_text=True)
    facts = page.split('aria-label="Fakta om emnet"', 1)[1].split("</aside>", 1)[0]
    assert "<dt>Udgivet af</dt><dd><span title=\"randers-kommune\">Randers Kommune</span></dd>" in facts
    text = visible_text(facts)
    assert "randers-kommune" not in text and "0730" not in text
    assert "1. november 2026" in text and not re.search(r"\d\d\.\d\d\.\d{4}", text)


def test_an_origin_without_a_known_descriptor_is_shown_by_its_id(client, sessions):
    with sessions.begin() as session:
        know_origin(session)
        ingest(session, envelope(1), "randers-kommune", ME, SINKS)
        session.execute(delete(KnownNode))  # the descriptor is gone: nothing names the origin any more
    page = client.get(ITEM).get_data(as_text=True)
    assert "<dt>Udgivet af</dt><dd><span title=\"randers-kommune\">randers-kommune</span></dd>" in page
