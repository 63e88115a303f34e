"""The layer contract (pyproject.toml, docs/architecture.md) holds, and the tool would notice a breach."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint_imports(root: Path) -> subprocess.CompletedProcess:
    # PYTHONPATH first: the packages under `root` are analysed, not the installed ones.
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=root, env={"PYTHONPATH": str(root), "PATH": ""},
                          capture_output=True, text=True, timeout=120)


def test_the_layer_contract_is_kept():
    result = _lint_imports(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_contract_breaks_when_federation_imports_search(tmp_path):
    for package in ("node", "federation", "search"):
        shutil.copytree(REPO / package, tmp_path / package,
                        ignore=shutil.ignore_patterns("__pycache__", "data", "demo"))
    shutil.copy(REPO / "pyproject.toml", tmp_path)
    with (tmp_path / "federation" / "ingest.py").open("a", encoding="utf-8") as module:
        module.write("\nimport search.outbox  # noqa: E402,F401\n")
    result = _lint_imports(tmp_path)
    assert result.returncode != 0
    assert "federation.ingest -> search.outbox" in result.stdout
