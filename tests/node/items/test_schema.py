"""Validation of the item format: every bad field is named, good items are normalised."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from node.items.schema import ItemInvalid, LocalRules, full_item_id, validate_item

NODE = "aarhus-kommune"


def practice(**overrides):
    data = {
        "id": "natteravne",
        "type": "practice",
        "title": "Natteravne i Gellerup",
        "summary": "Frivillige voksne går aftenture i boligområdet.",
        "audience": "public",
        "municipalities": ["0751"],
        "police_districts": ["Østjyllands Politi"],
        "prevention_level": "forebyggende",
        "target_groups": ["unge 13-17 år"],
        "cooperation": ["SSP"],
        "details": {"focus": "generel", "start_year": 2015},
    }
    return {**data, **overrides}


def errors_of(data) -> dict[str, str]:
    with pytest.raises(ItemInvalid) as caught:
        validate_item(data, node_id=NODE)
    return caught.value.errors


def test_valid_practice_gets_full_id_and_normalised_fields():
    content = validate_item(practice(title="  Natteravne  "), node_id=NODE)
    assert content.id == "aarhus-kommune:natteravne"
    assert content.title == "Natteravne"
    assert content.details == {"focus": "generel", "start_year": 2015}


def test_every_bad_field_is_reported_at_once_with_its_name():
    errors = errors_of(practice(
        title="x", municipalities=["9999"], police_districts=["Jyllands Politi"],
        prevention_level="lidt", cooperation=["FBI"], audience="alle", colour="blå",
    ))
    assert set(errors) == {"title", "municipalities", "police_districts", "prevention_level", "cooperation",
                           "audience", "colour"}
    assert "9999" in errors["municipalities"]
    assert errors["colour"] == "ukendt felt"


def test_required_fields_are_named_when_missing():
    errors = errors_of({"id": "x"})
    assert errors["type"] == "skal udfyldes"
    assert errors["title"] == "skal udfyldes"
    assert errors["summary"] == "skal udfyldes"


def test_id_of_another_node_is_refused():
    with pytest.raises(ValueError, match="randers-kommune"):
        full_item_id("randers-kommune:plan", NODE)
    assert full_item_id("aarhus-kommune:plan", NODE) == "aarhus-kommune:plan"
    with pytest.raises(ValueError):
        full_item_id("Store Bogstaver", NODE)


def test_unknown_detail_keys_and_bad_detail_values_are_refused():
    errors = errors_of(practice(details={"focus": "alt", "start_year": 1850, "colour": 1}))
    assert "focus" in errors["details"] and "start_year" in errors["details"] and "colour" in errors["details"]


def test_bulletin_defaults_to_its_districts_and_may_not_be_public():
    bulletin = {"id": "b1", "type": "bulletin", "title": "Knallerttyveri", "summary": "Stigning.",
                "police_districts": ["Østjyllands Politi"],
                "details": {"observations": [{"label": "Tyverier", "count": 12}]}}
    assert validate_item(bulletin, node_id=NODE).audience == {"districts": ["Østjyllands Politi"]}
    assert "audience" in errors_of({**bulletin, "audience": "public"})


def test_observation_counts_must_be_whole_non_negative_numbers():
    bulletin = {"id": "b1", "type": "bulletin", "title": "Tendens", "summary": "x",
                "audience": "network", "details": {"observations": [{"label": "Tyverier", "count": -1}]}}
    assert "count" in errors_of(bulletin)["details"]


def test_plan_requires_participating_municipalities():
    plan = {"id": "p1", "type": "plan", "title": "Fælles plan", "summary": "x", "details": {"goals": "Mål"}}
    assert "participating_municipalities" in errors_of(plan)["details"]


def test_expiry_must_be_in_the_future_and_is_read_as_utc():
    assert "expires_at" in errors_of(practice(expires_at="2001-01-01"))
    content = validate_item(practice(expires_at="2999-05-01"), node_id=NODE)
    assert content.expires_at == datetime(2999, 5, 1, tzinfo=UTC)


def test_audience_lists_are_checked_and_sorted():
    content = validate_item(practice(audience={"nodes": ["randers-kommune", "dkr"]}), node_id=NODE)
    assert content.audience == {"nodes": ["dkr", "randers-kommune"]}
    assert "audience" in errors_of(practice(audience={"districts": []}))
    assert "audience" in errors_of(practice(audience={"districts": ["Atlantis"]}))


def test_control_characters_and_multiline_titles_are_refused():
    assert "title" in errors_of(practice(title="Linje\nto"))
    assert "summary" in errors_of(practice(summary="nul\x00byte"))


def test_content_hash_ignores_id_but_not_content():
    a = validate_item(practice(), node_id=NODE)
    b = validate_item(practice(id="andet-id"), node_id=NODE)
    c = validate_item(practice(title="Natteravne i Aarhus"), node_id=NODE)
    assert a.content_hash() == b.content_hash() != c.content_hash()


BULLETIN = {"id": "b2", "type": "bulletin", "title": "Unge grupper ved stationen", "summary": "Flere episoder.",
            "police_districts": ["Midt- og Vestjyllands Politi"],
            "details": {"observations": [{"label": "Episoder", "count": 18}, {"label": "Trusler", "count": 3},
                                         {"label": "Røverier", "count": 6},
                                         {"label": "I alt", "count": 27, "total": True}]}}
RULES = LocalRules(home_district="Østjyllands Politi", small_count_threshold=5, bulletin_max_days=120)


def test_written_on_this_node_a_bulletin_defaults_to_the_authors_own_district():
    assert validate_item(BULLETIN, node_id=NODE, rules=RULES).audience == {"districts": ["Østjyllands Politi"]}
    # Without local rules (an item from a peer keeps what it says), the old default stays.
    assert validate_item(BULLETIN, node_id=NODE).audience == {"districts": ["Midt- og Vestjyllands Politi"]}


def test_bulletin_may_add_a_named_node_across_the_border_to_its_districts():
    audience = {"nodes": ["viborg-kommune"], "districts": ["Østjyllands Politi"]}
    content = validate_item({**BULLETIN, "audience": audience}, node_id=NODE, rules=RULES)
    assert content.audience == {"districts": ["Østjyllands Politi"], "nodes": ["viborg-kommune"]}
    assert "audience" in errors_of({**BULLETIN, "audience": {"districts": ["Østjyllands Politi"], "nodes": []}})
    assert "audience" in errors_of({**BULLETIN, "audience": {"districts": ["Østjyllands Politi"], "groups": ["x"]}})


def test_small_counts_are_suppressed_in_the_stored_content_itself():
    observations = validate_item(BULLETIN, node_id=NODE, rules=RULES).details["observations"]
    assert [o["count"] for o in observations] == [18, None, None, 27]
    assert observations[1] == {"label": "Trusler", "count": None, "under": 5}
    assert observations[2] == {"label": "Røverier", "count": None, "hidden": True}


def test_peer_items_keep_their_signed_counts_untouched():
    observations = validate_item(BULLETIN, node_id=NODE).details["observations"]
    assert [o["count"] for o in observations] == [18, 3, 6, 27]


def test_observation_shapes_are_checked():
    def details_error(*observations):
        return errors_of({**BULLETIN, "details": {"observations": list(observations)}}).get("details", "")
    assert "total" in details_error({"label": "a", "count": 2, "total": True},
                                    {"label": "b", "count": 9, "total": True})
    assert "under" in details_error({"label": "a", "count": None})
    assert "count" in details_error({"label": "a", "count": 7, "under": 5})
    assert "total" in details_error({"label": "a", "count": 7, "total": "ja"})


def test_bulletin_expiry_beyond_the_configured_maximum_is_refused_naming_the_limit():
    too_late = (datetime.now(UTC) + timedelta(days=121)).date().isoformat()
    with pytest.raises(ItemInvalid) as caught:
        validate_item({**BULLETIN, "expires_at": too_late}, node_id=NODE, rules=RULES)
    assert "120 dage" in caught.value.errors["expires_at"]
    in_time = (datetime.now(UTC) + timedelta(days=119)).date().isoformat()
    assert validate_item({**BULLETIN, "expires_at": in_time}, node_id=NODE, rules=RULES).expires_at is not None
    # Other types may live as long as their authors like.
    assert validate_item(practice(expires_at=too_late), node_id=NODE, rules=RULES).expires_at is not None


def test_default_bulletin_lifetime_is_ninety_days_or_the_shorter_maximum():
    assert LocalRules(bulletin_max_days=180).bulletin_lifetime_days == 90
    assert LocalRules(bulletin_max_days=30).bulletin_lifetime_days == 30
