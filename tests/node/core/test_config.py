"""Node configuration: the bulletin rules come from VIDENSNET_* variables with safe defaults."""

from __future__ import annotations

from datetime import timedelta

import pytest

from node.core.config import AccountRules, ConfigError, load_config
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


ACCOUNT_VARIABLES = ("VIDENSNET_SESSION_IDLE_MINUTES", "VIDENSNET_SESSION_MAX_HOURS", "VIDENSNET_LOGIN_RATE",
                     "VIDENSNET_RATE_LIMIT_STORAGE", "VIDENSNET_LOGIN_LOCKOUT_FAILURES",
                     "VIDENSNET_LOGIN_LOCKOUT_MINUTES", "VIDENSNET_LOGIN_RECORD_DAYS")


def test_session_and_login_rules_default_for_one_node_and_follow_their_variables(node_home, monkeypatch):
    for name in ACCOUNT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    assert load_config(node_home).accounts == AccountRules(60, 12, "10/minute", "memory://", 5, 15, 365)
    for name, value in zip(ACCOUNT_VARIABLES, ("30", "8", "5 per 10 minutes", "memory://", "3", "30", "90")):
        monkeypatch.setenv(name, value)
    assert load_config(node_home).accounts == AccountRules(30, 8, "5 per 10 minutes", "memory://", 3, 30, 90)


@pytest.mark.parametrize("name, value", [("VIDENSNET_LOGIN_RATE", "ti i minuttet"),
                                         ("VIDENSNET_SESSION_IDLE_MINUTES", "0")])
def test_an_unusable_session_or_login_setting_is_refused_naming_the_variable(node_home, monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=f"^{name}="):
        load_config(node_home)
