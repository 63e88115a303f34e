"""The backup file: a tar whose first member is `manifest.json`, naming every other member with its sha256.

Member names are relative paths under `database/` (the database copy) or `home/` (files of the data
directory); anything else, an absolute path or a `..` is refused, so a backup cannot write outside the home.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
from dataclasses import dataclass
from pathlib import Path

from node.core.private_files import FILE_MODE

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
ROOTS = ("database", "home")
_CHUNK = 1 << 20


class ArchiveError(Exception):
    """The file is not a backup this node can restore (damaged, altered, or of another format)."""


@dataclass(frozen=True)
class Manifest:
    """What a backup holds and where it came from."""

    node_id: str
    created_at: str
    schema_revision: str | None
    database_kind: str
    files: dict[str, str]  # member name -> sha256
    format_version: int = FORMAT_VERSION

    def as_json(self) -> str:
        """The manifest as the text stored in the archive."""
        return json.dumps({"format_version": self.format_version, "node_id": self.node_id,
                           "created_at": self.created_at, "schema_revision": self.schema_revision,
                           "database_kind": self.database_kind,
                           "files": [{"name": n, "sha256": h} for n, h in sorted(self.files.items())]}, indent=2)


def sha256_file(path: Path) -> str:
    """The file's sha256, hex."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def check_name(name: str) -> str:
    """The member name if it is a plain relative path under one of the known roots; ArchiveError otherwise."""
    parts = name.split("/")
    if parts[0] not in ROOTS or len(parts) < 2 or any(p in ("..", ".", "") for p in parts):
        raise ArchiveError(f"unexpected file in the backup: {name!r}")
    return name


def parse_manifest(text: str) -> Manifest:
    """The manifest from its stored text; ArchiveError if it is not one of a known format."""
    try:
        data = json.loads(text)
        if data["format_version"] != FORMAT_VERSION:
            raise ArchiveError(f"backup format {data['format_version']} is not supported (expected {FORMAT_VERSION})")
        files = {check_name(f["name"]): str(f["sha256"]) for f in data["files"]}
        return Manifest(str(data["node_id"]), str(data["created_at"]), data["schema_revision"],
                        str(data["database_kind"]), files)
    except (ValueError, KeyError, TypeError) as exc:
        raise ArchiveError(f"the backup's manifest cannot be read: {exc}") from None


def write_archive(target: Path, manifest: Manifest, sources: dict[str, Path]) -> None:
    """Write the archive to `target` atomically and 0600: a crash leaves no half backup under that name."""
    partial = target.with_name(target.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as file:
            os.fchmod(file.fileno(), FILE_MODE)
            with tarfile.open(fileobj=file, mode="w:gz") as tar:
                _add_bytes(tar, MANIFEST, manifest.as_json().encode("utf-8"))
                for name in sorted(sources):
                    tar.add(str(sources[name]), arcname=check_name(name), recursive=False)
            file.flush()
            os.fsync(file.fileno())
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode = len(data), FILE_MODE
    tar.addfile(info, io.BytesIO(data))


def extract_verified(source: Path, staging: Path) -> Manifest:
    """Check every member against the manifest and extract them under `staging`; ArchiveError on any mismatch."""
    try:
        with tarfile.open(source, mode="r:*") as tar:
            first = tar.next()
            if first is None or first.name != MANIFEST or not first.isfile():
                raise ArchiveError("not a Vidensnet backup: it does not begin with manifest.json")
            manifest = parse_manifest(tar.extractfile(first).read().decode("utf-8"))
            seen = {_extract_member(tar, member, manifest, staging) for member in tar if member is not first}
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise ArchiveError(f"the backup cannot be read: {exc}") from None
    if missing := set(manifest.files) - seen:
        raise ArchiveError(f"files named in the manifest are missing from the backup: {sorted(missing)}")
    return manifest


def _extract_member(tar: tarfile.TarFile, member: tarfile.TarInfo, manifest: Manifest, staging: Path) -> str:
    if member.name not in manifest.files or not member.isfile():
        raise ArchiveError(f"unexpected file in the backup: {member.name!r}")
    target = staging / member.name
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    digest = hashlib.sha256()
    reader = tar.extractfile(member)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "wb") as out:
        while chunk := reader.read(_CHUNK):
            digest.update(chunk)
            out.write(chunk)
    if digest.hexdigest() != manifest.files[member.name]:
        raise ArchiveError(f"checksum mismatch for {member.name}: the backup is damaged or was altered")
    return member.name
