"""Where the households of a village are, and how far the campaign has gone with each: the coverage map's data.

Terms:
- a *fix* is the position (lat, lon, accuracy in metres) a tablet records with a visit when the official allows
  location; a household's *last fix* is the fix of its latest (by start time) non-voided visit that has one: a
  voided visit's fix is ignored, and a later visit without a fix keeps the earlier fix. It is read from the visits
  on each call (no stored column): a village holds a few hundred households, a few hundred visits each at most;
- a household's *class* (the colour of its dot) for an optional topic:
  - `not_reached`: no non-voided visit met anyone of the household (stats/service.py's reached);
  - `reached`: reached and, when a topic is chosen, none of its eligible residents has it (or it has none);
  - `some`: reached, some but not all of its eligible residents have the topic;
  - `all`: reached, and every one of its eligible residents (at least one) has the topic.
  Eligible and has it are the overview's (stats/service.py, people.py): old enough (or no birth year) and status
  not not_applicable; status done or already_had, the latest outcome over all non-voided visits. No date range:
  the map shows today's state. Reached and the topic's shares are read from the coverage facts (facts.py), which
  are indexed by village, after catching them up; the fixes are read from the visits.
"""
from sqlalchemy import func, select

from shared.sorting import address_key

from ..extensions import db
from ..models import Household, HouseholdFacts, StatusFact, Visit
from . import facts

CLASSES = ("not_reached", "reached", "some", "all")
TOPIC_CLASSES = ("some", "all")
"""The classes that only a chosen topic gives."""


def last_fixes(household_ids) -> dict[str, tuple[float, float, float | None]]:
    """{household id: (lat, lon, accuracy_m)} of the households' last fixes (see the terms); none for one without."""
    rank = func.row_number().over(partition_by=Visit.household_id,
                                  order_by=[Visit.started_at.desc(), Visit.id.desc()])
    fixes = (select(Visit.household_id, Visit.lat, Visit.lon, Visit.accuracy_m, rank.label("rank"))
             .where(Visit.household_id.in_(household_ids), Visit.voided.is_(False),
                    Visit.lat.is_not(None), Visit.lon.is_not(None))
             .subquery())
    rows = db.session.execute(select(fixes.c.household_id, fixes.c.lat, fixes.c.lon, fixes.c.accuracy_m)
                              .where(fixes.c.rank == 1))
    return {row.household_id: (row.lat, row.lon, row.accuracy_m) for row in rows}


def village_map(commune_id: int, village_id: int, topic: str | None = None) -> dict:
    """The live households of a village with their last fix and class, in address order:
    {households: [{id, address, class, fix: (lat, lon, accuracy) or None}], counts: {class: {"fix", "no_fix"}},
    with_fix, without_fix}."""
    homes = db.session.execute(
        select(Household.id, Household.address)
        .where(Household.commune_id == commune_id, Household.village_id == village_id,
               Household.deleted.is_(False))).all()
    ids = select(Household.id).where(Household.commune_id == commune_id, Household.village_id == village_id,
                                      Household.deleted.is_(False))
    fixes = last_fixes(ids)
    facts.catch_up()
    of_village = (HouseholdFacts.commune_id == commune_id, HouseholdFacts.village_id == village_id)
    reached = set(db.session.execute(
        select(HouseholdFacts.household_id).where(*of_village, HouseholdFacts.first_met_on.is_not(None))).scalars())
    shares = _topic_shares(commune_id, village_id, topic) if topic else {}
    out, counts = [], {name: {"fix": 0, "no_fix": 0} for name in CLASSES}
    for home in sorted(homes, key=lambda h: address_key(h.address)):
        kind = _class(home.id in reached, *shares.get(home.id, (0, 0)))
        fix = fixes.get(home.id)
        counts[kind]["fix" if fix else "no_fix"] += 1
        out.append({"id": home.id, "address": home.address, "class": kind, "fix": fix})
    with_fix = sum(c["fix"] for c in counts.values())
    return {"households": out, "counts": counts, "with_fix": with_fix, "without_fix": len(out) - with_fix}


def _class(reached: bool, has: int, eligible: int) -> str:
    if not reached:
        return "not_reached"
    if eligible and has >= eligible:
        return "all"
    return "some" if has else "reached"


def _topic_shares(commune_id: int, village_id: int, topic: str) -> dict[str, tuple[int, int]]:
    """{household id: (eligible residents who have `topic`, eligible residents)}: the residents old enough, less
    those whose current status (the stretch with no end) is not applicable, and of them those who have it."""
    aged = HouseholdFacts.__table__.c[f"aged_{topic}"]
    shares = {hid: [0, n] for hid, n in db.session.execute(
        select(HouseholdFacts.household_id, aged).where(HouseholdFacts.commune_id == commune_id,
                                                        HouseholdFacts.village_id == village_id))}
    for hid, has, n in db.session.execute(
            select(StatusFact.household_id, StatusFact.has, func.count())
            .where(StatusFact.commune_id == commune_id, StatusFact.village_id == village_id,
                   StatusFact.topic == topic, StatusFact.until_day.is_(None))
            .group_by(StatusFact.household_id, StatusFact.has)):
        share = shares.setdefault(hid, [0, 0])
        if has:
            share[0] += n
        else:
            share[1] -= n  # not applicable: out of the eligible
    return {hid: (has, eligible) for hid, (has, eligible) in shares.items()}
