"""The reproduction of the old segfault (docs/known-issues.md) does not crash with the collector pause.

That the pause is what prevents it is proven deterministically in test_collector.py (the collector is off
inside SQLAlchemy's detach); whether the unpaused reproduction crashes depends on the allocation pattern of
the code around it, so that comparison lives in bench/gc_crash_stress.py, not in the suite.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

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
