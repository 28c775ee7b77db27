"""How each pulled table's rows look on the wire, and which rows a caller's scope holds."""
import hashlib
import json

from sqlalchemy import Date, DateTime, String, Uuid, false, select, type_coerce

from ..extensions import db
from ..models import Area, Assist, Household, Resident, Visit

HOUSEHOLD_FIELDS = ("village_id", "address", "head_name", "phone", "note")
RESIDENT_FIELDS = ("household_id", "full_name", "birth_year", "sex", "phone", "has_smartphone")
VISIT_FIELDS = ("household_id", "official_id", "started_at", "duration_min", "status", "notes", "follow_up_on",
                "lat", "lon", "accuracy_m", "replaces_id", "voided", "received_at")
ASSIST_FIELDS = ("resident_id", "topic", "outcome", "note")
AREA_FIELDS = ("parent_id", "level", "code", "name")

MODELS = {"areas": Area, "households": Household, "residents": Resident, "visits": Visit}
FIELDS = {"areas": AREA_FIELDS, "households": HOUSEHOLD_FIELDS, "residents": RESIDENT_FIELDS, "visits": VISIT_FIELDS}


def wire(value):
    """A column value as JSON carries it: dates and times in ISO 8601 (UTC, with its offset)."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def scope_filter(model, scope: dict, by_index: bool = True):
    """The WHERE clause of the rows `scope` may read; None means everything (an admin). `by_index=False` keeps the
    database from reading the rows through the village or commune index (`+ 0`), where another index is better."""
    if scope["role"] == "admin":
        return None
    by_village = scope["role"] == "official" and model is not Area
    column = model.village_id if by_village else model.commune_id
    if not by_index:
        column = column + 0
    return column.in_(scope["village_ids"]) if by_village else column == scope["commune_id"]


def scope_hash(scope: dict) -> str:
    return hashlib.sha256(json.dumps(scope, sort_keys=True).encode()).hexdigest()


def uuid_text(value) -> str | None:
    """An id as the Uuid type reads it (the canonical string), from what the driver gives: 32 hex digits on SQLite,
    a uuid.UUID from psycopg. page_rows reads ids raw and converts them here: the type's own conversion, through
    uuid.UUID, was a quarter of the time of a pull on SQLite."""
    if value is None:
        return None
    if type(value) is str:
        value = value.lower()
        return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}" if len(value) == 32 else value
    return str(value)


def _read_as(column):
    """The column to select and the function that turns its value into wire data (None: as it comes)."""
    if isinstance(column.type, Uuid):
        return type_coerce(column, String), uuid_text
    if isinstance(column.type, (DateTime, Date)) or isinstance(getattr(column.type, "impl", None), DateTime):
        return column, wire
    return column, None


def _scoped(query, model, scope: dict, since: int, horizon: int):
    query = query.where(model.seq > since, model.seq <= horizon).order_by(model.seq)
    where = scope_filter(model, scope)
    return query if where is None else query.where(where)


def page_seqs(table: str, scope: dict, since: int, limit: int, horizon: int) -> list[int]:
    """The seq of each row that page_rows would return, read from the index alone: pull reads these first, so that
    only the rows of the page are read whole."""
    model = MODELS[table]
    return list(db.session.connection().execute(_scoped(select(model.seq), model, scope, since, horizon)
                                                .limit(limit)).scalars())


def page_rows(table: str, scope: dict, since: int, limit: int, horizon: int, seqs: list[int] | None = None
              ) -> list[dict]:
    """Up to `limit` changes of `table` after `since`, in seq order, as wire records with their seq; only those of
    `seqs` when given (from page_seqs: a seq is never given to another row, so it names one row in the scope)."""
    model = MODELS[table]
    fields = FIELDS[table]
    gone = {Visit: Visit.voided, Household: Household.deleted, Resident: Resident.deleted}.get(model, false())
    id_column, id_text = _read_as(model.id)
    columns, converters = zip(*[_read_as(getattr(model, f)) for f in fields])
    query = select(id_column, model.version, model.seq, gone, *columns)
    if seqs is None:
        query = _scoped(query, model, scope, since, horizon)
    else:
        # Read by the seq index; the scope is checked again, but not through its index (SQLite would then read
        # every row of the villages to sort them).
        where = scope_filter(model, scope, by_index=False)
        query = query.where(model.seq.in_(seqs)).order_by(model.seq)
        query = query if where is None else query.where(where)
    # Core on the session's connection: Row objects, without the ORM's per-row work.
    rows = db.session.connection().execute(query.limit(limit))
    out = [{"table": table, "id": id_text(row[0]) if id_text else str(row[0]), "version": row[1], "seq": row[2],
            "deleted": bool(row[3]), "data": {f: v if c is None else c(v) for f, c, v in zip(fields, converters,
                                                                                           row[4:])}}
           for row in rows]
    if model is Visit and out:
        attach_assists(out)
    return out


def attach_assists(records: list[dict]) -> None:
    """Put each visit's assists in its data, with one query for the whole page."""
    by_id = {r["id"]: r["data"] for r in records}
    for r in records:
        r["data"]["assists"] = []
    query = (select(type_coerce(Assist.visit_id, String), type_coerce(Assist.resident_id, String),
                    *[getattr(Assist, f) for f in ASSIST_FIELDS[1:]])
             .where(Assist.visit_id.in_(list(by_id))).order_by(Assist.id))
    for row in db.session.connection().execute(query):
        by_id[uuid_text(row[0])]["assists"].append(dict(zip(ASSIST_FIELDS, (uuid_text(row[1]), *row[2:]))))


def record_of(table: str, row) -> dict:
    """One ORM row as its wire data."""
    data = {f: wire(getattr(row, f)) for f in FIELDS[table]}
    if table == "visits":
        data["assists"] = [{f: getattr(a, f) for f in ASSIST_FIELDS} for a in row.assists]
    return data
