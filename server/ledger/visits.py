"""The visits and assists a ledger inserts, written with the database driver directly.

Terms:
- a *visit row* is a dict with the columns of `visits` (models.Visit) and Python values: str ids, aware datetimes;
- an *assist row* likewise for `assists`, without its id, which the database numbers.

SQLAlchemy's per-row parameter processing cost more than the database's own work for a push of 100 visits, so
these few statements are written by hand. The values stored are exactly those SQLAlchemy stores for the same rows
(tests/server/test_writer.py compares them): on SQLite, ids as 32 hex digits, UTC times as text with microseconds,
booleans as 0/1; on PostgreSQL, one `INSERT ... SELECT FROM json_populate_recordset(...)` per table, the rows as one
JSON parameter, a statement of fixed shape that the driver prepares once.
"""
import functools
import operator
from datetime import date, datetime, timezone

import orjson

from sqlalchemy import Boolean, Date, DateTime, Uuid

from ..extensions import db
from ..models import Assist, Visit

VISIT_COLUMNS = tuple(column.name for column in Visit.__table__.c)
ASSIST_COLUMNS = tuple(column.name for column in Assist.__table__.c if column.name != "id")
_COLUMNS = {**{name: Assist.__table__.c[name] for name in ASSIST_COLUMNS}, **Visit.__table__.c}
"""The columns written, by name: a name written in both tables means the same type in both."""


def _is_utc_time(column) -> bool:
    return isinstance(getattr(column.type, "impl", None), DateTime)  # models.UTCDateTime


def insert_visits(rows: list[dict], assists: list[dict] = ()) -> set[str]:
    """Insert the visits whose id is not stored yet, and the `assists` of those; returns the ids inserted. On
    PostgreSQL one statement for both (its visits' insert a CTE that the assists' insert reads)."""
    if db.engine.dialect.name == "postgresql":
        found = _pg_insert_with_assists(rows, assists)
        return {row[0] for row in found}
    cursor = _sqlite_cursor()
    cursor.executemany(_sqlite_statement("INSERT OR IGNORE INTO visits", VISIT_COLUMNS),
                       _sqlite_values(rows, VISIT_COLUMNS))
    if cursor.rowcount == len(rows):
        inserted = {row["id"] for row in rows}
    else:
        # A concurrent push stored some of these ids first: ours are those carrying this batch's seq numbers.
        seqs = [row["seq"] for row in rows]
        cursor.execute("SELECT id FROM visits WHERE seq BETWEEN ? AND ?", (min(seqs), max(seqs)))
        inserted = {dash(hex_id) for (hex_id,) in cursor.fetchall()}
    insert_assists([a for a in assists if a["visit_id"] in inserted])
    return inserted


def insert_assists(rows: list[dict]) -> None:
    if not rows:
        return
    if db.engine.dialect.name == "postgresql":
        _pg_insert("assists", ASSIST_COLUMNS, rows, "")
        return
    _sqlite_cursor().executemany(_sqlite_statement("INSERT INTO assists", ASSIST_COLUMNS),
                                 _sqlite_values(rows, ASSIST_COLUMNS))


def dash(hex_id: str) -> str:
    """An id as SQLite stores it (32 hex digits) in its canonical form."""
    return f"{hex_id[:8]}-{hex_id[8:12]}-{hex_id[12:16]}-{hex_id[16:20]}-{hex_id[20:]}"


def _sqlite_cursor():
    return db.session.connection().connection.driver_connection.cursor()


def _sqlite_statement(head: str, columns: tuple) -> str:
    return f"{head} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


def _sqlite_values(rows: list[dict], columns: tuple) -> list[list]:
    """Each row's values in the order of `columns`, as SQLite is given them."""
    get, conversions = _sqlite_plan(columns)
    out = []
    for row in rows:
        values = list(get(row))
        for i, convert in conversions:
            if values[i] is not None:
                values[i] = convert(values[i])
        out.append(values)
    return out


@functools.cache
def _sqlite_plan(columns: tuple) -> tuple:
    """How to read the columns' values from a row, and which of them to convert, by position."""
    return operator.itemgetter(*columns), tuple((i, _SQLITE_TEXT[name]) for i, name in enumerate(columns)
                                                if name in _SQLITE_TEXT)


def _hex(value: str) -> str:
    return value.replace("-", "")


def _iso(value) -> str:
    return value.isoformat()


def _utc_text(value: datetime) -> str:
    """SQLAlchemy's SQLite DATETIME text of the naive UTC time that models.UTCDateTime stores."""
    return value.astimezone(timezone.utc).isoformat(" ", "microseconds")[:26]  # without its "+00:00"


def _sqlite_converter(column):
    """How SQLite is given the column's values, where they are not stored as Python gives them."""
    if isinstance(column.type, Uuid):
        return _hex
    if _is_utc_time(column):
        return _utc_text
    if isinstance(column.type, Date):
        return _iso
    if isinstance(column.type, Boolean):
        return int
    return None


_SQLITE_TEXT = {name: convert for name, column in _COLUMNS.items() if (convert := _sqlite_converter(column))}


def _pg_insert(table: str, columns: tuple, rows: list[dict], tail: str) -> list:
    # The rows as one JSON text, written by orjson in C and read by PostgreSQL with the table's own row type: psycopg
    # dumped an array per column element by element in Python, which cost more than the insert.
    cursor = db.session.connection().connection.driver_connection.cursor()
    names = ", ".join(columns)
    cursor.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM json_populate_recordset(NULL::{table}, %s) "
                   f"{tail}", [_pg_rows(rows)])
    return cursor.fetchall() if tail.endswith("::text") else []


_VISITS = ", ".join(VISIT_COLUMNS)
_ASSISTS = ", ".join(ASSIST_COLUMNS)
_WITH_ASSISTS = (
    f"WITH inserted AS (INSERT INTO visits ({_VISITS}) SELECT {_VISITS} FROM json_populate_recordset(NULL::visits, %s)"
    f" ON CONFLICT (id) DO NOTHING RETURNING id), "
    f"its_assists AS (INSERT INTO assists ({_ASSISTS}) SELECT {_ASSISTS} FROM json_populate_recordset(NULL::assists, "
    f"%s) AS a WHERE a.visit_id IN (SELECT id FROM inserted)) "
    f"SELECT id::text FROM inserted")


def _pg_insert_with_assists(rows: list[dict], assists: list[dict]) -> list:
    cursor = db.session.connection().connection.driver_connection.cursor()
    cursor.execute(_WITH_ASSISTS, [_pg_rows(rows), _pg_rows(assists)])
    return cursor.fetchall()


def _pg_rows(rows) -> str:
    return orjson.dumps(rows, default=_pg_json, option=orjson.OPT_PASSTHROUGH_DATETIME).decode()


def _pg_json(value):
    """A time as the naive UTC text that models.UTCDateTime stores (its column has no zone: an offset would be
    dropped, not applied), a date as ISO text."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime: timestamps must carry their offset")  # as models.UTCDateTime
        return value.astimezone(timezone.utc).replace(tzinfo=None).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"not a JSON value: {type(value).__name__}")
