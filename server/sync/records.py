"""How each pulled table's rows look on the wire (page.py has the database write them; record_of is the contract)."""
from shared.wire import AREA_FIELDS, ASSIST_FIELDS, HOUSEHOLD_FIELDS, RESIDENT_FIELDS
from shared.wire import PULLED_VISIT_FIELDS as VISIT_FIELDS

from ..models import Area, Household, Resident, Visit

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
