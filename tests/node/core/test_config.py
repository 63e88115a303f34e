"""Node configuration: the bulletin rules come from VIDENSNET_* variables with safe defaults."""

from __future__ import annotations

from datetime import timedelta

import pytest

from node.core.config import ConfigError, load_config
from node.process import open_process


def test_bulletin_rules_default_to_five_and_one_hundred_eighty_days_and_the_nodes_district(node_home, monkeypatch):
    monkeypatch.delenv("VIDENSNET_SMALL_COUNT_THRESHOLD", raising=False)
    monkeypatch.delenv("VIDENSNET_BULLETIN_MAX_DAYS", raising=False)
    rules = load_config(node_home).local_rules()
    assert (rules.home_district, rules.small_count_threshold, rules.bulletin_max_days) == ("Østjyllands Politi", 5, 180)


def test_threshold_and_maximum_are_configurable(node_home, monkeypatch):
    monkeypatch.setenv("VIDENSNET_SMALL_COUNT_THRESHOLD", "3")
    monkeypatch.setenv("VIDENSNET_BULLETIN_MAX_DAYS", "60")
    rules = load_config(node_home).local_rules()
    assert (rules.small_count_threshold, rules.bulletin_max_days, rules.bulletin_lifetime_days) == (3, 60, 60)


def test_a_threshold_below_two_is_refused_naming_the_variable(node_home, monkeypatch):
    monkeypatch.setenv("VIDENSNET_SMALL_COUNT_THRESHOLD", "1")
    with pytest.raises(ConfigError, match="VIDENSNET_SMALL_COUNT_THRESHOLD"):
        load_config(node_home)


def test_the_key_grace_window_defaults_to_thirty_days_and_reaches_the_local_node(node_home, monkeypatch):
    monkeypatch.delenv("VIDENSNET_KEY_GRACE_DAYS", raising=False)
    assert load_config(node_home).key_grace_days == 30
    monkeypatch.setenv("VIDENSNET_KEY_GRACE_DAYS", "0")
    assert open_process(load_config(node_home)).local.key_grace == timedelta(0)
    monkeypatch.setenv("VIDENSNET_KEY_GRACE_DAYS", "-1")
    with pytest.raises(ConfigError, match="VIDENSNET_KEY_GRACE_DAYS"):
        load_config(node_home)
