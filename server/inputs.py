"""Bounds on what a client may send, checked before it reaches a query: no input a client can send makes a 500.

- ids fit a 32-bit INTEGER column and cursors a BIGINT: a larger number would overflow the driver or the database;
- JSON is nested at most MAX_JSON_DEPTH deep: the parsers recurse, and no payload of the contract goes past 5;
- text sent to a query holds no control characters: PostgreSQL refuses NUL in text, and none belongs in a name.
"""
import re
import unicodedata

from flask import request
from werkzeug.routing import IntegerConverter

from shared.schemas import MAX_ID

from .errors import ApiError

MAX_JSON_DEPTH = 32

_STRINGS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_INNERMOST = re.compile(rb"\[\]|\{\}")


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


def has_control(text: str | None) -> bool:
    """True when `text` holds a control character (NUL, a newline, a tab...) or a lone surrogate."""
    return any(unicodedata.category(ch) in ("Cc", "Cs") for ch in text or "")


def refuse_control(values: dict, *names: str) -> None:
    """400 naming every field of `names` in `values` that holds a control character."""
    bad = {name: ["Must not contain control characters."] for name in names if has_control(values.get(name))}
    if bad:
        raise ApiError(400, "Invalid input.", bad)


def json_too_deep(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when the JSON text `body` nests arrays and objects more than `limit` deep.

    Strings are dropped first (their brackets are text), then only brackets are kept and each pass removes every
    innermost pair: what `limit` passes leave was deeper than `limit`. All passes run in C, so a body of 4 MB of
    brackets costs a few tens of milliseconds, and an ordinary batch, with few brackets, almost nothing.
    """
    brackets = _STRINGS.sub(b"", body).translate(None, _NOT_BRACKETS)
    for _ in range(limit):
        if not brackets:
            return False
        brackets, removed = _INNERMOST.subn(b"", brackets)
        if not removed:
            return True  # unbalanced, so not JSON: refused here, since a parser would recurse into its brackets
    return bool(brackets)


def check_json_depth():
    """before_request: 400 for a JSON body nested deeper than MAX_JSON_DEPTH, before any parser recurses into it."""
    if request.is_json and request.content_length != 0 and json_too_deep(request.get_data(cache=True)):
        raise ApiError(400, "Invalid input.", {"body": [f"Not JSON, or nested deeper than {MAX_JSON_DEPTH} levels."]})

