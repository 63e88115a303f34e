"""The audit log page's filter form: a bad filter is refused in Danish, naming the field, and changes nothing."""

from __future__ import annotations

from tests.helpers.web import login


def test_a_bad_date_is_refused_with_400_naming_the_field(client, users):
    login(client, "admin")
    page = client.get("/admin/logbog?fra=1.12.2026")
    assert page.status_code == 400
    assert "fra: skal være en dato som 2026-12-01" in page.get_data(as_text=True)


def test_a_bad_page_number_is_refused_naming_the_field_as_the_form_calls_it(client, users):
    login(client, "admin")
    page = client.get("/admin/logbog?side=nul")
    assert page.status_code == 400 and "side: skal være et helt tal" in page.get_data(as_text=True)


def test_the_admin_page_links_to_the_log(client, users):
    login(client, "admin")
    assert 'href="/admin/logbog"' in client.get("/admin/").get_data(as_text=True)
