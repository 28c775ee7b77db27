"""The rows of a pull page, with each record's JSON text written by the database.

A page is read in two steps: first the seq numbers of up to a page of rows of each table (`page_seqs`, from the
indexes alone), then the records only up to the page's last seq (`page_records`). The database writes each
record as the text the wire carries, with the keys in the order of records.FIELDS and each visit's assists in it,
and the reply is these texts joined: the server's Python builds no dict per row and dumps none (what it saved:
docs/performance.md). Each record is byte for byte what orjson.dumps gives for the record built from the ORM row
with records.record_of (tests/server/test_pull_rows.py checks it).

Floats are the one exception: SQLite writes 15 significant digits and PostgreSQL its own exponent form, so a
float column ends a piece of text, and orjson writes the value between the pieces.
"""
import functools

import orjson
from sqlalchemy import Boolean, Date, DateTime, Float, Integer, Uuid

from ..ledger.scope import Scope
from ..models import Assist, Visit
from . import reader
from .records import ASSIST_FIELDS, FIELDS, MODELS

GONE = {"areas": "retired", "households": "deleted", "residents": "deleted", "visits": "voided"}
"""The column that says a row is gone (a retired area, deleted, or a voided visit): `deleted` on the wire."""

OLDER_OUTCOMES = {"already_had": "done", "not_applicable": "declined"}
"""What an app of wire schema 1, which knows four outcomes, is sent for the two that came with schema 2: a resident
who had it counts as having it (done), one it cannot apply to as declined. Its own visits are not changed."""


def page_seqs(table: str, scope: Scope, since: int, limit: int, horizon: int) -> list[int]:
    """The seq numbers of the first `limit` rows of `table` in `scope` after `since`, up to `horizon`."""
    name, mark = MODELS[table].__tablename__, reader.mark()
    ranges = _index_ranges(MODELS[table], scope)
    parts = [f"SELECT seq FROM (SELECT seq FROM {name} WHERE {where} AND seq > {mark} AND seq <= {mark} "
             f"ORDER BY seq LIMIT {mark}) AS range{i}" for i, where in enumerate(ranges)]
    if not parts:
        return []
    sql = " UNION ALL ".join(parts) + f" ORDER BY seq LIMIT {mark}"
    return [seq for (seq,) in reader.fetch(sql, [since, horizon, limit] * len(parts) + [limit])]


def page_records(table: str, scope: Scope, since: int, last: int, older: bool) -> list[tuple[int, bytes]]:
    """The rows of `table` in `scope` with a seq after `since` and up to `last`, in no order (the caller sorts the
    page's tables together), as (seq, the record's JSON text in UTF-8). `older`: the assists' outcomes as an app of
    wire schema 1 knows them (OLDER_OUTCOMES)."""
    name, mark = MODELS[table].__tablename__, reader.mark()
    select = _select(table, reader.postgresql(), older)
    parts = [f"{select} WHERE {where} AND {name}.seq > {mark} AND {name}.seq <= {mark}"
             for where in _index_ranges(MODELS[table], scope)]
    if not parts:
        return []
    rows = reader.fetch(" UNION ALL ".join(parts), [since, last] * len(parts))
    if table != "visits":
        return rows
    # seq, text, lat, text, lon, text, accuracy_m, text: orjson writes the floats as it writes a Python float.
    dumps, null = orjson.dumps, b"null"
    return [(seq, b"".join((a, null if lat is None else dumps(lat), b, null if lon is None else dumps(lon), c,
                            null if accuracy is None else dumps(accuracy), d)))
            for seq, a, lat, b, lon, c, accuracy, d in rows]


def reply(records: list[bytes], cursor: int, has_more: bool) -> bytes:
    """The page as orjson.dumps writes {"changes": [...], "cursor": ..., "has_more": ...}."""
    return b"".join((b'{"changes":[', b",".join(records),
                     b'],"cursor":%d,"has_more":%s}' % (cursor, b"true" if has_more else b"false")))


def _index_ranges(model, scope: Scope) -> list[str]:
    """The caller's scope as conditions that each give one range of an index in seq order: one per village for an
    official. With `village_id IN (...)` instead, PostgreSQL sorted every row of the villages for each page whenever
    it believed them few (its statistics lag a table that grows fast), and SQLite read the seq index through the
    rows of every other village."""
    villages = scope.index_villages(model)
    if villages is not None:
        return [f"{model.__tablename__}.village_id = {int(village)}" for village in villages]
    where = scope.filter(model)
    return ["1 = 1" if where is None else reader.sql(where)]


@functools.cache
def _select(table: str, postgresql: bool, older: bool) -> str:
    """SELECT seq, the record's text, FROM the table: for visits, the text in pieces between its floats."""
    model = MODELS[table]
    name, columns = model.__tablename__, model.__table__.c
    text = [_lit('{"table":"%s","id":' % table), _value(columns.id, postgresql), _lit(',"version":'),
            _value(columns.version, postgresql), _lit(',"deleted":'),
            f"CASE WHEN {name}.{GONE[table]} THEN 'true' ELSE 'false' END", _lit(',"data":{')]
    pieces = []
    for n, field in enumerate(FIELDS[table]):
        text.append(_lit(f'{"," if n else ""}"{field}":'))
        column = columns[field]
        if isinstance(column.type, Float):
            pieces += [_joined(text, postgresql), f"{name}.{field}"]
            text = []
        else:
            text.append(_value(column, postgresql))
    if model is Visit:
        text += [_lit(',"assists":['), _assists(postgresql, older), _lit("]")]
    pieces.append(_joined(text + [_lit("}}")], postgresql))
    # Each piece of text as bytes, which the reply joins as they are: neither decoded nor encoded again in Python.
    texts = [_bytes(piece, postgresql) if n % 2 == 0 else piece for n, piece in enumerate(pieces)]
    return f"SELECT {name}.seq AS seq, {', '.join(texts)} FROM {name}"


def _joined(parts: list[str], postgresql: bool) -> str:
    """The SQL of the text of `parts` (each SQL of text, none NULL). PostgreSQL's concat() copies each part once,
    where a chain of || copies the text so far at each step."""
    if not parts:
        return "''"
    return f"concat({', '.join(parts)})" if postgresql else " || ".join(parts)


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _bytes(text: str, postgresql: bool) -> str:
    return f"convert_to({text}, 'UTF8')" if postgresql else f"CAST({text} AS BLOB)"


def _assists(postgresql: bool, older: bool) -> str:
    """A visit's assists as JSON objects joined by commas, in their ids' order ('' for none), read by the visit_id
    index."""
    columns = Assist.__table__.c
    parts = []
    for n, field in enumerate(ASSIST_FIELDS):
        parts += [_lit(f'{"," if n else "{"}"{field}":'),
                  _outcome(postgresql) if older and field == "outcome" else _value(columns[field], postgresql)]
    text = _joined(parts + [_lit("}")], postgresql)
    if postgresql:
        joined = f"(SELECT string_agg({text}, ',' ORDER BY assists.id) FROM assists WHERE assists.visit_id = visits.id)"
    else:  # SQLite (3.40) has no ORDER BY in an aggregate: group_concat keeps the order of its subquery's rows.
        joined = (f"(SELECT group_concat(assist, ',') FROM (SELECT {text} AS assist FROM assists "
                  f"WHERE assists.visit_id = visits.id ORDER BY assists.id))")
    return f"COALESCE({joined}, '')"


def _outcome(postgresql: bool) -> str:
    cases = " ".join(f"WHEN '{new}' THEN '{old}'" for new, old in OLDER_OUTCOMES.items())
    return _text(f"CASE assists.outcome {cases} ELSE assists.outcome END", postgresql)


def _value(column, postgresql: bool) -> str:
    """The column's value as JSON text ('null' for NULL)."""
    name, kind = f"{column.table.name}.{column.name}", column.type
    if isinstance(kind, Boolean):
        return f"CASE WHEN {name} IS NULL THEN 'null' WHEN {name} THEN 'true' ELSE 'false' END"
    if column.name == "id" or isinstance(kind, (Uuid, Date)) or isinstance(getattr(kind, "impl", None), DateTime):
        # Ids, dates and times as reader writes them, quoted: their text needs no escaping.
        return f"COALESCE('\"' || {reader.column_as_wire(column)} || '\"', 'null')"
    if isinstance(kind, Integer):
        return f"COALESCE(CAST({name} AS TEXT), 'null')"
    return _text(name, postgresql)


def _text(expression: str, postgresql: bool) -> str:
    """Text as a JSON string, escaped by the database ('null' for NULL)."""
    if postgresql:
        return f"COALESCE(to_json({expression})::text, 'null')"
    return f"json_quote({expression})"
