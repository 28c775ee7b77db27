"""One JSON error shape for the API: {error: {code, message, fields}}, with the right status. Never a 500 for bad input."""
import logging

from flask import Response, jsonify, request
from markupsafe import escape
from werkzeug.exceptions import HTTPException

from .extensions import db

log = logging.getLogger("doorstep.errors")

CODES = {
    400: "invalid", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    409: "conflict", 410: "reset_required", 413: "too_large", 415: "unsupported_media_type", 422: "invalid",
    426: "upgrade_required", 429: "too_many_requests", 503: "unavailable",
}
ERASE_REQUIRED = "erase_required"
"""The code of a 401 to a device with an erase order (auth/service.py): `fields.reason` is ["revoked"] or
["disabled"]; any other 401 is `unauthorized`."""
RETRY_AFTER_SECONDS = 30
"""What a client is told to wait when the database does not answer: long enough for a restart or a failover."""


class ApiError(HTTPException):
    """An error the API answers with the JSON shape: raise ApiError(400, "message", fields={...})."""

    def __init__(self, status: int, message: str, fields: dict | None = None, code: str | None = None,
                 headers: dict | None = None):
        super().__init__(message)
        self.code = status
        self.description = message
        self.fields = fields or {}
        self.error_code = code or CODES.get(status, "error")
        self.headers = headers or {}  # e.g. Retry-After with a 429


def json_error(status: int, message: str, fields: dict | None = None, code: str | None = None):
    body = {"error": {"code": code or CODES.get(status, "error"), "message": message, "fields": fields or {}}}
    return jsonify(body), status


def wants_json() -> bool:
    return request.path.startswith("/api/")


def http_error(error: HTTPException):
    """Turn any HTTP error under /api/ into the JSON shape, and elsewhere into a short page in the reader's language."""
    if not wants_json():
        return _error_page(error)
    if isinstance(error, ApiError):
        body, status = json_error(error.code, error.description, error.fields, error.error_code)
        body.headers.update(error.headers)
        return body, status
    status, fields = error.code or 500, {}
    # webargs (through flask-smorest) reports invalid arguments as 422 with {location: {field: [messages]}}.
    messages = (getattr(error, "data", None) or {}).get("messages")
    if messages:
        status = 400
        for location, located in messages.items():
            # A body that is not JSON at all comes as a plain list of messages for its location.
            fields.update(located if isinstance(located, dict) else {location: located})
    message = "Invalid input." if status == 400 and fields else error.description
    return json_error(status, message, fields)


PAGE_MESSAGES = {
    400: "The request is not valid.", 403: "You may not open this page.", 404: "This page does not exist.",
    405: "This page does not take this kind of request.", 413: "The file is too large.",
    415: "This kind of content is not accepted.",
}
_PAGE = """<!doctype html><html lang="{lang}"><meta charset="utf-8"><title>{status} · Doorstep</title>
<h1>{message}</h1><p><a href="/">{home}</a></p></html>"""


def _error_page(error: HTTPException):
    """The dashboard's error page: our own description when it has a translation, else a plain one per status."""
    from .dashboard import i18n

    status = error.code or 500
    described = error.description if error.description in i18n.VI else None
    reply = _page(status, described or PAGE_MESSAGES.get(status, "Something went wrong."))
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            reply.headers[name] = value  # Allow of a 405, Retry-After
    return reply


def _page(status: int, message: str, headers: dict | None = None) -> Response:
    """A short page in the reader's language (the dashboard's catalogue): it needs no database."""
    from .dashboard import i18n

    page = _PAGE.format(lang=i18n.current(), status=status, message=escape(i18n.gettext(message)),
                        home=escape(i18n.gettext("Back to the first page")))
    return Response(page, status, headers, mimetype="text/html")


def database_unavailable(error: Exception):
    """The database did not answer (refused, gone, pool exhausted, locked): 503 with Retry-After, never a 500.

    Only the exception's class is logged: hide_parameters keeps values out of its text, but not out of every
    driver's message.
    """
    log.error("database unavailable: %s", error.__class__.__name__)
    try:
        db.session.rollback()
    except Exception:  # the connection is gone: there is nothing to roll back, and the pool will replace it
        pass
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if wants_json():
        body, status = json_error(503, "The server's database is unavailable: try again later.")
        body.headers.update(headers)
        return body, status
    return _page(503, "The system is temporarily unavailable: try again in a few minutes.", headers)
