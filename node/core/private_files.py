"""Directories (0700) and files (0600) only the node's own user can read, whatever the process umask.

The data directory holds bulletins, accounts, keys and the search index. A umask only
takes permission bits away, so the usual 022 would leave what the node creates readable
by every local user; these functions set the modes explicitly instead, so the node is
private when a WSGI server, a test or systemd starts it, not only through the CLI.
"""

from __future__ import annotations

import os
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """Create the directory (and missing parents) if needed and make it 0700; parents keep their modes."""
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    path.chmod(DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Create the file empty if it does not exist, and make it 0600 either way."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)
    return path


def write_private_text(path: Path, text: str) -> None:
    """Write the text to the file (replacing its content), which is 0600 before any byte is written."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        os.fchmod(fd, FILE_MODE)
        file.write(text)


def open_private_log(path: Path):
    """The file opened for appending (a log), 0600."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
    os.fchmod(fd, FILE_MODE)
    return os.fdopen(fd, "a", encoding="utf-8")
