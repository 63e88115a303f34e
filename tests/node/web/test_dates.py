"""One date form on every page: "2. december 2026" and "kl. 14.05" ("2 December 2026", "at 14:05" in English),
in Danish local time."""

from __future__ import annotations

from datetime import UTC, date, datetime

from node.web.dates import date_words, dato, tidspunkt, time_words


def test_a_date_has_no_leading_zero_and_the_danish_month_name():
    assert date_words(date(2026, 12, 2)) == "2. december 2026"
    assert date_words(date(2026, 5, 17)) == "17. maj 2026"


def test_a_stored_utc_time_is_told_in_danish_winter_and_summer_time():
    assert time_words(datetime(2026, 12, 2, 13, 5, tzinfo=UTC)) == "2. december 2026 kl. 14.05"
    assert time_words(datetime(2026, 7, 1, 12, 0, 9, tzinfo=UTC), seconds=True) == "1. juli 2026 kl. 14.00.09"


def test_late_evening_utc_is_already_the_next_day_in_denmark():
    assert date_words(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == "1. januar 2027"


def test_the_filters_wrap_the_words_in_a_time_element_with_the_iso_value():
    moment = datetime(2026, 12, 2, 13, 5, tzinfo=UTC)
    assert str(dato(moment)) == '<time datetime="2026-12-02T13:05:00+00:00">2. december 2026</time>'
    assert str(tidspunkt(moment)) == '<time datetime="2026-12-02T13:05:00+00:00">2. december 2026 kl. 14.05</time>'
    assert str(dato("2026-11-03")) == '<time datetime="2026-11-03">3. november 2026</time>'


def test_a_missing_date_is_a_dash_and_free_text_is_escaped_as_written():
    assert str(dato(None)) == "—" and str(tidspunkt(None)) == "—"
    assert str(dato("<b>snart</b>")) == "&lt;b&gt;snart&lt;/b&gt;"


def test_an_english_visitor_reads_the_day_month_year_and_the_time_with_a_colon(app):
    moment = datetime(2026, 12, 2, 13, 5, 9, tzinfo=UTC)
    with app.test_request_context("/", headers={"Cookie": "sprog=en"}):
        assert date_words(date(2026, 5, 17)) == "17 May 2026"
        assert time_words(moment) == "2 December 2026 at 14:05"
        assert time_words(moment, seconds=True) == "2 December 2026 at 14:05:09"
        assert str(dato("2026-11-03")) == '<time datetime="2026-11-03">3 November 2026</time>'


def test_a_danish_request_keeps_the_danish_form(app):
    with app.test_request_context("/"):
        assert time_words(datetime(2026, 12, 2, 13, 5, tzinfo=UTC)) == "2. december 2026 kl. 14.05"
