"""deploy/systemd/ (serve, worker, migrate) and deploy/vidensnet.service (the all-in-one `run`)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from tests.helpers.deploy_files import (
    DEPLOY,
    OPERATIONS,
    cli_words,
    missing_cli_command,
    systemd_unit,
    unit_values,
    variables_documented_in,
    variables_read_by_config,
)
from tests.helpers.missing_tools import require_installed

PRODUCTION = ("vidensnet-serve.service", "vidensnet-worker.service", "vidensnet-migrate.service")
ALL = (*PRODUCTION, "vidensnet.service")
HOME = "/var/lib/vidensnet"


@pytest.mark.parametrize("name", ALL)
def test_the_unit_runs_as_the_vidensnet_user_with_the_env_file_and_is_hardened(name):
    unit = systemd_unit(name)
    service = dict(unit["Service"])  # the last value of each key
    assert service["User"] == "vidensnet" and service["Group"] == "vidensnet"
    assert service["EnvironmentFile"] == "/etc/vidensnet/vidensnet.env"
    assert service["NoNewPrivileges"] == "yes"
    assert service["ProtectSystem"] == "strict"
    assert service["PrivateTmp"] == "yes"
    assert service["ProtectHome"] == "yes"
    assert service["CapabilityBoundingSet"] == ""
    assert HOME in unit_values(unit, "Service", "ReadWritePaths")


@pytest.mark.parametrize("name", ALL)
def test_the_command_a_unit_starts_is_a_vidensnet_command_it_accepts(name):
    (exec_start,) = unit_values(systemd_unit(name), "Service", "ExecStart")
    words = cli_words(exec_start)
    problem = missing_cli_command(words)
    assert problem is None, problem


@pytest.mark.parametrize("name", ("vidensnet-serve.service", "vidensnet-worker.service"))
def test_serve_and_worker_start_only_after_the_migrate_oneshot_succeeded_and_restart_on_failure(name):
    unit = systemd_unit(name)
    assert "vidensnet-migrate.service" in unit_values(unit, "Unit", "Requires")
    assert "vidensnet-migrate.service" in " ".join(unit_values(unit, "Unit", "After"))
    assert unit_values(unit, "Service", "Restart") == ["on-failure"]
    assert unit_values(unit, "Install", "WantedBy") == ["multi-user.target"]


def test_migrate_is_a_oneshot_that_serve_and_worker_pull_in_not_one_enabled_on_its_own():
    unit = systemd_unit("vidensnet-migrate.service")
    assert unit_values(unit, "Service", "Type") == ["oneshot"]
    assert "Install" not in unit
    assert unit_values(unit, "Service", "Restart") == []
    assert cli_words(unit_values(unit, "Service", "ExecStart")[0]) == ["migrate"]


def test_serve_listens_on_loopback_where_nginx_proxies_to():
    (exec_start,) = unit_values(systemd_unit("vidensnet-serve.service"), "Service", "ExecStart")
    words = cli_words(exec_start)
    assert words[:1] == ["serve"]
    assert words[words.index("--host") + 1] == "127.0.0.1"
    assert words[words.index("--port") + 1] == "8080"  # NGINX_UPSTREAM=127.0.0.1:8080 in docs/operations.md
    assert "--workers" in words


def test_the_all_in_one_unit_and_the_production_units_never_run_side_by_side():
    assert {"vidensnet-serve.service", "vidensnet-worker.service"} <= set(
        " ".join(unit_values(systemd_unit("vidensnet.service"), "Unit", "Conflicts")).split())
    for name in ("vidensnet-serve.service", "vidensnet-worker.service"):
        assert "vidensnet.service" in unit_values(systemd_unit(name), "Unit", "Conflicts")


def test_every_vidensnet_variable_a_unit_sets_is_read_by_config_and_documented():
    names = set()
    for name in ALL:
        for value in unit_values(systemd_unit(name), "Service", "Environment"):
            names |= set(re.findall(r"(VIDENSNET_[A-Z0-9_]+)=", value))
    assert names <= variables_read_by_config()
    assert names <= variables_documented_in(OPERATIONS)


def test_systemd_analyze_verify_finds_nothing_wrong_but_the_program_not_installed_here(tmp_path):
    analyze = shutil.which("systemd-analyze")
    require_installed(None if analyze else "systemd-analyze is not installed (Debian's systemd package)")
    for name in ALL:
        shutil.copy(DEPLOY / ("systemd" if name != "vidensnet.service" else ".") / name, tmp_path / name)
    # The units' own directory first, so that Requires=vidensnet-migrate.service finds this one.
    result = subprocess.run([analyze, "verify", "--man=no", *(str(tmp_path / name) for name in ALL)],
                            capture_output=True, text=True, timeout=60,
                            env={**os.environ, "SYSTEMD_UNIT_PATH": f"{tmp_path}:"})
    complaints = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()
                  and not line.endswith("Command /opt/vidensnet/.venv/bin/vidensnet is not executable: "
                                        "No such file or directory")]
    assert not complaints, "\n".join(complaints)
