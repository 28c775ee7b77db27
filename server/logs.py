"""One JSON line per request on the `doorstep.request` logger, and a request id the client sees (X-Request-Id).

A line holds: id, method, path, the names (never the values) of the query arguments, status, duration in ms, user id
and device id. Nothing a client typed beyond the path goes in: query values, bodies and headers can hold names,
phones, tokens and passwords. SQLAlchemy's `hide_parameters` (set in create_app) keeps values out of database errors.
"""
import json
import logging
import re
import sys
import time
import uuid

from flask import Flask, g, request

log = logging.getLogger("doorstep.request")
HEADER = "X-Request-Id"
# A proxy's request id is kept so that its lines and ours join up; anything else is replaced.
_SANE_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


def _start():
    g.request_started = time.perf_counter()
    sent = request.headers.get(HEADER, "")
    g.request_id = sent if _SANE_ID.fullmatch(sent) else uuid.uuid4().hex


def _finish(response):
    started = g.get("request_started")
    if started is None:  # a request that failed before _start ran
        return response
    response.headers[HEADER] = g.request_id
    user, device = g.get("user"), g.get("device")
    log.info(json.dumps({
        "request_id": g.request_id, "method": request.method, "path": request.path,
        "query": sorted(request.args.keys()), "status": response.status_code,
        "ms": round((time.perf_counter() - started) * 1000, 1),
        "user_id": getattr(user, "id", None), "device_id": getattr(device, "id", None),
    }, ensure_ascii=True))
    return response


def init_app(app: Flask) -> None:
    """Register the hooks first, so that every other hook's time counts and every reply carries the id."""
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request_funcs.setdefault(None, []).insert(0, _finish)  # they run in reverse: this one last
    root = logging.getLogger("doorstep")
    if not root.handlers and not app.testing:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        root.addHandler(handler)
        root.setLevel(logging.INFO)
