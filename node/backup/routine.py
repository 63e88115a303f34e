"""The whole backup and restore: database, `node.json` and `keys/`; a restore then starts a new feed epoch.

Not in a backup: the search index (Meilisearch data is rebuilt from the database), logs, and the feed's
issued mark (`feed-mark.json`), which a restore replaces with a new epoch's anyway.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import select
from sqlalchemy.engine import make_url

from federation.epoch import MARK_FILE, start_new_epoch, write_mark
from node.backup.archive import ArchiveError, Manifest, extract_verified, sha256_file, write_archive
from node.backup.database import DatabaseCopyError, copy_in, copy_out, database_kind, is_empty, schema_revision
from node.core.config import CONFIG_FILE, NodeConfig, database_url_for, load_config
from node.core.db import alembic_config, make_engine, make_sessionmaker, upgrade_database
from node.core.models import Item, utcnow
from node.core.private_files import DIR_MODE, private_dir
from search.outbox import enqueue_index_updates

Progress = Callable[[int, int], None]


class RestoreRefused(Exception):
    """The restore was not started: the home or database is not empty, or the backup does not fit."""


def home_files(home: Path) -> dict[str, Path]:
    """The home's files a node cannot rebuild, by member name: node.json and everything under keys/."""
    files = {f"home/{CONFIG_FILE}": home / CONFIG_FILE}
    for path in sorted((home / "keys").rglob("*")):
        if path.is_file():
            files[f"home/{path.relative_to(home).as_posix()}"] = path
    return files


def take_backup(config: NodeConfig, target: Path, progress: Progress) -> Manifest:
    """Write a backup of the node to `target` (0600, atomically) while it may be running."""
    with tempfile.TemporaryDirectory(prefix="vidensnet-backup-", dir=target.parent) as tmp:
        staging = Path(tmp)
        revision = schema_revision(config.database_url)
        database = copy_out(config.database_url, staging, progress)
        sources = {database: staging / database, **home_files(config.home)}
        manifest = Manifest(config.node.id, utcnow().isoformat(), revision, database_kind(config.database_url),
                            {name: sha256_file(path) for name, path in sources.items()})
        write_archive(target, manifest, sources)
    return manifest


def check_restorable(home: Path) -> str:
    """The database URL to restore into; RestoreRefused naming why if the home or database is not empty."""
    url = database_url_for(home)
    if (home / CONFIG_FILE).exists():
        raise RestoreRefused(f"{home} already holds a node ({CONFIG_FILE}); restore into an empty data directory")
    try:
        empty = is_empty(url)
    except Exception as exc:  # noqa: BLE001 (any driver error: the database cannot be checked)
        raise RestoreRefused(f"the database cannot be reached: {exc}") from None
    if not empty:
        shown = make_url(url).render_as_string(hide_password=True)
        raise RestoreRefused(f"the database already holds tables ({shown}); restore into an empty one")
    return url


def restore_backup(home: Path, source: Path) -> Manifest:
    """Verify the backup, restore it into the empty `home`, migrate, queue a full reindex and start a new epoch."""
    url = check_restorable(home)
    private_dir(home)
    with tempfile.TemporaryDirectory(prefix="vidensnet-restore-", dir=home) as tmp:
        staging = Path(tmp)
        try:
            manifest = extract_verified(source, staging)
            database = next(n for n in manifest.files if n.startswith("database/"))
        except StopIteration:
            raise ArchiveError("the backup holds no database") from None
        _check_known_revision(manifest.schema_revision, url)
        copy_in(url, staging / database, manifest.database_kind)
        _place_home_files(staging / "home", home)
    upgrade_database(url)  # a backup from an older release gets this release's schema
    _after_restore(home)
    return manifest


def _check_known_revision(revision: str | None, url: str) -> None:
    # A backup from a newer release has a schema this release cannot migrate from: refuse before writing.
    try:
        known = revision is None or ScriptDirectory.from_config(alembic_config(url)).get_revision(revision)
    except CommandError:
        known = False
    if not known:
        raise RestoreRefused(f"the backup's schema revision {revision} is unknown to this release: "
                             "restore it with the release that made it (or a newer one)")


def _place_home_files(source: Path, home: Path) -> None:
    for path in sorted(source.rglob("*")):
        target = home / path.relative_to(source)
        if path.is_dir():
            private_dir(target)
        else:
            target.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
            shutil.move(path, target)
            target.chmod(0o600)


def _after_restore(home: Path) -> None:
    # Peers may have read this feed past the copy's head: a new epoch makes them read it again from 0,
    # so nothing is skipped and, envelopes being idempotent, nothing is stored twice (federation-protocol §9).
    engine = make_engine(load_config(home).database_url)
    try:
        with make_sessionmaker(engine).begin() as session:
            epoch = start_new_epoch(session)
            enqueue_index_updates(session, list(session.scalars(select(Item.id))))
        write_mark(home / MARK_FILE, epoch, 0)
    finally:
        engine.dispose()


__all__ = ["ArchiveError", "DatabaseCopyError", "RestoreRefused", "restore_backup", "take_backup"]
