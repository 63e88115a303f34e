"""The cyclic collector stays off while a node session detaches its objects (docs/known-issues.md)."""

from __future__ import annotations

import gc
import threading

import pytest
from sqlalchemy import event, select

from node.core.collector import COLLECTS_INSIDE_ALLOCATIONS, collector_paused
from node.core.db import make_engine, make_sessionmaker, upgrade_database
from node.core.models import LoginAttempt, LoginOutcome


@pytest.fixture
def collector_enabled():
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_the_pause_is_counted_and_restores_an_enabled_collector(collector_enabled):
    with collector_paused(applies=True):
        with collector_paused(applies=True):
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_the_pause_leaves_a_disabled_collector_disabled(collector_enabled):
    gc.disable()
    with collector_paused(applies=True):
        pass
    assert not gc.isenabled()


def test_the_collector_comes_back_only_when_the_last_of_several_threads_leaves(collector_enabled):
    inside, release = threading.Barrier(3), threading.Event()

    def hold():
        with collector_paused(applies=True):
            inside.wait()
            release.wait()

    threads = [threading.Thread(target=hold) for _ in range(2)]
    for thread in threads:
        thread.start()
    inside.wait()
    assert not gc.isenabled()
    release.set()
    for thread in threads:
        thread.join()
    assert gc.isenabled()


def test_the_pause_does_nothing_where_python_does_not_collect_inside_allocations(collector_enabled):
    with collector_paused(applies=False):
        assert gc.isenabled()


@pytest.mark.skipif(not COLLECTS_INSIDE_ALLOCATIONS, reason="only CPython < 3.12 collects inside allocations")
def test_closing_and_rolling_back_a_node_session_detach_objects_with_the_collector_off(tmp_path, collector_enabled):
    url = f"sqlite:///{tmp_path / 'node.db'}"
    upgrade_database(url)
    sessions = make_sessionmaker(make_engine(url))
    seen = []
    session = sessions()
    # These events fire inside InstanceState._detach_states, the spot where a collection corrupts the heap.
    for name in ("persistent_to_detached", "pending_to_transient"):
        event.listen(session, name, lambda *_, name=name: seen.append((name, gc.isenabled())))
    session.add(_attempt())
    session.rollback()  # expunges the new object: pending_to_transient
    session.add(_attempt())
    session.commit()
    loaded = session.execute(select(LoginAttempt)).scalars().all()  # held: the identity map is weak
    session.close()  # expunge_all: persistent_to_detached
    assert loaded and {name for name, _ in seen} == {"persistent_to_detached", "pending_to_transient"}
    assert not any(enabled for _, enabled in seen)
    assert gc.isenabled()


def _attempt() -> LoginAttempt:
    return LoginAttempt(username="laeser", source_address="127.0.0.1", outcome=list(LoginOutcome)[0].value)
