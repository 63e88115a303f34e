"""`vidensnet backup FILE` and `vidensnet restore FILE`."""

from __future__ import annotations

from pathlib import Path

import click

from node.backup.routine import ArchiveError, DatabaseCopyError, RestoreRefused, restore_backup, take_backup


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
def backup_command(obj, file: Path) -> None:
    """Write a consistent copy of the database, node.json and keys/ to FILE (the node may be running)."""
    config = obj.config()
    shown = {"done": 0}

    def progress(done: int, total: int) -> None:
        # SQLite reports pages copied; a line per tenth keeps a large copy visibly moving.
        if total and (done == total or done * 10 // total > shown["done"]):
            shown["done"] = done * 10 // total
            click.echo(f"Kopierer databasen: {done}/{total} sider", err=True)

    click.echo("Tager backup af databasen ...", err=True)
    try:
        manifest = take_backup(config, file.resolve(), progress)
    except (DatabaseCopyError, OSError) as exc:
        raise click.ClickException(f"backup ikke taget: {exc}") from None
    click.echo(f"Backup af '{manifest.node_id}' skrevet til {file} ({len(manifest.files)} filer, "
               f"skemaversion {manifest.schema_revision}).")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def restore_command(obj, file: Path) -> None:
    """Restore a backup into an empty data directory and database; then start the node."""
    click.echo("Kontrollerer backuppen og gendanner ...", err=True)
    try:
        manifest = restore_backup(obj.home, file.resolve())
    except (RestoreRefused, ArchiveError, DatabaseCopyError) as exc:
        raise click.ClickException(f"gendannelse afvist: {exc}") from None
    click.echo(f"Gendannede '{manifest.node_id}' fra {manifest.created_at} i {obj.home}. "
               "Ændringsfeedet har fået en ny epoke, så peers læser det igen; søgeindekset bygges op, "
               "når noden starter (eller kør 'vidensnet reindex' mod en ekstern Meilisearch).")
