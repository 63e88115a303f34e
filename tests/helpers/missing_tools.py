"""What a test does when a real component it needs is not installed: fail in CI, skip elsewhere."""

from __future__ import annotations

import os

import pytest


def require_installed(missing: str | None) -> None:
    """Do nothing when `missing` is None; otherwise fail under CI (deploy/test.sh installs it) or skip with it."""
    if missing is None:
        return
    if os.environ.get("CI"):
        pytest.fail(missing)
    pytest.skip(missing)
