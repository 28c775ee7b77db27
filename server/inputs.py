"""Bounds on what a client may send, checked before it reaches a query: no input a client can send makes a 500.

- ids fit a 32-bit INTEGER column and cursors a BIGINT: a larger number would overflow the driver or the database;
- JSON is nested at most MAX_JSON_DEPTH deep: the parsers recurse, and no payload of the contract goes past 5;
- text sent to a query holds no control characters: PostgreSQL refuses NUL in text, and none belongs in a name.
"""
import re

from flask import request
from werkzeug.routing import IntegerConverter

from shared.schemas import CONTROL, MAX_ID

from .errors import ApiError

MAX_JSON_DEPTH = 32

# Kept of a body to measure its depth: brackets, with { } read as [ ], and quotes, so that strings can be dropped.
_BRACKETS = bytes.maketrans(b"{}", b"[]")
_NOT_KEPT = bytes(b for b in range(256) if b not in b'[]{}"')
_STRINGS = re.compile(rb'(?:"[^"]*")+')  # a run of strings in one match: far fewer matches


class BoundedInt(IntegerConverter):
    """Flask's `<int:...>` with ids' bounds: an id no row can have is a 404, not an overflow in the query."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def id_or_none(raw) -> int | None:
    """A form or URL value as an id, or None when it is not one (empty, not ASCII digits, out of range)."""
    if raw is None:
        return None
    raw = str(raw).strip()
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 10:
        return None
    value = int(raw)
    return value if 1 <= value <= MAX_ID else None


def is_id(value) -> bool:
    """Whether a value read from JSON can be an id: an int (not a bool) that fits the INTEGER column."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def has_control(text: str | None) -> bool:
    """True when `text` holds a control character (NUL, a newline, a tab...) or a lone surrogate: the characters
    the wire schemas refuse (shared.schemas.CONTROL)."""
    return bool(text) and CONTROL.search(text) is not None


def refuse_control(values: dict, *names: str) -> None:
    """400 naming every field of `names` in `values` that holds a control character."""
    bad = {name: ["Must not contain control characters."] for name in names if has_control(values.get(name))}
    if bad:
        raise ApiError(400, "Invalid input.", bad)


def json_too_deep(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when the JSON text `body` nests arrays and objects more than `limit` deep, or may (it is not JSON).

    Escaped backslashes and quotes go first, so that every quote left opens or closes a string; then all but
    brackets and quotes go, then the strings with the brackets they hold. Each pass then removes every innermost pair:
    what `limit` passes leave was deeper than `limit`, and a sequence that stops shrinking is unbalanced, so not JSON,
    and refused too since a recursive parser would go into it as deep as it opens. Every step runs in C: an ordinary
    batch costs a fraction of its parse, and 4 MB of brackets tens of milliseconds.
    """
    text = body.replace(b"\\\\", b"").replace(b'\\"', b"") if b"\\" in body else body
    # Two quotes side by side, once all else is gone, are an empty string or two strings with nothing between: taking
    # them out leaves every bracket on the same side of a string's edge, and leaves few strings for the regex.
    brackets = text.translate(_BRACKETS, _NOT_KEPT).replace(b'""', b"")
    if b'"' in brackets:
        brackets = _STRINGS.sub(b"", brackets)
    for _ in range(limit):
        if not brackets:
            return False
        shorter = brackets.replace(b"[]", b"")
        if len(shorter) == len(brackets):
            return True
        brackets = shorter
    return bool(brackets)


def check_json_depth():
    """before_request: 400 for a JSON body nested deeper than MAX_JSON_DEPTH, before any parser recurses into it."""
    if request.is_json and request.content_length != 0 and json_too_deep(request.get_data(cache=True)):
        raise ApiError(400, "Invalid input.", {"body": [f"Not JSON, or nested deeper than {MAX_JSON_DEPTH} levels."]})
