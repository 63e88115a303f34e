"""The reproduction of the old segfault (docs/known-issues.md) crashes without the collector pause, not with it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from node.core.collector import COLLECTS_INSIDE_ALLOCATIONS

ROOT = Path(__file__).resolve().parents[3]
STRESS = ROOT / "bench" / "gc_crash_stress.py"


def _crashes(*args: str) -> tuple[int, int]:
    """Run the bench stress test; (crashes, runs) from its summary line."""
    out = subprocess.run([sys.executable, str(STRESS), *args], capture_output=True, text=True, check=True,
                         cwd=ROOT, timeout=120).stdout
    crashes, runs = re.search(r"^(\d+) crashes in (\d+) runs", out, re.MULTILINE).groups()
    return int(crashes), int(runs)


def test_node_pages_served_at_the_default_gc_threshold_never_crash():
    assert _crashes("--runs", "4") == (0, 4)


@pytest.mark.skipif(not COLLECTS_INSIDE_ALLOCATIONS, reason="only CPython < 3.12 collects inside allocations")
def test_the_same_pages_crash_the_interpreter_without_the_collector_pause():
    # Proves the stress test can fail: on 3.11 the unpaused reproduction has crashed every run so far.
    crashes, runs = _crashes("--runs", "2", "--unpaused")
    assert crashes >= 1, f"no crash in {runs} unpaused runs: the reproduction no longer reaches the fault"
