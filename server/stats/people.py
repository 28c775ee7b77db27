"""Who is behind a topic's percentage: the residents of a commune (or a village) sorted into the classes of its
indicator, with the definitions of shared/coverage.py applied one resident at a time.

Classes of a resident for a topic (the `which` of a list):
- `has`: eligible and has it (the numerator);
- `missing`: eligible, without it (the rest of the denominator);
- `not_applicable`: old enough, status not_applicable (out of the indicator);
- `too_young`: not old enough (out of the indicator);
- `unknown_age`: no birth year: counted as eligible (in `has` or `missing` too), listed so that officials fill it in.
The status is the latest outcome over all non-voided visits of the resident's household (no date range).
"""
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from shared import coverage
from shared.sorting import name_key, walk_key

from ..extensions import db
from ..models import Area, Assist, Household, Resident, Visit, utcnow
from . import rules

CLASSES = ("has", "missing", "not_applicable", "too_young", "unknown_age")


def classes_of(birth_year: int | None, status: str | None, min_age: int, year: int) -> list[str]:
    """The classes a resident belongs to (see the module's terms)."""
    if not coverage.old_enough(birth_year, min_age, year):
        out = ["too_young"]
    elif status == coverage.NOT_APPLICABLE:
        out = ["not_applicable"]
    else:
        out = ["has" if coverage.has_it(status) else "missing"]
    return out + (["unknown_age"] if birth_year is None else [])


def counted(commune_id: int, topic: str, village_id: int | None = None, which: str = "missing",
            limit: int | None = 500,
            tz: str = "Asia/Ho_Chi_Minh", now: datetime | None = None) -> dict:
    """{counts: {class: n}, rows: the residents of class `which` (at most `limit`), year, min_age}."""
    year = (now or utcnow()).astimezone(ZoneInfo(tz)).year
    min_age = rules.min_ages()[topic]
    rank = func.row_number().over(partition_by=Assist.resident_id,
                                  order_by=[Visit.started_at.desc(), Visit.id.desc(), Assist.id.desc()])
    latest = (select(Assist.resident_id, Assist.outcome, rank.label("rank"))
              .join(Visit, Visit.id == Assist.visit_id).join(Resident, Resident.id == Assist.resident_id)
              .where(Assist.commune_id == commune_id, Assist.topic == topic, Visit.voided.is_(False),
                     Resident.household_id == Visit.household_id)
              .subquery())
    query = (select(Resident.id, Resident.full_name, Resident.birth_year, Household.id.label("household_id"),
                    Household.address, Household.head_name, Area.name.label("village"), latest.c.outcome)
             .join(Household, Household.id == Resident.household_id)
             .join(Area, Area.id == Household.village_id)
             .outerjoin(latest, (latest.c.resident_id == Resident.id) & (latest.c.rank == 1))
             .where(Household.commune_id == commune_id, Household.deleted.is_(False), Resident.deleted.is_(False)))
    if village_id is not None:
        query = query.where(Household.village_id == village_id)
    counts, rows = {name: 0 for name in CLASSES}, []
    for row in db.session.execute(query):
        found = classes_of(row.birth_year, row.outcome, min_age, year)
        for name in found:
            counts[name] += 1
        if which in found and limit != 0:  # None: every one
            rows.append({"resident_id": row.id, "full_name": row.full_name, "birth_year": row.birth_year,
                         "household_id": row.household_id, "address": row.address, "head_name": row.head_name,
                         "village": row.village, "status": row.outcome})
    # Walk order, then the residents of a household by name: in Python, since SQL cannot sort Vietnamese.
    rows.sort(key=lambda r: (walk_key(r["village"], r["address"], r["head_name"]), r["household_id"],
                             name_key(r["full_name"]), r["resident_id"]))
    return {"counts": counts, "rows": rows[:limit], "year": year, "min_age": min_age,
            "eligible": counts["has"] + counts["missing"]}
