"""A counted, thread-safe pause of CPython's cyclic garbage collector around SQLAlchemy's detaching of objects.

On CPython 3.11 a collection can start inside any allocation of a container object
(3.12 moved it to the eval breaker, python/cpython gh-97922). SQLAlchemy's
`InstanceState._detach_states`, run by `Session.close()`/`expunge_all()` and by the
expunging of new objects on `rollback()`, stores `state._strong_obj = None`; that
store builds the state's `__dict__` from its inline attribute array, and when the
dict's allocation starts a collection that finds the session's objects as cyclic
garbage, SQLAlchemy's weakref callback `InstanceState._cleanup` builds a second dict
from the same array on the same state: a double free (docs/known-issues.md).
Keeping the collector off while states are detached removes that window.
"""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

# Only 3.11 (the oldest supported Python) collects inside allocations.
COLLECTS_INSIDE_ALLOCATIONS = sys.version_info < (3, 12)

_lock = threading.Lock()
_holders = 0
_was_enabled = False


@contextmanager
def collector_paused(applies: bool = COLLECTS_INSIDE_ALLOCATIONS) -> Iterator[None]:
    """Within the block no cyclic collection starts (where Python collects in allocations); nestable, thread-safe."""
    if not applies:
        yield
        return
    _enter()
    try:
        yield
    finally:
        _leave()


def _enter() -> None:
    global _holders, _was_enabled
    with _lock:
        if _holders == 0:
            # Remember the state of the first entrant only: later ones see the collector already off.
            _was_enabled = gc.isenabled()
            gc.disable()
        _holders += 1


def _leave() -> None:
    global _holders
    with _lock:
        _holders -= 1
        if _holders == 0 and _was_enabled:
            gc.enable()
