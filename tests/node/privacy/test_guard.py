"""The anonymisation guard on items: every field is scanned, bulletins strictly, and only publishers override."""

from __future__ import annotations

import pytest

from node.items.schema import ItemInvalid, validate_item

NODE = "ostjyllands-politi"


def bulletin(**overrides):
    data = {"id": "uro-ved-stationen", "type": "bulletin", "title": "Uro ved stationen i weekenderne",
            "summary": "En gruppe 15-17-årige samles ved stationen fredag og lørdag aften.",
            "police_districts": ["Østjyllands Politi"], "municipalities": ["0751", "0730"],
            "details": {"observations": [{"label": "Anmeldelser om hærværk", "count": 12}]}}
    return {**data, **overrides}


def method(**overrides):
    data = {"id": "mentor", "type": "method", "title": "Mentorordning for unge",
            "summary": "En voksen mentor følger den unge i et år.", "audience": "public"}
    return {**data, **overrides}


def practice(**overrides):
    data = {"id": "natteravne", "type": "practice", "title": "Natteravne i boligområdet",
            "summary": "Frivillige voksne går aftenture.", "audience": "public"}
    return {**data, **overrides}


def errors_of(data, **options) -> dict[str, str]:
    with pytest.raises(ItemInvalid) as caught:
        validate_item(data, node_id=NODE, **options)
    return caught.value.errors


def test_a_clean_bulletin_passes():
    assert validate_item(bulletin(), node_id=NODE).type == "bulletin"


def test_the_message_names_the_field_and_the_kinds_but_never_the_value_and_asks_to_remove_them_in_the_plural():
    errors = errors_of(bulletin(body="Gruppen ledes af Mikkel Jensen, tlf. 23 45 67 89."))
    assert errors == {"body": "indeholder et telefonnummer og et personnavn; "
                              "fjern dem (oplysningerne gentages ikke her)"}
    assert "Mikkel" not in str(errors) and "23 45" not in str(errors)


def test_one_kind_is_asked_removed_with_the_pronoun_of_its_gender():
    assert errors_of(method(body="Ring på 23 45 67 89."))["body"] == (
        "indeholder et telefonnummer; fjern det (oplysningen gentages ikke her)")


def test_details_tags_and_observation_labels_are_scanned_too():
    errors = errors_of(bulletin(tags=["Skolevej 12"], details={
        "observations": [{"label": "Knallert XY12345", "count": 3}], "area": "Omkring Sofie Hansen"}))
    assert set(errors) == {"tags", "details.observations", "details.area"}
    assert "nummerplade" in errors["details.observations"]


def test_bulletins_are_strict_about_a_first_name_with_an_age_other_types_are_not():
    assert "summary" in errors_of(bulletin(summary="Emil (15) har stjålet knallerter."))
    assert validate_item(method(summary="Emil (15) fortæller om sin mentor."), node_id=NODE)


def test_a_publisher_may_override_for_a_method_with_a_recorded_reason():
    reason = "Metodens ophavsperson er nævnt med tilladelse"
    data = method(body="Metoden er udviklet af Lone Pedersen.", details={"personal_data_override": reason})
    assert "body" in errors_of(method(body="Metoden er udviklet af Lone Pedersen."), may_override=True)
    assert errors_of(data) == {"details": "personal_data_override: kun en udgiver kan tillade personoplysninger"}
    assert validate_item(data, node_id=NODE, may_override=True).details["personal_data_override"] == reason


def test_a_bulletin_can_never_be_overridden():
    errors = errors_of(bulletin(body="Mikkel Jensen", details={"personal_data_override": "vigtigt"}), may_override=True)
    assert "ukendt felt for typen tendensbulletin" in errors["details"] and "body" in errors


def test_a_role_mailbox_is_allowed_in_the_contact_field_but_a_persons_mailbox_is_not():
    assert validate_item(practice(details={"contact": "ssp@randers.dk"}), node_id=NODE)
    assert validate_item(practice(details={"contact": "SSP-sekretariatet, info@aarhus.dk"}), node_id=NODE)
    errors = errors_of(practice(details={"contact": "ssp.mette@aarhus.dk"}))
    assert errors == {"details.contact": "indeholder en e-mailadresse; fjern den (oplysningen gentages ikke her)"}


def test_a_role_mailbox_outside_the_contact_field_is_still_refused():
    assert "e-mailadresse" in errors_of(bulletin(body="Skriv til ssp@randers.dk."))["body"]


def test_new_kinds_are_named_in_danish_and_never_echoed():
    errors = errors_of(bulletin(body="Noah fra 9.x, kaldet »lille Ali«, er født 3. maj 2011."))
    assert errors["body"] == ("indeholder en fødselsdato, et kaldenavn og et fornavn med skole eller klasse; "
                              "fjern dem (oplysningerne gentages ikke her)")
    assert not any(word in errors["body"] for word in ("Noah", "Ali", "9.x", "2011"))
