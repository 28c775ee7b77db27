"""Coverage facts: per-household figures that coverage() reads instead of every visit (models.py, "Coverage facts").

Terms:
- the *facts* of a household are its rows in household_facts, done_facts, follow_up_facts and visit_facts;
- to *refresh* households is to delete their facts and compute them again from their visits, assists and
  residents, with one INSERT ... SELECT per table (two for done_facts): exact whatever changed;
- a *stale* household is one whose facts a write has made out of date: it has a row in stale_households;
- to *catch up* is to refresh every stale household and forget that it was stale.

Every writer (a push, an import, a resolved conflict) marks the households it wrote as stale (mark_stale) in its own
transaction; whoever reads the facts catches up first (catch_up), so the figures read are exact. Refreshing at read
time costs a writer nothing and refreshes a household once however many pushes touched it since the last read.
Both hold the `sync_counter` row lock (ledger.counter.take_seq) from their first write until commit, so a catch-up
never misses a household marked by a push that commits while it runs.
"""
from sqlalchemy import String, bindparam, case, cast, delete, exists, func, insert, literal, or_, select, true

from ..extensions import db
from ..models import (Assist, DoneFact, FollowUpFact, Household, HouseholdFacts, Resident, StaleHousehold, Visit,
                      VisitFact)
from ..ledger import counter
from . import queries

FACTS_TZ = "Asia/Ho_Chi_Minh"
"""The time zone of the facts' days: coverage() asked about another zone counts from the visits instead."""
CHUNK = 2_000
"""Households refreshed per statement: keeps the IN list far below every database's limit on bound values."""
TABLES = (HouseholdFacts, DoneFact, FollowUpFact, VisitFact)
_STATEMENTS: dict[tuple[str, bool], list] = {}
"""The DELETE and INSERT statements of a refresh (of some households, or of all), per dialect, built once:
building them cost as much as running them for a push of 100 visits on SQLite."""


def refresh(household_ids) -> None:
    """Compute again the facts of these households (any iterable of ids; deleted or unknown ones lose theirs)."""
    ids = sorted({str(i) for i in household_ids if i is not None})
    if not ids:
        return
    db.session.flush()  # the caller's pending ORM changes must be in the rows read below
    for start in range(0, len(ids), CHUNK):
        _compute(ids[start:start + CHUNK])


def catch_up() -> int:
    """Refresh the stale households, committing every CHUNK of them, and return how many. Call it before reading
    the facts: they are then exact for every push that committed before the call."""
    if not db.session.execute(select(exists().select_from(StaleHousehold))).scalar():
        return 0  # the usual case: no lock taken, nothing written
    ids = db.session.execute(select(StaleHousehold.household_id)).scalars().all()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        # The counter lock: no push is between its writes and its commit while these households are refreshed and
        # forgotten. Held for one chunk at a time, so that a long catch-up does not keep pushes waiting.
        counter.hold()
        refresh(chunk)
        db.session.execute(delete(StaleHousehold).where(StaleHousehold.household_id.in_(chunk)))
        db.session.commit()
    return len(ids)


def rebuild() -> None:
    """Compute every household's facts from scratch: after bulk loads that bypass refresh()."""
    db.session.flush()
    _compute(None)
    db.session.execute(delete(StaleHousehold))


def _compute(ids: list[str] | None) -> None:
    """Replace the facts of households `ids` (None: all of them)."""
    key = (db.engine.dialect.name, ids is None)
    if key not in _STATEMENTS:
        _STATEMENTS[key] = _statements(everything=ids is None)
    connection = db.session.connection()
    for statement in _STATEMENTS[key]:
        connection.execute(statement, {} if ids is None else {"ids": ids})


def _statements(everything: bool) -> list:
    def within(column):
        return true() if everything else column.in_(bindparam("ids", expanding=True))

    statements = [delete(model.__table__).where(within(model.__table__.c.household_id)) for model in TABLES]
    for model, query in ((HouseholdFacts, _household_facts(within)), (DoneFact, _done_facts(within, True)),
                         (DoneFact, _done_facts(within, False)), (FollowUpFact, _follow_up_facts(within)),
                         (VisitFact, _visit_facts(within))):
        names = [column.name for column in query.selected_columns]
        statements.append(insert(model.__table__).from_select(names, query))
    return statements


def _day(column):
    return queries.local_day(column, FACTS_TZ)


def _live_households(within, column=Household.id) -> list:
    """Households not deleted, among those refreshed (`column` names their id in the query)."""
    return [Household.deleted.is_(False), within(column)]


def _household_facts(within):
    met = (select(Visit.household_id, func.min(Visit.started_at).label("first"),
                  func.max(Visit.started_at).label("last"))
           .where(within(Visit.household_id), Visit.status == "met", Visit.voided.is_(False))
           .group_by(Visit.household_id).subquery())
    people = (select(Resident.household_id, func.count().label("n"))
              .where(within(Resident.household_id), Resident.deleted.is_(False))
              .group_by(Resident.household_id).subquery())
    return (select(Household.id.label("household_id"), Household.commune_id, Household.village_id,
                   func.coalesce(people.c.n, 0).label("residents"),
                   _day(met.c.first).label("first_met_on"), _day(met.c.last).label("last_met_on"))
            .outerjoin(met, met.c.household_id == Household.id)
            .outerjoin(people, people.c.household_id == Household.id)
            .where(*_live_households(within)))


def _done_facts(within, per_resident: bool):
    """The first day of each topic done per live resident (`per_resident`), or per household as a whole."""
    key = cast(Assist.resident_id, String) if per_resident else literal("")
    done = (select(Visit.household_id, Assist.topic, key.label("resident_key"),
                   func.min(Visit.started_at).label("first"))
            # Through the visits: their household_id is indexed, the assists' is not.
            .join(Assist, Assist.visit_id == Visit.id)
            .outerjoin(Resident, Resident.id == Assist.resident_id)
            .where(within(Visit.household_id), Visit.voided.is_(False), Assist.outcome == "done",
                   # A done assist of a deleted resident counts for nobody.
                   Resident.deleted.is_(False) if per_resident
                   else or_(Assist.resident_id.is_(None), Resident.deleted.is_(False)))
            .group_by(Visit.household_id, Assist.topic, *([Assist.resident_id] if per_resident else [])).subquery())
    return (select(done.c.household_id, done.c.topic, done.c.resident_key, Household.commune_id,
                   Household.village_id, _day(done.c.first).label("first_done_on"))
            .join(Household, Household.id == done.c.household_id).where(Household.deleted.is_(False)))


def _follow_up_facts(within):
    return (select(Visit.id.label("visit_id"), Visit.household_id, Household.commune_id, Household.village_id,
                   Visit.follow_up_on)
            .join(Household, Household.id == Visit.household_id)
            .where(*_live_households(within, Visit.household_id), Visit.voided.is_(False), queries.open_follow_up()))


def _visit_facts(within):
    inner = (select(Visit.household_id, Visit.official_id, _day(Visit.started_at).label("day"),
                    Household.commune_id, Household.village_id,
                    func.coalesce(Visit.duration_min, 0).label("minutes"))
             .join(Household, Household.id == Visit.household_id)
             .where(*_live_households(within, Visit.household_id), Visit.voided.is_(False)).subquery())
    keys = [inner.c.household_id, inner.c.official_id, inner.c.day, inner.c.commune_id, inner.c.village_id]
    # Grouped outside the subquery so that PostgreSQL matches the computed day (see queries._grouped).
    days = select(*keys, func.count().label("visits"), func.sum(inner.c.minutes).label("minutes")).group_by(*keys)
    days = days.subquery()
    first = func.min(days.c.day).over(partition_by=[days.c.household_id, days.c.official_id])
    return select(*days.c, case((days.c.day == first, 1), else_=0).label("households"))

