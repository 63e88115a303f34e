"""The backup file's format: a manifest first, every member checked against its sha256, nothing outside the home."""

from __future__ import annotations

import io
import stat
import tarfile

import pytest

from node.backup.archive import ArchiveError, Manifest, check_name, extract_verified, sha256_file, write_archive


def _backup(tmp_path, content: bytes = b"database bytes"):
    source = tmp_path / "db"
    source.write_bytes(content)
    manifest = Manifest("aarhus-kommune", "2026-12-01T00:00:00+00:00", "0020", "sqlite",
                        {"database/vidensnet.db": sha256_file(source)})
    target = tmp_path / "node.backup"
    write_archive(target, manifest, {"database/vidensnet.db": source})
    return target, manifest


def test_an_archive_is_written_0600_with_no_partial_file_left_and_extracts_to_the_same_bytes(tmp_path):
    target, manifest = _backup(tmp_path)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert not list(tmp_path.glob("*.partial"))
    staging = tmp_path / "out"
    staging.mkdir()
    assert extract_verified(target, staging) == manifest
    assert (staging / "database/vidensnet.db").read_bytes() == b"database bytes"


def _rewrite(target, replace: dict[str, bytes]) -> None:
    with tarfile.open(target) as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar]
    with tarfile.open(target, "w:gz") as tar:
        for member, data in members:
            data = replace.get(member.name, data)
            member.size = len(data)
            tar.addfile(member, io.BytesIO(data))


def test_a_member_altered_after_the_backup_is_refused_by_its_checksum(tmp_path):
    target, _ = _backup(tmp_path)
    _rewrite(target, {"database/vidensnet.db": b"database bytez"})
    staging = tmp_path / "out"
    staging.mkdir()
    with pytest.raises(ArchiveError, match="checksum mismatch for database/vidensnet.db"):
        extract_verified(target, staging)


def test_a_file_that_is_no_backup_is_refused(tmp_path):
    other = tmp_path / "other.tar"
    with tarfile.open(other, "w") as tar:
        tar.add(str(tmp_path), arcname="home/x", recursive=False)
    with pytest.raises(ArchiveError, match="manifest.json"):
        extract_verified(other, tmp_path)
    (tmp_path / "junk").write_bytes(b"not a tar")
    with pytest.raises(ArchiveError, match="cannot be read"):
        extract_verified(tmp_path / "junk", tmp_path)


@pytest.mark.parametrize("name", ["/etc/passwd", "home/../../x", "other/file", "home", "home/./x"])
def test_member_names_outside_the_database_and_home_are_refused(name):
    with pytest.raises(ArchiveError):
        check_name(name)


def test_the_manifest_names_format_node_schema_kind_and_every_file_with_its_sha256(tmp_path):
    import json
    target, _ = _backup(tmp_path)
    with tarfile.open(target) as tar:
        first = tar.next()
        data = json.loads(tar.extractfile(first).read())
    assert first.name == "manifest.json"
    assert data["format_version"] == 1 and data["node_id"] == "aarhus-kommune"
    assert data["schema_revision"] == "0020" and data["database_kind"] == "sqlite"
    assert data["files"] == [{"name": "database/vidensnet.db", "sha256": sha256_file(tmp_path / "db")}]
