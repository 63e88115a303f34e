"""`vidensnet user ...`: local accounts and their API tokens from the command line (acting as the administrator)."""

from __future__ import annotations

import sys

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from node.accounts.lifecycle import (
    STATE_LABELS,
    change_role,
    disable_user,
    enable_user,
    reset_password,
    revoke_token,
    token_state_label,
)
from node.accounts.users import (
    DEFAULT_TOKEN_DAYS,
    MAX_TOKEN_DAYS,
    ROLE_LABELS,
    ROLE_RANK,
    AccountError,
    create_api_token,
    create_user,
    find_user,
)
from node.audit.log import COMMAND_LINE, record_admin_act
from node.audit.models import AuditAct
from node.core.models import ApiToken, User, utcnow

ROLES = click.Choice([role.value for role in ROLE_RANK])


@click.group()
def user() -> None:
    """Manage local accounts."""


def _account(session: Session, username: str) -> User:
    found = find_user(session, username)
    if found is None:
        raise click.ClickException(f"ingen bruger med brugernavnet '{username}'")
    return found


def _act(obj, act) -> object:
    """Run `act(session)` in one transaction; a refused act is an error exit with its Danish reason."""
    try:
        with obj.sessions().begin() as session:
            return act(session)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None


def _password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\n")
    return click.prompt("Adgangskode", hide_input=True, confirmation_prompt=True)


def _when(value) -> str:
    return value.strftime("%d.%m.%Y %H:%M") if value else "—"


@user.command("add")
@click.argument("username")
@click.option("--role", required=True, type=ROLES)
@click.option("--name", "display_name", default="", help="Display name.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.pass_obj
def user_add(obj, username: str, role: str, display_name: str, password_stdin: bool) -> None:
    """Add a user (the password is asked for, or read from stdin)."""
    password = _password(password_stdin)
    _act(obj, lambda session: _create_user(session, username, password, role, display_name))
    click.echo(f"Bruger '{username}' oprettet med rollen {role}.")


def _create_user(session, username: str, password: str, role: str, display_name: str) -> None:
    create_user(session, username, password, role, display_name)
    record_admin_act(session, COMMAND_LINE, AuditAct.USER_CREATED, username,
                     description=f"Brugeren {username} er oprettet som {ROLE_LABELS[role]}")


@user.command("list")
@click.pass_obj
def user_list(obj) -> None:
    """Show every account: username, name, role, state and last login."""
    with obj.sessions()() as session:
        users = session.scalars(select(User).order_by(User.username)).all()
    click.echo(f"{'Brugernavn':<20} {'Navn':<28} {'Rolle':<14} {'Tilstand':<12} Sidste login")
    for u in users:
        click.echo(f"{u.username:<20} {u.display_name[:28]:<28} {ROLE_LABELS[u.role]:<14} "
                   f"{STATE_LABELS[u.state]:<12} {_when(u.last_login_at)}")


@user.command("disable")
@click.argument("username")
@click.pass_obj
def user_disable(obj, username: str) -> None:
    """Disable an account: its sessions end at once and its API tokens are refused until it is enabled."""
    ended = _act(obj, lambda session: disable_user(session, _account(session, username), None, utcnow()))
    click.echo(f"Bruger '{username}' er deaktiveret; {ended} session(er) afsluttet.")


@user.command("enable")
@click.argument("username")
@click.pass_obj
def user_enable(obj, username: str) -> None:
    """Let a disabled account log in again."""
    _act(obj, lambda session: enable_user(session, _account(session, username), None))
    click.echo(f"Bruger '{username}' er aktiv igen.")


@user.command("role")
@click.argument("username")
@click.argument("role", type=ROLES)
@click.pass_obj
def user_role(obj, username: str, role: str) -> None:
    """Give an account another role (refused for the last active administrator)."""
    _act(obj, lambda session: change_role(session, _account(session, username), role, None))
    click.echo(f"Bruger '{username}' har nu rollen {ROLE_LABELS[role]}.")


@user.command("password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the new password from standard input.")
@click.pass_obj
def user_password(obj, username: str, password_stdin: bool) -> None:
    """Set a new password for an account; all its sessions end."""
    password = _password(password_stdin)
    ended = _act(obj, lambda session: reset_password(session, _account(session, username), password, None, utcnow()))
    click.echo(f"Bruger '{username}' har fået en ny adgangskode; {ended} session(er) afsluttet.")


class TokenCommands(click.Group):
    """`user token list|revoke|create`, where any other first word is a username: `user token NAME` creates."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Read `user token NAME ...` as `user token create NAME ...`."""
        # `vidensnet user token NAME [--name PURPOSE]` is in the stable CLI contract (README), so it stays.
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = ["create", *args]
        return super().parse_args(ctx, args)


@user.group("token", cls=TokenCommands)
def token() -> None:
    """API tokens: `user token NAME` creates one, `list` and `revoke` manage them."""


@token.command("create")
@click.argument("username")
@click.option("--name", default="CLI", help="What the token is for.")
@click.option("--expires-days", default=DEFAULT_TOKEN_DAYS, show_default=True,
              type=click.IntRange(1, MAX_TOKEN_DAYS), help="Days until the token expires.")
@click.pass_obj
def token_create(obj, username: str, name: str, expires_days: int) -> None:
    """Create an API token for a user and print it (it is shown only once)."""
    secret = _act(obj, lambda session: _create_token(session, username, name, expires_days))
    click.echo(secret)
    click.echo(f"API-nøgle »{name}« oprettet til '{username}'; den udløber om {expires_days} dage.", err=True)


def _create_token(session, username: str, name: str, expires_days: int) -> str:
    secret = create_api_token(session, _account(session, username), name, expires_days)
    record_admin_act(session, COMMAND_LINE, AuditAct.TOKEN_CREATED, username,
                     description=f"API-nøglen »{name}« er oprettet til {username}")
    return secret


@token.command("list")
@click.argument("username", required=False)
@click.pass_obj
def token_list(obj, username: str | None) -> None:
    """Show the API tokens (of one user, or of all): id, user, name, created, last used, expires, state."""
    now = utcnow()
    with obj.sessions()() as session:
        query = select(ApiToken).join(ApiToken.user).order_by(User.username, ApiToken.id)
        if username:
            query = query.where(ApiToken.user_id == _account(session, username).id)
        tokens = session.scalars(query).unique().all()
    click.echo(f"{'Id':>4} {'Bruger':<20} {'Navn':<24} {'Oprettet':<16} {'Sidst brugt':<16} {'Udløber':<16} Tilstand")
    for t in tokens:
        click.echo(f"{t.id:>4} {t.user.username:<20} {t.name[:24]:<24} {_when(t.created_at):<16} "
                   f"{_when(t.last_used_at):<16} {_when(t.expires_at) if t.expires_at else 'aldrig':<16} "
                   f"{token_state_label(t, now)}")


@token.command("revoke")
@click.argument("token_id", type=int)
@click.pass_obj
def token_revoke(obj, token_id: int) -> None:
    """Revoke an API token by its id (see `user token list`); it is refused from then on."""
    def act(session: Session) -> str:
        found = session.get(ApiToken, token_id)
        if found is None:
            raise click.ClickException(f"ingen API-nøgle med id {token_id}")
        revoke_token(session, found, None, utcnow())
        return f"API-nøgle {token_id} (»{found.name}«, {found.user.username}) er tilbagekaldt."

    click.echo(_act(obj, act))
