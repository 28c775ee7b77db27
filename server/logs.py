"""One JSON line per request on the `doorstep.request` logger, and a request id the client sees (X-Request-Id).

A line holds: id, method, path, the names (never the values) of the query arguments, status, duration in ms, user id
and device id. Nothing a client typed beyond the path goes in: query values, bodies and headers can hold names,
phones, tokens and passwords.

Database errors: SQLAlchemy's `hide_parameters` (set in create_app) keeps the statement's values out of its text, but
not the database's own message: PostgreSQL's DETAIL says "Failing row contains (..., Phạm Thị Lan, 0912...)". So
scrub_database_error takes the values out of the exception itself, before any logger or handler sees it.
"""
import json
import logging
import re
import sys
import time
import uuid

from flask import Flask, g, request
from sqlalchemy import inspect as sa_inspect

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
        "user_id": _key(user), "device_id": _key(device),
    }, ensure_ascii=True))
    return response


def _key(row):
    """The row's primary key from its identity: reading `row.id` after a commit would load the row again."""
    identity = sa_inspect(row).identity if row is not None else None
    return identity[0] if identity else None


def scrub_database_error(context) -> None:
    """handle_error of the engine: PostgreSQL's message of a failed statement without its values.

    What is kept: the primary message (it names constraints and columns, and words such as "deadlock" that the
    retry logic reads), the SQLSTATE and the statement; what goes: DETAIL ("Failing row contains (...)", "Key
    (username)=(...)"), and the primary message of a data exception (class 22), which quotes the refused value.
    """
    orig = context.original_exception
    sqlstate = getattr(orig, "sqlstate", None)
    diag = getattr(orig, "diag", None)
    if type(orig).__module__.split(".")[0] != "psycopg":
        return  # SQLite's messages name the constraint, never a value
    if sqlstate and diag is not None:
        primary = "data exception (message left out)" if sqlstate.startswith("22") else diag.message_primary or ""
        text = f"{primary} [SQLSTATE {sqlstate}]"
    else:
        text = str(orig).split("\n", 1)[0]  # raised by psycopg itself, before the server saw a value
    orig.args = (text,)
    error = context.sqlalchemy_exception
    if error is not None:
        error.args = (f"({type(orig).__module__}.{type(orig).__qualname__}) {text}",)


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
