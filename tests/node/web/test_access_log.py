"""The access log: one structured line per request, with a request id returned to the caller."""

from __future__ import annotations

import json
import logging

from node.core.logs import JsonFormatter
from tests.helpers.web import login


def _access_records(caplog):
    return [r for r in caplog.records if r.name == "vidensnet.access"]


def test_each_request_logs_one_line_with_method_path_status_duration_user_and_the_callers_request_id(
        client, users, caplog):
    login(client, "editor")
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="vidensnet.access"):
        response = client.get("/konto", headers={"X-Request-Id": "abc-123"})
    assert response.headers["X-Request-Id"] == "abc-123"
    (record,) = _access_records(caplog)
    fields = record.fields
    assert (fields["method"], fields["path"], fields["status"], fields["request_id"]) == ("GET", "/konto", 200,
                                                                                         "abc-123")
    assert fields["user"] != "-" and fields["duration_ms"] >= 0


def test_a_request_id_of_odd_shape_is_replaced_and_an_anonymous_caller_is_dash(client, caplog):
    with caplog.at_level(logging.INFO, logger="vidensnet.access"):
        response = client.get("/healthz", headers={"X-Request-Id": "x forged=line \"" + "y" * 200})
    (record,) = _access_records(caplog)
    assert response.headers["X-Request-Id"] == record.fields["request_id"]
    assert len(record.fields["request_id"]) == 32 and record.fields["user"] == "-"


def test_the_json_format_puts_the_fields_of_a_line_into_one_json_object(client, caplog):
    with caplog.at_level(logging.INFO, logger="vidensnet.access"):
        client.get("/healthz")
    (record,) = _access_records(caplog)
    line = json.loads(JsonFormatter().format(record))
    assert line["logger"] == "vidensnet.access" and line["path"] == "/healthz" and line["status"] == 200
