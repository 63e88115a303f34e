"""The federation's scheduler tick starts pulls only while this process holds the worker lease."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from federation.local import LocalNode
from federation.peering import approve_peer, record_peer
from federation.scheduling import FederationCycle, run_cycle
from federation.trust import check_descriptor, own_descriptor
from node.core.config import NodeSettings
from tests.helpers.nodes import SINKS

AARHUS = NodeSettings("aarhus-kommune", "Aarhus Kommune", "municipality", "http://127.0.0.1:9", "0751")
POLITI = NodeSettings("oestjyllands-politi", "Østjyllands Politi", "police", "http://127.0.0.1:9",
                      district="Østjyllands Politi")


class RecordedPulls:
    """Stands in for the pull threads: records what the tick submitted, runs nothing."""

    def __init__(self):
        self.submitted: list[tuple] = []

    def submit(self, function, *args):
        self.submitted.append((function.__name__, *args[1:]))


@pytest.fixture
def due_peer(sessions) -> None:
    """An approved peer never pulled yet, so due at once."""
    with sessions.begin() as session:
        record_peer(session, check_descriptor(own_descriptor(POLITI, Ed25519PrivateKey.generate())))
        approve_peer(session, POLITI.id)


@pytest.mark.parametrize("held", (True, False))
def test_a_tick_pulls_the_due_peer_only_while_the_process_holds_the_worker_lease(sessions, due_peer, held):
    pulls = RecordedPulls()
    cycle = FederationCycle(sessions, LocalNode(AARHUS, Ed25519PrivateKey.generate(), SINKS),
                            workers=pulls, holds_lease=lambda: held)
    run_cycle(cycle)
    assert pulls.submitted == ([("_pull_in_worker", POLITI.id)] if held else [])
