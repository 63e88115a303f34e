"""The `vidensnet` command line."""

from __future__ import annotations

import logging
import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import click
from sqlalchemy.orm import Session, sessionmaker

from federation.commands import register_federation_commands
from federation.identity import generate_node_key, public_key_text
from node.accounts.commands import user
from node.accounts.saml_keys import SamlKeysExist, generate_sp_keys, sp_key_paths
from node.audit.commands import audit
from node.audit.log import COMMAND_LINE, AccessNotRecorded, all_restricted, record_access
from node.audit.models import AuditAct
from node.backup.commands import backup_command, restore_command
from node.core.config import ConfigError, NodeConfig, NodeSettings, default_home, load_config, write_settings
from node.core.db import SchemaNotAtHead, require_schema_at_head, schema_revisions, upgrade_database
from node.core.ids import slugify
from node.core.interpreter import collect_less_often
from node.items.files import ImportRefused, PreparedImport, prepare_import, write_export, write_import
from node.items.publishing import ActingNode, PublishingError, find_item, retract
from node.process import NodeProcess, open_process
from node.subscriptions.commands import feed
from search.commands import reindex_command

log = logging.getLogger(__name__)


class Context:
    """The data directory chosen on the command line, and the node it holds."""

    def __init__(self, home: Path):
        self.home = home
        self._process: NodeProcess | None = None

    def config(self) -> NodeConfig:
        try:
            return load_config(self.home)
        except ConfigError as exc:
            raise click.ClickException(str(exc)) from None

    def config_at_head(self) -> NodeConfig:
        """The configuration, for a process that never migrates: refused unless the schema is at head."""
        config = self.config()
        try:
            require_schema_at_head(config.database_url)
        except SchemaNotAtHead as exc:
            raise click.ClickException(str(exc)) from None
        return config

    def process(self) -> NodeProcess:
        """The node's set-up for this command, opened once on an up-to-date schema."""
        if self._process is None:
            config = self.config()
            upgrade_database(config.database_url)
            self._process = open_process(config)
        return self._process

    def sessions(self) -> sessionmaker[Session]:
        """A sessionmaker on the node's database, its schema brought up to date."""
        return self.process().sessions

    def acting(self) -> ActingNode:
        """This node, acting from the command line (as its administrator)."""
        return self.process().acting()

    @contextmanager
    def transaction(self):
        """A session in one transaction on an up-to-date schema."""
        with self.sessions().begin() as session:
            yield self.process().config, session


@click.group()
@click.option("--home", type=click.Path(file_okay=False, path_type=Path),
              help="Data directory (default: $VIDENSNET_HOME or ./var/node).")
@click.pass_context
def main(ctx: click.Context, home: Path | None) -> None:
    """Vidensnet: a node in the Danish crime-prevention knowledge network."""
    # Whatever the caller's umask, what the node creates (its database, keys, search data, logs) is readable by
    # its own user only: bulletins and account data must not be world-readable on a shared server.
    os.umask(0o077)
    collect_less_often()
    ctx.obj = Context((home or default_home()).resolve())


@main.command()
@click.option("--name", required=True, help="The node's name, e.g. 'Aarhus Kommune'.")
@click.option("--kind", required=True, type=click.Choice(["municipality", "police", "national"]))
@click.option("--url", required=True, help="The node's public base URL.")
@click.option("--municipality", help="4-digit municipality code (municipality nodes).")
@click.option("--district", help="Police district name, as in municipalities.csv (police nodes).")
@click.option("--id", "node_id", help="Node id (default: a slug of the name).")
@click.pass_obj
def init(obj: Context, name, kind, url, municipality, district, node_id) -> None:
    """Create the data directory, its config and an empty database."""
    settings = NodeSettings(node_id or slugify(name), name, kind, url.rstrip("/"), municipality, district)
    try:
        path = write_settings(obj.home, settings)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    key = generate_node_key(obj.config().keys_dir)
    generate_sp_keys(obj.config().keys_dir, settings.name)
    upgrade_database(obj.config().database_url)
    click.echo(f"Node '{settings.id}' created in {path.parent}; public key {public_key_text(key)}")


@main.group()
def saml() -> None:
    """The SAML service provider's key and certificate (docs/login.md)."""


@saml.command("keys")
@click.option("--force", is_flag=True, help="Replace an existing key (register the new metadata at the IdP).")
@click.pass_obj
def saml_keys(obj: Context, force: bool) -> None:
    """Create the SP signing key and self-signed certificate in the data directory's keys/."""
    config = obj.config()
    try:
        cert = generate_sp_keys(config.keys_dir, config.node.name, force=force)
    except SamlKeysExist as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"SAML SP key {sp_key_paths(config.keys_dir)[0]} and certificate {cert} created; "
               f"register {config.node.url}/saml/metadata at the IdP again")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
@click.pass_obj
def run(obj: Context, host: str, port: int) -> None:
    """All in one, for one machine: migrate, run the background jobs and serve the node with waitress."""
    from node.serving import run_node

    run_node(obj.config(), host, port)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=click.IntRange(min=1),
              help="Web processes (gunicorn workers).")
@click.pass_obj
def serve(obj: Context, host: str, port: int, workers: int) -> None:
    """Serve the web, API and federation endpoints with gunicorn; no background jobs (see `vidensnet worker`)."""
    from node.web_server import serve_node

    serve_node(obj.config_at_head(), host, port, workers)


@main.command()
@click.pass_obj
def worker(obj: Context) -> None:
    """Run the background jobs while this process holds the node's worker lease; a standby until then."""
    from node.worker.service import run_worker

    run_worker(obj.config_at_head())


@main.command()
@click.pass_obj
def migrate(obj: Context) -> None:
    """Bring the database's schema to this version's newest revision (once, before `serve` and `worker`)."""
    url = obj.config().database_url
    before, head = schema_revisions(url)
    if before == head:
        click.echo(f"The database schema is at revision {head} already.")
        return
    upgrade_database(url)
    click.echo(f"Migrated the database schema from revision {before or 'none (empty database)'} to {head}.")


@main.command("import")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.pass_obj
def import_command(obj: Context, file) -> None:
    """Publish JSON Lines items as this node: every line valid, or nothing imported."""
    lines = file.readlines()
    try:
        started = time.monotonic()
        prepared = _prepare_import(obj, lines)
        click.echo(f"Kontrolleret og signeret på {time.monotonic() - started:.2f} s.", err=True)
        click.echo(f"Skriver {len(prepared)} emner i én transaktion ...", err=True)
        started = time.monotonic()
        with obj.transaction() as (_config, session):
            report = write_import(session, obj.acting(), prepared)
        seconds = time.monotonic() - started
    except ImportRefused as exc:
        click.echo(f"Import afvist: {len(exc.errors)} ugyldig(e) linje(r); intet er importeret.", err=True)
        for error in exc.errors:
            click.echo(f"  {file.name}: {error}", err=True)
        sys.exit(1)
    except PublishingError as exc:  # an item changed state on the node while the import was being prepared
        raise click.ClickException(f"Import afvist, intet er importeret: {exc}; kør den igen") from None
    log.info("import write transaction took %.3f s for %d lines", seconds, len(prepared))
    click.echo(f"Skrivetransaktionen tog {seconds:.2f} s.", err=True)
    click.echo(f"Importeret fra {file.name}: {report}")


def _prepare_import(obj: Context, lines: list[str]) -> PreparedImport:
    # Reading and signing only: the session's read transaction ends before anything is written.
    # Checking the lines is most of the work and needs no database, so it uses every core this process may use.
    with obj.sessions()() as session:
        with click.progressbar(length=len(lines), label="Kontrollerer", file=sys.stderr) as bar:
            return prepare_import(session, obj.acting(), lines, workers=len(os.sched_getaffinity(0)),
                                  progress=bar.update)


@main.command()
@click.argument("file", required=False, type=click.File("w", encoding="utf-8"))
@click.pass_obj
def export(obj: Context, file) -> None:
    """Write every item the node holds, restricted ones included, as JSON Lines."""
    # Recorded first, in its own transaction: an export the log cannot record is not made.
    with obj.sessions()() as session:
        restricted = all_restricted(session)
    try:
        record_access(obj.sessions(), COMMAND_LINE, AuditAct.EXPORTED, restricted,
                      description=f"Alle emner som JSON Lines til {getattr(file, 'name', None) or 'standardoutput'}")
    except AccessNotRecorded:
        raise click.ClickException("eksporten kunne ikke skrives i logbogen, så den er ikke lavet") from None
    with obj.transaction() as (_config, session):
        count = write_export(session, file or sys.stdout)
    click.echo(f"Eksporterede {count} emner.", err=True)


@main.command("retract")
@click.argument("item_id")
@click.pass_obj
def retract_command(obj: Context, item_id: str) -> None:
    """Retract one of this node's published items."""
    with obj.transaction() as (config, session):
        item = find_item(session, item_id)
        if item is None:
            raise click.ClickException(f"no item with id '{item_id}'")
        try:
            retract(session, item, obj.acting())
        except PublishingError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"Trak {item_id} tilbage.")


register_federation_commands(main)
main.add_command(reindex_command)
main.add_command(backup_command)
main.add_command(restore_command)
main.add_command(feed)
main.add_command(user)
main.add_command(audit)
