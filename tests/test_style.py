"""The ruff configuration (pyproject.toml: import order, line length, pyflakes) holds for the whole tree."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RUFF = Path(sys.executable).with_name("ruff")


def test_ruff_finds_nothing_to_mend():
    result = subprocess.run([str(RUFF), "check", "--no-cache", "."], cwd=REPO, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
