"""One JSON line per request on the `doorstep.request` logger, and a request id the client sees (X-Request-Id).

A line holds: id, method, path, the names (never the values) of the query arguments, status, duration in ms, user id
and device id. Nothing a client typed beyond the path goes in: query values, bodies and headers can hold names,
phones, tokens and passwords.

Database errors: SQLAlchemy's `hide_parameters` (set in create_app) keeps the statement's values out of its text, but
not the database's own message: PostgreSQL's DETAIL says "Failing row contains (..., Phạm Thị Lan, 0912...)". So
scrub_database_error takes the values out of the exception itself, before any logger or handler sees it, and the
errors of the driver's own cursors, which SQLAlchemy never sees, are cleaned the same way when Flask logs an
unhandled exception and when the handler installed here writes a record with an exception (scrub, ScrubbedErrors).
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
    """handle_error of the engine: the failed statement's error without its values, before anything sees it."""
    scrub(context.original_exception)
    error = context.sqlalchemy_exception
    if error is not None:
        scrub(error)


def scrub(error: BaseException | None) -> None:
    """Take the values out of a database error and of every error chained to it, in place.

    What is kept of PostgreSQL's message: the primary message (it names constraints and columns, and words such as
    "deadlock" that the retry logic reads), the SQLSTATE and the statement; what goes: DETAIL ("Failing row contains
    (...)", "Key (username)=(...)"), CONTEXT ("COPY households, line 3: ..."), and the primary message of a data
    exception (class 22), which quotes the refused value. SQLite's messages name the constraint, never a value.
    Errors of the driver's own cursors (server/ledger, server/sync/reader.py) never pass through SQLAlchemy's
    handle_error: they are cleaned here when they are logged (init_app).
    """
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        orig = getattr(error, "orig", None)  # SQLAlchemy's wrapper: clean the driver's error, then rebuild
        if orig is not None and _scrub_driver(orig):
            error.args = (f"({type(orig).__module__}.{type(orig).__qualname__}) {orig.args[0]}",)
        _scrub_driver(error)
        error = error.__cause__ or error.__context__


def _scrub_driver(error: BaseException) -> bool:
    """A psycopg error's text without its values; True when it is one."""
    if type(error).__module__.split(".")[0] != "psycopg" or not isinstance(error, Exception):
        return False
    sqlstate = getattr(error, "sqlstate", None)
    diag = getattr(error, "diag", None)
    if sqlstate and diag is not None:
        primary = "data exception (message left out)" if sqlstate.startswith("22") else diag.message_primary or ""
        error.args = (f"{primary} [SQLSTATE {sqlstate}]",)
    elif error.args:
        error.args = (str(error.args[0]).split("\n", 1)[0],)  # raised by psycopg itself, before the server saw a value
    return True


class ScrubbedErrors(logging.Filter):
    """A log record's exception cleaned (scrub) before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            scrub(record.exc_info[1])
            record.exc_text = None  # a traceback formatted before, with the values, is formatted again
        return True


SCRUBBED = ScrubbedErrors()


def init_app(app: Flask) -> None:
    """Register the hooks first, so that every other hook's time counts and every reply carries the id."""
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request_funcs.setdefault(None, []).insert(0, _finish)  # they run in reverse: this one last
    # Flask logs an unhandled exception (its traceback, the error's text) on app.logger: clean it first, whichever
    # handler then writes it (Flask's own to wsgi.errors, which is gunicorn's error log, or any other).
    log_exception = app.log_exception

    def scrubbed_log_exception(exc_info):
        scrub(exc_info[1])
        log_exception(exc_info)

    app.log_exception = scrubbed_log_exception
    app.logger.addFilter(SCRUBBED)
    root = logging.getLogger("doorstep")
    if not root.handlers and not app.testing:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        handler.addFilter(SCRUBBED)  # a handler's filter sees the records of every doorstep.* logger too
        root.addHandler(handler)
        root.setLevel(logging.INFO)
