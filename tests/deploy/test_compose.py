"""deploy/compose.yaml, read with a YAML parser (`docker compose config` is not available here).

Compose's own rules the checks rely on: `<<: *anchor` merges the shared node definition into a service, and
`${VAR}` / `${VAR:?message}` / `${VAR:-default}` are filled in from deploy/.env (deploy/compose.env.example).
"""

from __future__ import annotations

import re

import pytest

from tests.helpers.deploy_files import (
    DEPLOY,
    OPERATIONS,
    cli_words,
    compose,
    env_file_assignments,
    missing_cli_command,
    variables_documented_in,
    variables_read_by_config,
)

NODE_SERVICES = ("migrate", "serve", "worker")
REFERENCE = re.compile(r"\$\{([A-Z][A-Z0-9_]*)(?::?[-?][^}]*)?\}")
SECRET_NAME = re.compile(r"PASSWORD|SECRET|KEY|TOKEN")


@pytest.fixture(scope="module")
def services() -> dict:
    return compose()["services"]


def _environment(service: dict) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: str(value) for key, value in env.items()}


def test_compose_yaml_defines_postgres_meilisearch_migrate_serve_worker_and_nginx(services):
    assert set(services) == {"postgres", "meilisearch", "migrate", "serve", "worker", "nginx"}


def test_the_databases_and_nginx_are_official_images_pinned_to_a_version(services):
    assert re.fullmatch(r"postgres:\d+", services["postgres"]["image"])
    assert services["meilisearch"]["image"] == "getmeili/meilisearch:v1.21"
    assert re.fullmatch(r"nginx:\d+\.\d+", services["nginx"]["image"])


def test_serve_worker_and_migrate_run_one_image_with_the_node_home_volume(services):
    images = {services[name]["image"] for name in NODE_SERVICES}
    builds = {str(services[name]["build"]) for name in NODE_SERVICES}
    assert len(images) == 1 and len(builds) == 1
    home = _environment(services["serve"])["VIDENSNET_HOME"]
    for name in NODE_SERVICES:
        assert f"home:{home}" in services[name]["volumes"], name
        assert _environment(services[name])["VIDENSNET_HOME"] == home
    assert "home" in compose()["volumes"]


def test_the_home_volume_is_mounted_where_the_image_makes_the_node_home():
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    home = _environment(compose()["services"]["serve"])["VIDENSNET_HOME"]
    assert f"VIDENSNET_HOME={home}" in dockerfile
    assert f"install -d -m 0700 -o vidensnet -g vidensnet {home}" in dockerfile
    assert re.search(r"^USER vidensnet$", dockerfile, re.MULTILINE), "the node must not run as root"
    assert re.search(r"^FROM python:3\.\d+-slim", dockerfile, re.MULTILINE)


def test_serve_and_worker_start_after_migrate_succeeded_and_postgres_and_meilisearch_are_healthy(services):
    for name in ("serve", "worker"):
        assert services[name]["depends_on"] == {
            "migrate": {"condition": "service_completed_successfully"},
            "postgres": {"condition": "service_healthy"},
            "meilisearch": {"condition": "service_healthy"},
        }, name


def test_migrate_runs_once_after_postgres_is_healthy_and_is_not_restarted(services):
    assert services["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert cli_words(services["migrate"]["command"]) == ["migrate"]
    assert services["migrate"]["restart"] == "no"


def test_the_health_checks_ask_pg_isready_meilisearch_health_and_serve_healthz(services):
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert "http://127.0.0.1:7700/health" in services["meilisearch"]["healthcheck"]["test"]
    assert "/healthz" in " ".join(services["serve"]["healthcheck"]["test"])
    assert services["nginx"]["depends_on"] == {"serve": {"condition": "service_healthy"}}


def test_meilisearch_runs_in_production_mode_with_a_master_key_and_no_analytics(services):
    env = _environment(services["meilisearch"])
    assert env["MEILI_ENV"] == "production"
    assert env["MEILI_NO_ANALYTICS"] == "true"
    assert REFERENCE.fullmatch(env["MEILI_MASTER_KEY"])


def test_no_secret_is_written_in_compose_yaml_only_references_to_the_env_file(services):
    for name, service in services.items():
        for key, value in _environment(service).items():
            if SECRET_NAME.search(key):
                assert REFERENCE.fullmatch(value), f"{name}: {key} must be a ${{VAR}} from .env"
        url = _environment(service).get("VIDENSNET_DATABASE_URL")
        if url:
            password = re.match(r"[^:]+://[^:]+:([^@]+)@", url)[1]
            assert REFERENCE.fullmatch(password), f"{name}: the database password must come from .env"
    for name in NODE_SERVICES:
        assert services[name]["env_file"] == ".env"


def test_every_variable_compose_yaml_interpolates_is_in_compose_env_example():
    lines = (DEPLOY / "compose.yaml").read_text(encoding="utf-8").splitlines()
    text = "\n".join(line for line in lines if not line.lstrip().startswith("#"))
    example = env_file_assignments(DEPLOY / "compose.env.example")
    assert set(REFERENCE.findall(text)) <= set(example)


def test_compose_env_example_holds_placeholders_not_secrets():
    for key, value in env_file_assignments(DEPLOY / "compose.env.example").items():
        if SECRET_NAME.search(key):
            assert value in ("", "CHANGE-ME"), key


def test_every_vidensnet_variable_compose_sets_is_read_by_config_and_documented_in_operations(services):
    names = {key for service in services.values() for key in _environment(service) if key.startswith("VIDENSNET_")}
    names |= {key for key in env_file_assignments(DEPLOY / "compose.env.example") if key.startswith("VIDENSNET_")}
    read = variables_read_by_config()
    assert not names - read, "not read by config.py"
    assert names <= variables_documented_in(OPERATIONS)


def test_the_commands_compose_runs_and_its_comments_show_are_vidensnet_commands(services):
    commands = [cli_words(services[name]["command"]) for name in NODE_SERVICES]
    text = (DEPLOY / "compose.yaml").read_text(encoding="utf-8").replace("\\\n#", "")
    shown = re.findall(r"^#\s+docker compose run --rm migrate (vidensnet .*)$", text, re.MULTILINE)
    commands += [cli_words(line) for line in shown]
    assert len(commands) >= 6
    for words in commands:
        problem = missing_cli_command(words)
        assert problem is None, problem


def test_nginx_proxies_to_the_port_serve_listens_on(services):
    words = cli_words(services["serve"]["command"])
    port = words[words.index("--port") + 1]
    assert _environment(services["nginx"])["NGINX_UPSTREAM"] == f"serve:{port}"
    assert _environment(services["serve"])["VIDENSNET_TRUSTED_PROXIES"] == "1"
    volumes = services["nginx"]["volumes"]
    assert "./nginx/vidensnet.conf:/etc/nginx/templates/default.conf.template:ro" in volumes
