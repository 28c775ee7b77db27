"""The rows a push refers to, read with the database driver directly, and the helpers of the pull's statements
(page.py).

SQLAlchemy's row and type handling cost more than the database's own reading, so these statements are written by
hand, and the database writes ids, times and dates as the text the wire carries (`column_as_wire`).
"""
import collections
import functools
from contextlib import contextmanager

from sqlalchemy import Date, DateTime, Integer, Uuid
from sqlalchemy.exc import DBAPIError

from ..extensions import db
from ..ledger.visits import dash


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
            if postgresql():
                select, uuids = f"SELECT {_as_wire(columns)} FROM {table.name} WHERE ", []
            else:
                # SQLite: the stored hex, given back as the canonical id asked for (or dashed here), which costs a
                # third of the lookup less than substr() in the query.
                select = f"SELECT {', '.join(c.name for c in columns)} FROM {table.name} WHERE "
                uuids = [n for n, column in enumerate(columns) if isinstance(column.type, Uuid)]
            plans.append((_row_type(table.name, names), uuids, len(cursors)))
            cursors.extend(_execute(select + where, params) for where, params in _among("id", ids))
        found = [cursor.fetchall() for cursor in cursors]
    asked = {} if postgresql() else {i.replace("-", ""): i for _, ids, _ in wanted for i in ids}
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
    if not postgresql():
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
        if postgresql():
            # One text of the array: psycopg dumped a list's ids one by one in Python.
            yield f"{column} = ANY(%t::uuid[])", ["{" + ",".join(some) + "}"]
        else:  # SQLite holds an id as its 32 hex digits
            yield f"{column} IN ({', '.join('?' * len(some))})", [i.replace("-", "") for i in some]


SLICE = 900
"""Ids looked up per statement: SQLite binds at most 32,766 values, and 999 before its version 3.32."""


@functools.cache
def _row_type(table: str, names: tuple[str, ...]):
    return collections.namedtuple(f"{table}_row", ("id", *names))


def postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


def mark() -> str:
    return "%s" if postgresql() else "?"


def sql(where) -> str:
    return str(where.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}))


def _as_wire(columns: list) -> str:
    """The columns' SQL, each written by the database as the wire has it where that is text."""
    return ", ".join(column_as_wire(column) for column in columns)


def column_as_wire(column) -> str:
    name, kind = f"{column.table.name}.{column.name}", column.type
    if isinstance(kind, Uuid):
        if postgresql():
            return f"{name}::text"
        # SQLite holds the 32 hex digits: the dashed form, as the Uuid type reads it.
        return "||'-'||".join(f"substr({name}, {start}, {length})"
                              for start, length in ((1, 8), (9, 4), (13, 4), (17, 4), (21, 12)))
    if column.name == "id" and isinstance(kind, Integer):
        return f"CAST({name} AS TEXT)"  # an area's number: ids are strings on the wire
    if postgresql() and isinstance(kind, Date):
        return f"to_char({name}, 'YYYY-MM-DD')"  # whatever the server's DateStyle
    if isinstance(getattr(kind, "impl", None), DateTime):
        return _utc_iso(name)
    return name  # SQLite holds dates as their ISO text already


def _utc_iso(name: str) -> str:
    """A models.UTCDateTime column (naive UTC) as datetime.isoformat() writes the aware time, with microseconds
    only when they are not zero: '2026-11-20T02:05:07+00:00'."""
    # One to_char (or substr) and a replace: three to_char calls cost PostgreSQL a tenth of a pull page's text.
    if postgresql():
        whole = f"to_char({name}, 'YYYY-MM-DD\"T\"HH24:MI:SS.US+00:00')"
    else:  # SQLAlchemy's text: '2026-11-20 02:05:07.000000'
        whole = f"substr({name}, 1, 10)||'T'||substr({name}, 12)||'+00:00'"
    return f"replace({whole}, '.000000+', '+')"


def fetch(statement: str, params: list) -> list[tuple]:
    return _execute(statement, params).fetchall()


def _execute(statement: str, params: list):
    cursor = _driver().cursor()
    # Binary parameters on PostgreSQL: the text form of an array of a thousand ids is quoted element by element.
    cursor.execute(statement, params, **({"binary": True} if postgresql() else {}))
    return cursor


def _driver():
    return db.session.connection().connection.driver_connection
