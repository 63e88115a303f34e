"""The `vidensnet` command line, run as a real child process."""

from __future__ import annotations

import json
import os

from alembic import command
from alembic.script import ScriptDirectory

from node.core.config import load_config
from node.core.db import alembic_config
from tests.helpers.live_nodes import DEMO_FILES, vidensnet


def _line(local_id: str, **fields) -> str:
    return json.dumps({"id": local_id, "type": "guidance", "title": f"Vejledning {local_id}",
                       "summary": "Kort.", "audience": "public", **fields}, ensure_ascii=False)


def test_init_refuses_unknown_municipality_code_and_district(tmp_path):
    bad_code = vidensnet(tmp_path / "a", "init", "--name", "X", "--kind", "municipality", "--url",
                         "http://127.0.0.1:1", "--municipality", "9999", check=False)
    assert bad_code.returncode != 0 and "--municipality '9999'" in bad_code.stderr
    bad_district = vidensnet(tmp_path / "b", "init", "--name", "X", "--kind", "police", "--url",
                             "http://127.0.0.1:1", "--district", "Vestjyllands Politi", check=False)
    assert bad_district.returncode != 0 and "unknown police district" in bad_district.stderr
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_init_creates_config_keys_dir_and_database(tmp_path):
    home = tmp_path / "dkr"
    vidensnet(home, "init", "--name", "Det Kriminalpræventive Råd", "--kind", "national", "--url", "http://127.0.0.1:1")
    config = json.loads((home / "node.json").read_text(encoding="utf-8"))
    assert config["id"] == "det-kriminalpraeventive-raad"
    assert (home / "node.json").stat().st_mode & 0o777 == 0o600
    assert (home / "keys").is_dir() and (home / "vidensnet.db").exists()
    again = vidensnet(home, "init", "--name", "X", "--kind", "national", "--url", "http://x", check=False)
    assert again.returncode != 0


def test_the_data_directory_is_private_to_the_node_whatever_the_umask(tmp_path):
    home = tmp_path / "randers"
    previous = os.umask(0)  # the child inherits it: the most permissive a careless operator could have
    try:
        vidensnet(home, "init", "--name", "Randers Kommune", "--kind", "municipality", "--url", "http://127.0.0.1:1",
                  "--municipality", "0730")
        vidensnet(home, "user", "add", "anna", "--role", "admin", "--password-stdin", input="et-langt-kodeord\n")
    finally:
        os.umask(previous)
    paths = [home, *home.rglob("*")]
    assert {p.name: oct(p.stat().st_mode & 0o777) for p in paths if p.stat().st_mode & 0o077} == {}
    assert home.stat().st_mode & 0o777 == 0o700


def test_import_with_a_bad_line_names_it_imports_nothing_and_exits_nonzero(node_home, tmp_path):
    path = tmp_path / "items.jsonl"
    path.write_text("\n".join([_line("a"), _line("b", tags="ikke en liste"), _line("c")]) + "\n", encoding="utf-8")
    result = vidensnet(node_home, "import", str(path), check=False)
    assert result.returncode == 1
    assert "linje 2: tags: skal være en liste" in result.stderr
    assert "intet er importeret" in result.stderr
    assert vidensnet(node_home, "export").stdout == ""


def test_import_twice_then_export_shows_version_one_for_all(node_home, tmp_path):
    path = tmp_path / "items.jsonl"
    path.write_text("\n".join([_line("a"), _line("b", audience="network")]) + "\n", encoding="utf-8")
    assert "2 oprettet" in vidensnet(node_home, "import", str(path)).stdout
    assert "2 uændret" in vidensnet(node_home, "import", str(path)).stdout
    exported = [json.loads(x) for x in vidensnet(node_home, "export").stdout.splitlines()]
    assert [(e["id"], e["version"]) for e in exported] == [("aarhus-kommune:a", 1), ("aarhus-kommune:b", 1)]


def test_export_to_file_and_retract(node_home, tmp_path):
    path = tmp_path / "items.jsonl"
    path.write_text(_line("a") + "\n", encoding="utf-8")
    vidensnet(node_home, "import", str(path))
    assert "Trak aarhus-kommune:a tilbage" in vidensnet(node_home, "retract", "aarhus-kommune:a").stdout
    vidensnet(node_home, "export", str(tmp_path / "out.jsonl"))
    assert json.loads((tmp_path / "out.jsonl").read_text(encoding="utf-8"))["status"] == "retracted"
    assert vidensnet(node_home, "retract", "aarhus-kommune:a", check=False).returncode != 0


def test_user_add_refuses_short_password_and_token_prints_once(node_home):
    short = vidensnet(node_home, "user", "add", "anna", "--role", "editor", "--password-stdin", input="kort\n",
                      check=False)
    assert short.returncode != 0 and "mindst 12 tegn" in short.stderr
    vidensnet(node_home, "user", "add", "anna", "--role", "editor", "--password-stdin", input="et-langt-kodeord-1\n")
    assert vidensnet(node_home, "user", "token", "anna").stdout.startswith("vn_")


def test_demo_corpus_imports_cleanly_with_all_five_types(node_home):
    types: dict[str, int] = {}
    for path in DEMO_FILES:
        vidensnet(node_home, "import", str(path))
    for line in vidensnet(node_home, "export").stdout.splitlines():
        item = json.loads(line)
        types[item["type"]] = types.get(item["type"], 0) + 1
    assert sum(types.values()) >= 25
    assert set(types) == {"practice", "method", "bulletin", "plan", "guidance"}


def test_serve_and_worker_refuse_a_schema_not_at_head_and_migrate_brings_it_there_once(node_home):
    alembic = alembic_config(load_config(node_home).database_url)
    head = ScriptDirectory.from_config(alembic).get_current_head()
    previous = ScriptDirectory.from_config(alembic).get_revision(head).down_revision
    command.downgrade(alembic, previous)
    for args in (["serve", "--port", "1"], ["worker"]):
        refused = vidensnet(node_home, *args, check=False, timeout=60)
        assert refused.returncode == 1 and "Traceback" not in refused.stderr
        assert f"schema is at revision {previous}," in refused.stderr and f"needs revision {head}:" in refused.stderr
        assert "vidensnet migrate" in refused.stderr
    migrated = vidensnet(node_home, "migrate")
    assert f"from revision {previous} to {head}" in migrated.stdout
    assert f"at revision {head} already" in vidensnet(node_home, "migrate").stdout
