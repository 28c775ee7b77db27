"""The rows a pull reads, and those a push refers to, with the database driver directly.

A pull page is read in two steps: first the seq numbers of up to a page of rows of each table (`page_seqs`, from
the indexes alone), then whole rows only up to the page's last seq (`page_rows`). SQLAlchemy's row and type
handling cost more than the database's own reading, so these statements are written by hand, and the database
writes ids, times and dates as the text the wire carries.
Each record is exactly what records.record_of gives for the same row (tests/server/test_pull_rows.py checks it).
"""
import collections
import functools
from contextlib import contextmanager

from sqlalchemy import Boolean, Date, DateTime, Integer, Uuid
from sqlalchemy.exc import DBAPIError

from ..extensions import db
from ..ledger.visits import dash
from ..models import Assist, Visit
from .records import ASSIST_FIELDS, FIELDS, MODELS

GONE = {"areas": "retired", "households": "deleted", "residents": "deleted", "visits": "voided"}
"""The column that says a row is gone (a retired area, deleted, or a voided visit): `deleted` on the wire."""


def page_seqs(table: str, scope, since: int, limit: int, horizon: int) -> list[int]:
    """The seq numbers of the first `limit` rows of `table` in `scope` after `since`, up to `horizon`."""
    name, mark = MODELS[table].__tablename__, _mark()
    ranges = _index_ranges(MODELS[table], scope)
    parts = [f"SELECT seq FROM (SELECT seq FROM {name} WHERE {where} AND seq > {mark} AND seq <= {mark} "
             f"ORDER BY seq LIMIT {mark}) AS range{i}" for i, where in enumerate(ranges)]
    if not parts:
        return []
    sql = " UNION ALL ".join(parts) + f" ORDER BY seq LIMIT {mark}"
    return [seq for (seq,) in _fetch(sql, [since, horizon, limit] * len(parts) + [limit])]


def page_rows(table: str, scope, since: int, last: int) -> list[dict]:
    """The rows of `table` in `scope` with a seq after `since` and up to `last`, in seq order, as wire records with
    their seq."""
    model = MODELS[table]
    name, mark = model.__tablename__, _mark()
    columns = [model.__table__.c[c] for c in ("id", "version", "seq", GONE.get(table), *FIELDS[table]) if c]
    ranges = _index_ranges(model, scope)
    parts = [f"SELECT {_as_wire(columns)} FROM {name} WHERE {where} AND {name}.seq > {mark} AND {name}.seq <= {mark}"
             for where in ranges]
    if not parts:
        return []
    convert = _converters(columns)
    fields, gone = FIELDS[table], table in GONE
    out = []
    for row in _fetch(" UNION ALL ".join(parts) + " ORDER BY seq", [since, last] * len(parts)):
        values = _converted(row, convert)
        out.append({"table": table, "id": values[0], "version": values[1], "seq": values[2],
                    "deleted": bool(values[3]) if gone else False,
                    "data": dict(zip(fields, values[4:] if gone else values[3:]))})
    if model is Visit and out:
        _attach_assists(out)
    return out


def _index_ranges(model, scope) -> list[str]:
    """The caller's scope as conditions that each give one range of an index in seq order: one per village for an
    official. With `village_id IN (...)` instead, PostgreSQL sorted every row of the villages for each page whenever
    it believed them few (its statistics lag a table that grows fast), and SQLite read the seq index through the
    rows of every other village."""
    villages = scope.index_villages(model)
    if villages is not None:
        return [f"{model.__tablename__}.village_id = {int(village)}" for village in villages]
    where = scope.filter(model)
    return ["1 = 1" if where is None else _sql(where)]


def rows_by_id(model, ids: list[str], names: tuple[str, ...]) -> dict:
    """The rows of `model` with these ids (canonical strings), as named tuples of the id and `names`, by id: the
    rows a push only refers to (a visit's household and residents)."""
    return rows_by_ids([(model, ids, names)])[0]


def rows_by_ids(wanted: list[tuple]) -> list[dict]:
    """rows_by_id of each (model, ids, names), with every statement sent before the first answer is read: on
    PostgreSQL one round trip for them all (psycopg's pipeline mode)."""
    plans, cursors = [], []
    with pipeline():
        for model, ids, names in wanted:
            table = model.__table__
            columns = [table.c.id, *(table.c[name] for name in names)]
            if _postgresql():
                select, uuids = f"SELECT {_as_wire(columns)} FROM {table.name} WHERE ", []
            else:
                # SQLite: the stored hex, given back as the canonical id asked for (or dashed here), which costs a
                # third of the lookup less than substr() in the query.
                select = f"SELECT {', '.join(c.name for c in columns)} FROM {table.name} WHERE "
                uuids = [n for n, column in enumerate(columns) if isinstance(column.type, Uuid)]
            plans.append((_row_type(table.name, names), uuids, len(cursors)))
            cursors.extend(_execute(select + where, params) for where, params in _among("id", ids))
        found = [cursor.fetchall() for cursor in cursors]
    asked = {} if _postgresql() else {i.replace("-", ""): i for _, ids, _ in wanted for i in ids}
    out = []
    for n, (row_type, uuids, first) in enumerate(plans):
        last = plans[n + 1][2] if n + 1 < len(plans) else len(cursors)
        rows = {}
        for fetched in found[first:last]:
            for row in fetched:
                if uuids:
                    row = list(row)
                    for i in uuids:
                        if (value := row[i]) is not None:
                            row[i] = asked.get(value) or dash(value)
                rows[row[0]] = row_type(*row)
        out.append(rows)
    return out


@contextmanager
def pipeline():
    """On PostgreSQL, the driver's statements inside are sent without waiting for each answer (psycopg's pipeline
    mode): one round trip for those whose answers are read at the end. Its errors come as SQLAlchemy's (DBAPIError,
    IntegrityError), as the session's do, so that the push's retries see them. On SQLite, nothing changes."""
    if not _postgresql():
        yield
        return
    import psycopg
    try:
        with _driver().pipeline():
            yield
    except psycopg.Error as exc:
        raise DBAPIError.instance(None, None, exc, psycopg.Error) from exc


def _among(column: str, ids: list[str]):
    """`column` IN `ids` (canonical strings), as (where, params) of one statement per SLICE ids: a batch may name
    tens of thousands of residents."""
    for start in range(0, len(ids), SLICE):
        some = ids[start:start + SLICE]
        if _postgresql():
            # One text of the array: psycopg dumped a list's ids one by one in Python.
            yield f"{column} = ANY(%t::uuid[])", ["{" + ",".join(some) + "}"]
        else:  # SQLite holds an id as its 32 hex digits
            yield f"{column} IN ({', '.join('?' * len(some))})", [i.replace("-", "") for i in some]


SLICE = 900
"""Ids looked up per statement: SQLite binds at most 32,766 values, and 999 before its version 3.32."""


@functools.cache
def _row_type(table: str, names: tuple[str, ...]):
    return collections.namedtuple(f"{table}_row", ("id", *names))


def _attach_assists(records: list[dict]) -> None:
    """Put each visit's assists in its data, with one query for the whole page, by the visits' ids: joined to the
    visits instead, PostgreSQL chose to read every assist."""
    by_id = {r["id"]: r["data"] for r in records}
    for data in by_id.values():
        data["assists"] = []
    table = Assist.__table__
    columns = [table.c.visit_id, *(table.c[f] for f in ASSIST_FIELDS)]
    for where, params in _among("visit_id", list(by_id)):
        # Ordered as the visit_id index is (SQLite then sorts nothing); a visit's assists keep their ids' order.
        sql = f"SELECT {_as_wire(columns)} FROM assists WHERE {where} ORDER BY visit_id, id"
        for visit_id, *values in _fetch(sql, params):
            by_id[visit_id]["assists"].append(dict(zip(ASSIST_FIELDS, values)))


def _postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


def _mark() -> str:
    return "%s" if _postgresql() else "?"


def _sql(where) -> str:
    return str(where.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}))


def _as_wire(columns: list) -> str:
    """The columns' SQL, each written by the database as the wire has it where that is text."""
    return ", ".join(_column_as_wire(column) for column in columns)


def _column_as_wire(column) -> str:
    name, kind = f"{column.table.name}.{column.name}", column.type
    if isinstance(kind, Uuid):
        if _postgresql():
            return f"{name}::text"
        # SQLite holds the 32 hex digits: the dashed form, as the Uuid type reads it.
        return "||'-'||".join(f"substr({name}, {start}, {length})"
                              for start, length in ((1, 8), (9, 4), (13, 4), (17, 4), (21, 12)))
    if column.name == "id" and isinstance(kind, Integer):
        return f"CAST({name} AS TEXT)"  # an area's number: ids are strings on the wire
    if _postgresql() and isinstance(kind, Date):
        return f"to_char({name}, 'YYYY-MM-DD')"  # whatever the server's DateStyle
    if isinstance(getattr(kind, "impl", None), DateTime):
        return _utc_iso(name)
    return name  # SQLite holds dates as their ISO text already


def _utc_iso(name: str) -> str:
    """A models.UTCDateTime column (naive UTC) as datetime.isoformat() writes the aware time, with microseconds
    only when they are not zero: '2026-11-20T02:05:07+00:00'."""
    if _postgresql():
        whole, fraction = f"to_char({name}, 'YYYY-MM-DD\"T\"HH24:MI:SS')", f"to_char({name}, '.US')"
    else:  # SQLAlchemy's text: '2026-11-20 02:05:07.000000'
        whole, fraction = f"substr({name}, 1, 10)||'T'||substr({name}, 12, 8)", f"substr({name}, 20)"
    return f"{whole}||CASE WHEN {fraction} IN ('', '.000000') THEN '' ELSE {fraction} END||'+00:00'"


def _converters(columns: list) -> list[int]:
    """The positions of the values the database cannot give as the wire has them: SQLite's booleans, 0 or 1."""
    if _postgresql():
        return []
    return [i for i, column in enumerate(columns) if isinstance(column.type, Boolean)]


def _converted(row: tuple, convert: list):
    if not convert:
        return row
    values = list(row)
    for i in convert:
        if values[i] is not None:
            values[i] = bool(values[i])
    return values


def _fetch(sql: str, params: list) -> list[tuple]:
    return _execute(sql, params).fetchall()


def _execute(sql: str, params: list):
    cursor = _driver().cursor()
    # Binary parameters on PostgreSQL: the text form of an array of a thousand ids is quoted element by element.
    cursor.execute(sql, params, **({"binary": True} if _postgresql() else {}))
    return cursor


def _driver():
    return db.session.connection().connection.driver_connection
