"""`vidensnet audit export` and the command line's admin acts, run as a real child process."""

from __future__ import annotations

import csv
import io

from tests.helpers.live_nodes import query, vidensnet
from tests.helpers.nodes import PASSWORD


class Home:
    """A node's data directory for `query` (which reads <home>/vidensnet.db)."""

    def __init__(self, home):
        self.home = home


def test_user_add_and_token_are_recorded_and_audit_export_writes_them_as_csv_and_records_itself(tmp_path):
    home = tmp_path / "randers"
    vidensnet(home, "init", "--name", "Randers Kommune", "--kind", "municipality", "--url", "http://127.0.0.1:1",
              "--municipality", "0730")
    vidensnet(home, "user", "add", "soeren", "--role", "admin", "--name", "Søren Ø", "--password-stdin",
              input=PASSWORD + "\n")
    vidensnet(home, "user", "token", "soeren", "--name", "Intranet")
    out = tmp_path / "logbog.csv"
    done = vidensnet(home, "audit", "export", "--since", "2000-01-01", str(out))
    assert "Eksporterede 3 hændelser" in done.stderr  # recorded before it is written, the export is in it too
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert [(r[1], r[2], r[5]) for r in rows[1:]] == [
        ("Eksporterede logbogen", "kommandolinje", "Logbogen som CSV fra kommandolinjen (fra 2000-01-01)"),
        ("Oprettede en API-nøgle", "kommandolinje", "API-nøglen »Intranet« er oprettet til soeren"),
        ("Oprettede en bruger", "kommandolinje", "Brugeren soeren er oprettet som Administrator"),
    ]
    assert query(Home(home), "SELECT actor_name, query FROM audit_events WHERE act = 'audit_exported'") == [
        ("kommandolinje", "fra 2000-01-01")]


def test_audit_export_refuses_a_bad_date_naming_the_option(tmp_path):
    home = tmp_path / "randers"
    vidensnet(home, "init", "--name", "Randers Kommune", "--kind", "municipality", "--url", "http://127.0.0.1:1",
              "--municipality", "0730")
    refused = vidensnet(home, "audit", "export", "--since", "i går", check=False)
    assert refused.returncode != 0 and "--since: skal være en dato" in refused.stderr


def test_a_key_rotation_and_a_revocation_from_the_command_line_are_recorded(node_home):
    new_key = vidensnet(node_home, "key", "rotate").stdout.split("Ny nøgle: ")[1].split()[0]
    vidensnet(node_home, "key", "revoke", "--since", "2026-11-20T00:00:00Z")
    acts = query(Home(node_home), "SELECT act, actor_name, description FROM audit_events ORDER BY id")
    assert [(act, who) for act, who, _ in acts] == [("key_rotated", "kommandolinje"), ("key_revoked", "kommandolinje")]
    assert acts[0][2] == f"Nodens nøgle er skiftet til {new_key}" and "spærret fra 2026-11-20T00:00:00Z" in acts[1][2]
