"""The node process's garbage-collector setting.

CPython runs its cycle collector after every 700 new container objects (dicts,
lists, tuples), and every tenth and hundredth run escalates to older generations.
Storing a page of received items creates hundreds of thousands of such objects,
almost all freed at once by reference counting, so the collector ran hundreds of
times per pull, including full collections of about 80 ms each that hold the GIL
and stall every other thread of the node (the web server included). Measured on a
pull of 10,000 items: 0.7 s of a 3.9 s pull was spent in the collector with the
default threshold, 0.08 s with this one (docs/benchmarks.md, ingest).

This setting is for speed only. It once made the heap corruption of docs/known-issues.md
about 70 times rarer, but the fix is the collector pause of node.core.collector: the
node runs without crashes at CPython's default threshold (bench/gc_crash_stress.py).
"""

from __future__ import annotations

import gc

# New container objects between two collections of the youngest generation (CPython's default: 700).
YOUNG_GENERATION_THRESHOLD = 50_000


def collect_less_often() -> None:
    """Let the cycle collector start after 50,000 new objects instead of 700; older generations keep their ratios."""
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, middle, old)
