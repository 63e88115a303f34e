"""Finding the Meilisearch binary: the configured one, else `meilisearch` on PATH, else the project's cache."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

# Where deploy/install-meilisearch.sh puts the checked 1.21.0 binary.
CACHED_BINARY = Path(__file__).resolve().parent.parent / "var" / "meilisearch" / "1.21.0" / "meilisearch"


class MeilisearchMissing(RuntimeError):
    """No Meilisearch binary could be found; the message says how to get one."""


def find_meilisearch(configured: str = "") -> Path:
    """The Meilisearch binary to run: `configured` (VIDENSNET_MEILISEARCH_BIN) when set."""
    if configured:
        path = Path(configured)
        if not (path.is_file() and os.access(path, os.X_OK)):
            raise MeilisearchMissing(f"VIDENSNET_MEILISEARCH_BIN={configured}: not an executable file")
        return path
    on_path = shutil.which("meilisearch")
    if on_path:
        return Path(on_path)
    if CACHED_BINARY.is_file():
        return CACHED_BINARY
    raise MeilisearchMissing(
        "Meilisearch not found: run deploy/install-meilisearch.sh, install Meilisearch 1.21 on PATH, "
        "set VIDENSNET_MEILISEARCH_BIN, or point VIDENSNET_MEILISEARCH_URL at a running server"
    )
