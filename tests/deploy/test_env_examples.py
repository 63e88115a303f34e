"""deploy/vidensnet.env.example and deploy/compose.env.example against node/core/config/ and the docs."""

from __future__ import annotations

import re

import pytest

from tests.helpers.deploy_files import (
    DEPLOY,
    OPERATIONS,
    REPO,
    env_file_assignments,
    variables_documented_in,
    variables_read_by_config,
)

EXAMPLES = ("vidensnet.env.example", "compose.env.example")


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_vidensnet_variable_an_env_example_sets_is_read_by_config_and_documented_in_operations(name):
    names = {key for key in env_file_assignments(DEPLOY / name) if key.startswith("VIDENSNET_")}
    assert names
    unread = names - variables_read_by_config()
    assert not unread, f"{name} sets variables node/core/config/ never reads"
    undocumented = names - variables_documented_in(OPERATIONS)
    assert not undocumented, f"{name} sets variables docs/operations.md does not describe"


@pytest.mark.parametrize("name", EXAMPLES)
def test_an_env_example_holds_no_secret_only_empty_values_and_placeholders(name):
    for key, value in env_file_assignments(DEPLOY / name).items():
        if re.search(r"PASSWORD|SECRET|TOKEN|_KEY$", key):
            assert value in ("", "CHANGE-ME"), key
        assert not re.search(r"://[^/@:]+:(?!CHANGE-ME@)[^/@]+@", value), f"{key}: a password in a URL"


def test_every_variable_config_reads_is_documented_in_the_readme_or_operations():
    documented = variables_documented_in(REPO / "README.md") | variables_documented_in(OPERATIONS)
    assert not variables_read_by_config() - documented

