"""The VIDENSNET_MEILISEARCH_* variables: the node's index name and which key an external Meilisearch needs."""

from __future__ import annotations

import pytest

from node.core.config import ConfigError, load_search_settings

VARIABLES = ("VIDENSNET_MEILISEARCH_URL", "VIDENSNET_MEILISEARCH_KEY", "VIDENSNET_MEILISEARCH_MASTER_KEY",
             "VIDENSNET_MEILISEARCH_INDEX")
SECRET = "s3cret-key-value-never-shown"


@pytest.fixture
def search_env(monkeypatch):
    """Sets the given search variables and clears the others."""
    def configure(**values: str) -> None:
        for name in VARIABLES:
            monkeypatch.delenv(name, raising=False)
        for name, value in values.items():
            monkeypatch.setenv(f"VIDENSNET_MEILISEARCH_{name.upper()}", value)
    return configure


def test_the_index_defaults_to_vidensnet_items_and_follows_its_variable(search_env):
    search_env()
    assert load_search_settings().meilisearch_index == "vidensnet_items"
    search_env(index="aarhus-kommune_items")
    assert load_search_settings().meilisearch_index == "aarhus-kommune_items"


@pytest.mark.parametrize("name", [" ", "-lead", "with space", "æøå", "a/b", "twin--reindex", "x" * 101])
def test_an_index_name_meilisearch_would_refuse_or_that_could_be_a_twin_is_refused_naming_the_variable(
        search_env, name):
    search_env(index=name)
    with pytest.raises(ConfigError, match="VIDENSNET_MEILISEARCH_INDEX"):
        load_search_settings()


@pytest.mark.parametrize(("values", "named"), [
    ({"url": "http://search:7700"}, "VIDENSNET_MEILISEARCH_URL is set without a key"),
    ({"url": "http://search:7700", "key": SECRET, "master_key": SECRET}, "both set"),
    ({"key": SECRET}, "VIDENSNET_MEILISEARCH_KEY is set without VIDENSNET_MEILISEARCH_URL"),
    ({"master_key": SECRET}, "VIDENSNET_MEILISEARCH_MASTER_KEY is set without VIDENSNET_MEILISEARCH_URL"),
])
def test_an_external_meilisearch_without_exactly_one_key_is_refused_naming_the_variables(search_env, values, named):
    search_env(**values)
    with pytest.raises(ConfigError, match=named) as refused:
        load_search_settings()
    assert SECRET not in str(refused.value)


def test_an_external_meilisearch_takes_a_key_or_a_master_key_and_never_shows_either(search_env):
    search_env(url="http://search:7700", key=SECRET)
    assert load_search_settings().meilisearch_key == SECRET
    search_env(url="http://search:7700", master_key=SECRET)
    settings = load_search_settings()
    assert settings.meilisearch_master_key == SECRET and SECRET not in repr(settings)
