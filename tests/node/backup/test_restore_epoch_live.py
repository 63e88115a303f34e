"""After a restore to an older state, a peer that had read further reads the new epoch's feed from 0 and converges."""

from __future__ import annotations

from tests.helpers.live_nodes import LIVE_NODE_ENV, ChildNode, LiveNode, peer, query, stop_all, wait_for, write_items


def _method(n: int) -> dict:
    return {"id": f"metode-{n}", "type": "method", "title": f"Metode nummer {n} om unge i byen",
            "summary": "En metode til forebyggelse.", "audience": "public"}


def _publish(node: ChildNode, tmp_path, *numbers: int) -> None:
    node.cli("import", str(write_items(tmp_path / f"items-{numbers[0]}.jsonl", *[_method(n) for n in numbers])))


def _held(node: ChildNode, *numbers: int) -> bool:
    """Whether the node holds Aarhus' items with these numbers (ids are the publisher's id and the item's)."""
    ids = [row[0] for row in query(node, "SELECT id FROM items")]
    return all(any(i.endswith(f"metode-{n}") for i in ids) for n in numbers)


def test_a_peer_that_read_past_a_restored_copy_reads_the_new_epoch_again_and_converges(tmp_path):
    aarhus = LiveNode(tmp_path / "aarhus", "Aarhus Kommune", "municipality", municipality="0751")
    randers = LiveNode(tmp_path / "randers", "Randers Kommune", "municipality", municipality="0730")
    restored = ChildNode(tmp_path / "restored", port=aarhus.port, env=LIVE_NODE_ENV, ready_path="/")
    try:
        aarhus.start()
        randers.start()
        peer(randers, aarhus)
        _publish(aarhus, tmp_path, 0, 1, 2)
        wait_for(lambda: _held(randers, 0, 1, 2), message="randers holds the first items")
        aarhus.cli("backup", str(tmp_path / "aarhus.backup"))
        _publish(aarhus, tmp_path, 3, 4, 5)
        wait_for(lambda: _held(randers, 3, 4, 5), message="randers reads past the backup")
        (old_epoch,) = query(randers, "SELECT epoch FROM peers")[0]
        aarhus.stop()

        restored.cli("restore", str(tmp_path / "aarhus.backup"))
        restored.start()
        (new_epoch,) = query(restored, "SELECT epoch FROM feed_epoch")[0]
        _publish(restored, tmp_path, 6)
        wait_for(lambda: _held(randers, 6), message="randers reads the restored node's new item")
        wait_for(lambda: query(randers, "SELECT epoch FROM peers")[0][0] == new_epoch, message="the new epoch")
    finally:
        stop_all([restored, aarhus, randers])
    assert new_epoch != old_epoch
    ids = [row[0] for row in query(randers, "SELECT id FROM items")]
    assert len(ids) == len(set(ids)) and _held(randers, *range(7))  # nothing lost, nothing twice
