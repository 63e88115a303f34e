"""The editor's form reshaping: observation lines read back as the counts they stand for."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from node.web.forms import form_to_data


def observations(text: str) -> list[dict]:
    return form_to_data(MultiDict({"d_observations": text}), "bulletin")["details"]["observations"]


def test_a_suppressed_count_reads_back_in_danish_or_in_the_english_previews_word():
    assert observations("piger | under 5\ndrenge | skjult\nunge | hidden\nI alt | 20") == [
        {"label": "piger", "count": None, "under": 5},
        {"label": "drenge", "count": None, "hidden": True},
        {"label": "unge", "count": None, "hidden": True},
        {"label": "I alt", "count": 20},
    ]
