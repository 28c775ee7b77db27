"""The records of push, pull and the paginated reads, as OpenAPI schemas.

The resources send these replies as prebuilt JSON (their marshmallow schemas cost more than the database), so they
are described here from what builds them: a pulled record's fields are sync.records.FIELDS, typed by their columns
as sync.reader writes them; a pushed record's data is shared.schemas' (see __init__.py).
"""
from sqlalchemy import Boolean, Date, DateTime, Float, Integer, String, Text, Uuid

from shared.schemas import MAX_BATCH
from shared.vocab import AREA_LEVELS, OUTCOMES, PUSH_TABLES, REJECT_CODES, SEXES, TABLES, TOPICS, VISIT_STATUSES

from ..models import Area, Assist, Household, Resident, Visit
from ..sync.records import ASSIST_FIELDS, FIELDS

MODELS = {"areas": Area, "households": Household, "residents": Resident, "visits": Visit}
NAMES = {"areas": "Area", "households": "Household", "residents": "Resident", "visits": "Visit"}
ENUMS = {("areas", "level"): AREA_LEVELS, ("residents", "sex"): SEXES, ("visits", "status"): VISIT_STATUSES,
         ("assists", "topic"): TOPICS, ("assists", "outcome"): OUTCOMES}
STATUSES = ("applied", "duplicate", "merged", "conflict", "rejected")
NULL = {"type": "object", "nullable": True, "enum": [None]}
"""null, as one of the choices of a oneOf: OpenAPI 3.0's `nullable` does not reach into a oneOf."""


def wire_schemas() -> dict:
    return {**_records(), **_pull(), **_push(), **_pages()}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _one_of(tables, name: str) -> dict:
    """One of the tables' schemas (`name` with the table's name in it), told apart by `table`."""
    refs = {table: f"#/components/schemas/{name.format(NAMES[table])}" for table in tables}
    return {"oneOf": [{"$ref": ref} for ref in refs.values()],
            "discriminator": {"propertyName": "table", "mapping": refs}}


def _column_schema(table: str, column) -> dict:
    """A column's value as the wire carries it (sync/reader.py): ids, times and dates as text."""
    kind = column.type
    if isinstance(kind, Uuid):
        schema = {"type": "string", "format": "uuid"}
    elif isinstance(getattr(kind, "impl", kind), DateTime):
        schema = {"type": "string", "format": "date-time"}
    elif isinstance(kind, Date):
        schema = {"type": "string", "format": "date"}
    elif isinstance(kind, Boolean):
        schema = {"type": "boolean"}
    elif isinstance(kind, Integer):
        schema = {"type": "integer"}
    elif isinstance(kind, Float):
        schema = {"type": "number"}
    elif isinstance(kind, (String, Text)):
        schema = {"type": "string"}
    else:
        raise TypeError(f"no wire type for {column}")
    if (table, column.name) in ENUMS:
        schema["enum"] = list(ENUMS[table, column.name]) + ([None] if column.nullable else [])
    return {**schema, "nullable": True} if column.nullable else schema


def _record(table: str, model, fields: tuple, extra: dict | None = None) -> dict:
    """A record's data as pulled: every field, always sent, null where its column may be."""
    properties = {name: _column_schema(table, model.__table__.c[name]) for name in fields}
    properties.update(extra or {})
    return {"type": "object", "required": sorted(properties), "properties": properties}


def _records() -> dict:
    schemas = {"Assist": _record("assists", Assist, ASSIST_FIELDS)}
    for table, model in MODELS.items():
        extra = {"assists": {"type": "array", "items": _ref("Assist")}} if table == "visits" else None
        schemas[NAMES[table] + "Record"] = _record(table, model, FIELDS[table], extra)
    return schemas


def _pull() -> dict:
    """A page of pull: one change per row, whose data is its table's record."""
    schemas = {"Pulled" + NAMES[table]: {
        "type": "object", "required": ["table", "id", "version", "deleted", "data"],
        "properties": {
            "table": {"type": "string", "enum": [table]},
            "id": {"type": "string", "description": "A uuid; an area's number as text."},
            "version": {"type": "integer"},
            "deleted": {"type": "boolean", "description": "Deleted, or a voided visit."},
            "data": _ref(NAMES[table] + "Record")}} for table in TABLES}
    schemas["PulledChange"] = _one_of(TABLES, "Pulled{}")
    schemas["PullPage"] = {
        "type": "object", "required": ["changes", "cursor", "has_more"],
        "properties": {"changes": {"type": "array", "items": _ref("PulledChange")},
                       "cursor": {"type": "integer", "description": "The `since` of the next pull."},
                       "has_more": {"type": "boolean"}}}
    return schemas


def _push() -> dict:
    """A batch of push, one change per record whose data is its table's, and its reply."""
    schemas = {NAMES[table] + "Change": {
        "type": "object", "required": ["table", "id"],
        "properties": {
            "table": {"type": "string", "enum": [table]},
            "op": {"type": "string", "enum": ["upsert", "delete"], "default": "upsert"},
            "id": {"type": "string", "format": "uuid", "description": "Made by the device (uuid7)."},
            "base_version": {"type": "integer", "minimum": 0, "default": 0,
                             "description": "The version the change was made against; 0 for a new record."},
            "data": _ref(NAMES[table] + "Data")}} for table in PUSH_TABLES}
    schemas["Change"] = _one_of(PUSH_TABLES, "{}Change")
    schemas["Push"] = {
        "type": "object", "required": ["batch_id", "schema_version", "changes"],
        "description": "Unknown fields, here and in each change, are ignored: a newer app may send more.",
        "properties": {
            "batch_id": {"type": "string", "format": "uuid",
                         "description": "A new id per batch; sent again by the same device, the stored reply."},
            "schema_version": {"type": "integer", "minimum": 1},
            "changes": {"type": "array", "items": _ref("Change"), "maxItems": MAX_BATCH,
                        "description": "Each change is checked on its own: a bad one is `rejected` in the reply "
                                       "and the others go through."}}}
    schemas["Result"] = {
        "type": "object", "required": ["table", "id", "status", "version", "errors", "current", "code"],
        "properties": {
            "table": {"type": "string",
                      "description": "The change's table as sent; empty when the change named none."},
            "id": {"type": "string", "description": "The change's id as sent; empty when the change named none."},
            "status": {"type": "string", "enum": list(STATUSES)},
            "version": {"type": "integer", "nullable": True,
                        "description": "The record's version on the server after this change; null if rejected."},
            "errors": {"type": "object", "nullable": True, "additionalProperties": {},
                       "description": "With `rejected` or `conflict`: {field: [messages]}."},
            "current": {"oneOf": [_ref("HouseholdRecord"), _ref("ResidentRecord"), NULL],
                        "description": "With `merged`: the server's record, to replace the device's. Always null in "
                                       "an admin's reply: admins read no personal data."},
            "code": {"type": "string", "nullable": True, "enum": [*REJECT_CODES, None],
                     "description": "With `rejected` or `conflict`, why (shared/vocab.py REJECT_CODES); else null."},
        }}
    schemas["PushReply"] = {
        "type": "object", "required": ["batch_id", "results"],
        "properties": {"batch_id": {"type": "string", "format": "uuid"},
                       "results": {"type": "array", "items": _ref("Result"),
                                   "description": "One per change, in the order of the changes."}}}
    return schemas


def _pages() -> dict:
    """A page of GET /households, /residents or /visits: each item is its record with its id and version."""
    schemas = {}
    for table in PUSH_TABLES:
        record = _record(table, MODELS[table], FIELDS[table])
        item = {"type": "object", "required": ["id", "version", *record["required"]],
                "properties": {"id": {"type": "string", "format": "uuid"}, "version": {"type": "integer"},
                               **record["properties"]}}
        if table == "visits":
            item["properties"]["assists"] = {"type": "array", "items": _ref("Assist")}
            item["required"].append("assists")
        schemas[NAMES[table] + "Page"] = {
            "type": "object", "required": ["items", "page", "per_page", "total"],
            "properties": {"items": {"type": "array", "items": item}, "page": {"type": "integer"},
                           "per_page": {"type": "integer"}, "total": {"type": "integer"}}}
    return schemas
