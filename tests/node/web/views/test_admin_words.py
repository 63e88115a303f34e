"""The admin page in people's words: sections with a table of contents, nodes by name, states and key sources
as labels, Danish sentences for peer and feed errors with the raw reason kept as the technical cause."""

from __future__ import annotations

import html
import re

from federation.alerts import record_false_facts
from federation.models import Peer, PeerState
from node.core.models import FeedSubscription, SubscriptionState
from tests.helpers.danish_text import danish_leftovers
from tests.helpers.envelopes import know_origin
from tests.helpers.web import login
from tests.node.web.views.admin_english import in_english

RAW_VALUES = ("backing_off", "approved", "municipality", "police", "national", "peering", "queued", "ConnectionError")


def visible_text(page: str) -> str:
    """What a reader sees outside the technical details: no attributes, no code elements, no <details>."""
    page = re.sub(r"<details.*?</details>|<code>.*?</code>", " ", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def admin_page(app) -> str:
    admin = app.test_client()
    login(admin, "admin")
    return admin.get("/admin/").get_data(as_text=True)


def add_failing_peer(sessions) -> None:
    with sessions.begin() as session:
        know_origin(session)  # Randers, known through its signed descriptor (vouched for by "test")
        session.add(Peer(id="oestjyllands-politi", name="Østjyllands Politi", kind="police", public_key="k",
                         descriptor="{}", url="http://politi.test", state=PeerState.BACKING_OFF, cursor=0, failures=2,
                         received_total=34, district="Østjyllands Politi", last_error="no answer: ConnectionError"))
        session.add(FeedSubscription(url="https://dkr.test/feed", state=SubscriptionState.QUEUED, failures=0,
                                     hold_for_review=True, last_error="feedet kunne ikke hentes"))


def test_the_admin_page_has_a_table_of_contents_linking_to_each_section(app, users):
    page = admin_page(app)
    toc = page.split('<nav aria-label="Indhold"', 1)[1].split("</nav>", 1)[0]
    anchors = re.findall(r'href="#([a-z-]+)"', toc)
    assert [re.sub(r"<[^>]+>", "", link) for link in re.findall(r'href="#[a-z-]+">(.*?)</a>', toc)] == [
        "Noden", "Forbindelser", "Nøgler og tillid", "Ventende og afviste data", "Eksterne feeds", "Brugere",
        "Søgning", "Revisionslog"]
    assert all(f'<h2 id="{anchor}">' in page for anchor in anchors)


def test_peers_and_known_nodes_are_shown_by_name_with_danish_states_and_key_sources(app, users, sessions):
    add_failing_peer(sessions)
    page = admin_page(app)
    text = visible_text(page)
    assert "Østjyllands Politi" in text and "Randers Kommune" in text
    assert "oestjyllands-politi" not in text and "randers-kommune" not in text
    assert "Venter efter fejl" in text and "Anbefalet af test" in text
    assert '<td><span title="randers-kommune">Randers Kommune</span></td><td>Kommune</td>' in page
    assert not [raw for raw in RAW_VALUES if re.search(rf"\b{raw}\b", text)]


def test_a_peer_error_is_a_danish_sentence_with_the_raw_reason_under_technical_cause(app, users, sessions):
    add_failing_peer(sessions)
    page = html.unescape(admin_page(app))
    assert ("Forbindelsen blev afvist, eller noden kunne ikke nås.<details class=\"technical\"><summary>Teknisk årsag"
            "</summary><code>no answer: ConnectionError</code></details>") in page
    assert "Feedet kunne ikke hentes." in page and "Venter på hentning" in page


def test_the_changes_feed_position_is_told_as_a_number_of_changes(app, users):
    text = visible_text(admin_page(app))
    assert "Noden har registreret 0 ændringer, som dens peers kan hente." in text and "position" not in text


def record_randers_claiming_to_be_the_police(sessions) -> None:
    """Randers, approved as a municipality, has signed a descriptor saying it is Østjyllands Politi."""
    approved = {"kind": "municipality", "municipality": "0730", "district": None}
    claimed = {"payload": {"public_key": "key-1", "issued_at": "2026-12-01T09:00:00Z", "kind": "police",
                           "municipality": None, "district": "Østjyllands Politi"}}
    with sessions.begin() as session:
        record_false_facts(session, "randers-kommune", approved, claimed)


def test_a_peer_claiming_other_facts_is_told_in_labels_and_names_never_as_raw_values(app, users, sessions):
    add_failing_peer(sessions)
    record_randers_claiming_to_be_the_police(sessions)
    page = html.unescape(admin_page(app))
    assert ('påstod Politikreds / Infohus, Østjyllands Politi, godkendt som Kommune, '
            '<span title="Kommunekode 0730">Randers</span>') in page
    assert "'kind'" not in page and "Randers Kommune påstod at være noget andet" in page


def test_in_english_peers_feeds_alerts_and_claims_are_told_in_english_with_names_marked_danish(app, users, sessions):
    add_failing_peer(sessions)
    record_randers_claiming_to_be_the_police(sessions)
    admin = app.test_client()
    login(admin, "admin")
    page = in_english(admin).get("/admin/").get_data(as_text=True)
    assert "2 failures in a row; next attempt" in page and "34 changes" in page
    assert "The connection was refused, or the node could not be reached." in page
    assert "The feed could not be fetched." in page and "Not fetched yet" in page and "Held for review" in page
    assert '<span lang="da">Randers Kommune</span> claimed to be something other than it is approved as.' in page
    assert ', approved as ' in page and '<span lang="da">Østjyllands Politi</span>' in page
    assert danish_leftovers(page) == []
