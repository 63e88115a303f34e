"""The audience rule: districts keep their items, national nodes only when named."""

from __future__ import annotations

from federation.audience import NodeView, may_hold

AARHUS = NodeView("aarhus-kommune", "municipality", municipality="0751")
ODENSE = NodeView("odense-kommune", "municipality", municipality="0461")
POLITI = NodeView("oestjyllands-politi", "police", district="Østjyllands Politi")
DKR = NodeView("dkr", "national")
DISTRICT = {"districts": ["Østjyllands Politi"]}


def test_public_and_network_items_may_go_everywhere():
    for node in (AARHUS, ODENSE, POLITI, DKR):
        assert may_hold("public", node) and may_hold("network", node)


def test_district_items_stay_with_the_districts_municipalities_and_police():
    assert may_hold(DISTRICT, AARHUS) and may_hold(DISTRICT, POLITI)
    assert not may_hold(DISTRICT, ODENSE)
    assert not may_hold(DISTRICT, DKR)


def test_named_nodes_only_and_the_origin_always():
    audience = {"nodes": ["dkr"]}
    assert may_hold(audience, DKR) and not may_hold(audience, AARHUS)
    assert may_hold(audience, AARHUS, origin="aarhus-kommune")


def test_unknown_audience_shapes_hold_nothing():
    assert not may_hold({"groups": ["x"]}, AARHUS)
    assert not may_hold(None, AARHUS)


def test_district_plus_a_named_node_across_the_border_reaches_both_and_no_one_else():
    audience = {"districts": ["Østjyllands Politi"], "nodes": ["odense-kommune"]}
    assert may_hold(audience, AARHUS) and may_hold(audience, POLITI) and may_hold(audience, ODENSE)
    assert not may_hold(audience, DKR)
    assert not may_hold(audience, NodeView("vejle-kommune", "municipality", municipality="0630"))
