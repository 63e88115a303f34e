"""`vidensnet user ...` in a child process: list, disable, enable, role, password and tokens, old forms included."""

from __future__ import annotations

import re

import pytest

from tests.helpers.live_nodes import vidensnet
from tests.helpers.nodes import PASSWORD

NEW = "et-helt-nyt-kodeord"


@pytest.fixture
def home(node_home):
    """A node with an admin (anna) and an editor (bo)."""
    vidensnet(node_home, "user", "add", "anna", "--role", "admin", "--password-stdin", input=PASSWORD + "\n")
    vidensnet(node_home, "user", "add", "bo", "--role", "editor", "--name", "Bo Redaktør", "--password-stdin",
              input=PASSWORD + "\n")
    return node_home


def _fails(home, *args: str, input: str | None = None) -> str:
    result = vidensnet(home, *args, input=input, check=False)
    assert result.returncode != 0, result.stdout
    return result.stderr


def test_user_list_shows_name_role_and_state_in_danish(home):
    vidensnet(home, "user", "disable", "bo")
    lines = vidensnet(home, "user", "list").stdout.splitlines()
    assert lines[0].split() == ["Brugernavn", "Navn", "Rolle", "Tilstand", "Sidste", "login"]
    assert lines[1].split() == ["anna", "anna", "Administrator", "Aktiv", "—"]
    assert lines[2].split() == ["bo", "Bo", "Redaktør", "Redaktør", "Deaktiveret", "—"]


def test_disable_enable_and_role_confirm_in_danish_and_refuse_for_the_last_admin(home):
    assert "Bruger 'bo' er deaktiveret" in vidensnet(home, "user", "disable", "bo").stdout
    assert "allerede deaktiveret" in _fails(home, "user", "disable", "bo")
    assert "Bruger 'bo' er aktiv igen" in vidensnet(home, "user", "enable", "bo").stdout
    assert "sidste aktive administrator" in _fails(home, "user", "disable", "anna")
    assert "sidste aktive administrator" in _fails(home, "user", "role", "anna", "reader")
    assert "har nu rollen Udgiver" in vidensnet(home, "user", "role", "bo", "publisher").stdout
    assert "ingen bruger med brugernavnet 'carl'" in _fails(home, "user", "enable", "carl")


def test_password_reads_stdin_checks_its_strength_and_confirms(home):
    assert "mindst 12 tegn" in _fails(home, "user", "password", "bo", "--password-stdin", input="kort\n")
    out = vidensnet(home, "user", "password", "bo", "--password-stdin", input=NEW + "\n").stdout
    assert "Bruger 'bo' har fået en ny adgangskode; 0 session(er) afsluttet." in out


def test_the_old_token_form_still_prints_only_the_token_and_list_and_revoke_manage_it(home):
    old = vidensnet(home, "user", "token", "bo", "--name", "Intranet")
    assert re.fullmatch(r"vn_\S+\n", old.stdout) and "udløber om 365 dage" in old.stderr
    assert vidensnet(home, "user", "token", "bo").stdout.startswith("vn_")
    vidensnet(home, "user", "token", "create", "anna", "--expires-days", "7")
    listed = vidensnet(home, "user", "token", "list", "bo").stdout.splitlines()
    assert [line.split()[1:3] for line in listed[1:]] == [["bo", "Intranet"], ["bo", "CLI"]]
    assert all(line.endswith("Aktiv") for line in listed[1:])
    token_id = listed[1].split()[0]
    assert "er tilbagekaldt" in vidensnet(home, "user", "token", "revoke", token_id).stdout
    assert vidensnet(home, "user", "token", "list").stdout.splitlines()[2].endswith("Tilbagekaldt")
    assert "allerede tilbagekaldt" in _fails(home, "user", "token", "revoke", token_id)
    assert "ingen API-nøgle med id 999" in _fails(home, "user", "token", "revoke", "999")
    assert "1<=x<=3650" in _fails(home, "user", "token", "bo", "--expires-days", "0")
