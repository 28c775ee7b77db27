"""How each pulled table's rows look on the wire, and which rows a caller's scope holds."""
import hashlib
import json

from sqlalchemy import false, select

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


def scope_filter(model, scope: dict):
    """The WHERE clause of the rows `scope` may read; None means everything (an admin)."""
    if scope["role"] == "admin":
        return None
    if model is Area:
        return model.commune_id == scope["commune_id"]
    if scope["role"] == "official":
        return model.village_id.in_(scope["village_ids"])
    return model.commune_id == scope["commune_id"]


def scope_hash(scope: dict) -> str:
    return hashlib.sha256(json.dumps(scope, sort_keys=True).encode()).hexdigest()


def page_rows(table: str, scope: dict, since: int, limit: int, horizon: int) -> list[dict]:
    """Up to `limit` changes of `table` after `since`, in seq order, as wire records with their seq."""
    model = MODELS[table]
    fields = FIELDS[table]
    gone = {Visit: Visit.voided, Household: Household.deleted, Resident: Resident.deleted}.get(model, false())
    columns = [model.id, model.version, model.seq, gone] + [getattr(model, f) for f in fields]
    query = select(*columns).where(model.seq > since, model.seq <= horizon).order_by(model.seq).limit(limit)
    where = scope_filter(model, scope)
    if where is not None:
        query = query.where(where)
    out = [{"table": table, "id": str(row[0]), "version": row[1], "seq": row[2], "deleted": bool(row[3]),
            "data": {f: wire(v) for f, v in zip(fields, row[4:])}}
           for row in db.session.execute(query)]
    if model is Visit and out:
        attach_assists(out)
    return out


def attach_assists(records: list[dict]) -> None:
    """Put each visit's assists in its data, with one query for the whole page."""
    by_id = {r["id"]: r["data"] for r in records}
    for r in records:
        r["data"]["assists"] = []
    query = (select(Assist.visit_id, *[getattr(Assist, f) for f in ASSIST_FIELDS])
             .where(Assist.visit_id.in_(list(by_id))).order_by(Assist.id))
    for row in db.session.execute(query):
        by_id[str(row[0])]["assists"].append(dict(zip(ASSIST_FIELDS, row[1:])))


def record_of(table: str, row) -> dict:
    """One ORM row as its wire data."""
    data = {f: wire(getattr(row, f)) for f in FIELDS[table]}
    if table == "visits":
        data["assists"] = [{f: getattr(a, f) for f in ASSIST_FIELDS} for a in row.assists]
    return data
