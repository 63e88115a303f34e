"""The layout every page shares (templates/base.html): the node's name and kind, the header search and the footer."""

from __future__ import annotations

import pytest

from federation.identity import generate_node_key
from node.core.config import NodeSettings, load_config, write_settings
from node.core.db import upgrade_database
from node.web.app import create_app

NODES = {
    "politi": NodeSettings("ostjyllands-politi", "Østjyllands Politi", "police", "http://127.0.0.1:8080",
                           district="Østjyllands Politi"),
    "dkr": NodeSettings("dkr", "Det Kriminalpræventive Råd", "national", "http://127.0.0.1:8080"),
}


def _front_page(tmp_path, settings: NodeSettings) -> str:
    home = tmp_path / settings.id
    write_settings(home, settings)
    generate_node_key(home / "keys")
    upgrade_database(load_config(home).database_url)
    return create_app(load_config(home)).test_client().get("/").get_data(as_text=True)


@pytest.mark.parametrize(("node", "kind"), [("politi", "Politikreds"), ("dkr", "Nationalt organ")])
def test_the_header_names_the_node_and_its_kind_in_danish(tmp_path, node, kind):
    html = _front_page(tmp_path, NODES[node])
    assert f'<span class="brand-node">{NODES[node].name} <span class="brand-kind">{kind}</span></span>' in html


def test_a_municipality_is_not_called_kommune_twice(client):
    html = client.get("/").get_data(as_text=True)
    assert '<span class="brand-node">Aarhus Kommune</span>' in html and "brand-kind" not in html


def test_the_footer_names_the_node_without_its_id(client):
    footer = client.get("/").get_data(as_text=True).split('<footer class="site-footer">')[1]
    assert "Aarhus Kommune" in footer and "aarhus-kommune" not in footer


def test_every_page_but_the_search_page_has_the_header_search_box(client):
    assert 'id="header-q"' in client.get("/praksis").get_data(as_text=True)
    search_page = client.get("/sog?q=skolefravær").get_data(as_text=True)
    assert 'id="header-q"' not in search_page and search_page.count('role="search"') == 1
