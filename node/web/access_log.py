"""One structured line per request on the `vidensnet.access` logger, with a request id the caller can follow."""

from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Flask, g, request
from flask_login import current_user

log = logging.getLogger("vidensnet.access")
# An incoming X-Request-Id is kept only if it is short and plain, so it cannot forge or break a log line.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def init_access_log(app: Flask) -> None:
    """Give every request an id and log it once answered."""
    app.before_request(_start)
    app.after_request(_finish)


def request_id() -> str:
    """The request's id: the caller's X-Request-Id when sane, else a new one."""
    return g.get("request_id", "-")


def _start() -> None:
    incoming = request.headers.get("X-Request-Id", "")
    g.request_id = incoming if SANE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _finish(response):
    duration_ms = round((time.perf_counter() - g.get("request_started", time.perf_counter())) * 1000, 1)
    response.headers["X-Request-Id"] = request_id()
    fields = {"method": request.method, "path": request.path, "status": response.status_code,
              "duration_ms": duration_ms, "user": _user_id(), "request_id": request_id(),
              "remote_addr": request.remote_addr or "-"}
    log.info("%(method)s %(path)s %(status)s %(duration_ms)sms user=%(user)s request_id=%(request_id)s", fields,
             extra={"fields": fields})
    return response


def _user_id() -> str:
    user = g.get("api_user") or (current_user if current_user and current_user.is_authenticated else None)
    return str(user.id) if user is not None else "-"
