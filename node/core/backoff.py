"""Exponential backoff with jitter, for anything retried after failures (a peer, an external feed)."""

from __future__ import annotations

import random
from datetime import timedelta


def retry_delay(failures: int, base_seconds: float, max_seconds: float) -> timedelta:
    """The wait after `failures` failures in a row: doubling from base up to max, jittered against retries in step."""
    delay = min(max_seconds, base_seconds * 2 ** min(failures - 1, 12))
    return timedelta(seconds=delay * random.uniform(0.5, 1.0))
