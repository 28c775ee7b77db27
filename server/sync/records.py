"""How each pulled table's rows look on the wire (reader.py reads them)."""
from ..models import Area, Household, Resident, Visit

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


def record_of(table: str, row) -> dict:
    """One ORM row as its wire data."""
    data = {f: wire(getattr(row, f)) for f in FIELDS[table]}
    if table == "visits":
        data["assists"] = [{f: getattr(a, f) for f in ASSIST_FIELDS} for a in row.assists]
    return data
