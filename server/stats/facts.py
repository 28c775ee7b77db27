"""Coverage facts: per-household figures that coverage() reads instead of every visit (models.py, "Coverage facts").

Terms:
- the *facts* of a household are its rows in household_facts, status_facts, follow_up_facts and visit_facts;
- to *refresh* households is to delete their facts and compute them again from their visits, assists and
  residents, with one INSERT ... SELECT per table: exact whatever changed;
- the *basis* of the facts is the year and the topics' minimum ages they were computed with (old enough is baked
  into household_facts and status_facts, see shared/coverage.py); when either changes (a new year in FACTS_TZ, an
  admin's new minimum age), the next catch-up rebuilds every household's facts first;
- a *stale* household is one whose facts a write has made out of date: it has a row in stale_households;
- to *catch up* is to refresh every stale household and forget that it was stale.

Every writer (a push, an import, a resolved conflict) marks the households it wrote as stale (mark_stale) in its own
transaction; whoever reads the facts catches up first (catch_up), so the figures read are exact. Refreshing at read
time costs a writer nothing and refreshes a household once however many pushes touched it since the last read.
Both hold the `sync_counter` row lock (ledger.counter.take_seq) from their first write until commit, so a catch-up
never misses a household marked by a push that commits while it runs.
"""
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import case, delete, exists, func, insert, select, true, bindparam

from shared.vocab import TOPICS

from ..extensions import db
from ..models import FactsBasis, FollowUpFact, Household, HouseholdFacts, Resident, StaleHousehold, StatusFact, \
    Visit, VisitFact
from ..ledger import counter
from . import queries, rollups, rules

FACTS_TZ = "Asia/Ho_Chi_Minh"
"""The time zone of the facts' days and year: coverage() asked about another zone counts from the visits instead."""
CHUNK = 2_000
"""Households refreshed per statement: keeps the IN list far below every database's limit on bound values."""
TABLES = (HouseholdFacts, StatusFact, FollowUpFact, VisitFact)
_STATEMENTS: dict[tuple, list] = {}
"""The DELETE and INSERT statements of a refresh (of some households, or of all), per dialect and basis, built
once: building them cost as much as running them for a push of 100 visits on SQLite."""


def current_year() -> int:
    """The year in the facts' time zone: residents' ages are counted in it."""
    return datetime.now(ZoneInfo(FACTS_TZ)).year


def basis() -> tuple[int, dict[str, int]]:
    """The year and minimum ages the facts must be computed with now."""
    return current_year(), rules.min_ages()


def stored_basis() -> str | None:
    """The basis the stored facts were computed with (rules.basis_text), None before the first rebuild."""
    return db.session.execute(select(FactsBasis.rules).where(FactsBasis.id == 1)).scalar()


def refresh(household_ids) -> None:
    """Compute again the facts of these households (any iterable of ids; deleted or unknown ones lose theirs)."""
    ids = sorted({str(i) for i in household_ids if i is not None})
    if not ids:
        return
    db.session.flush()  # the caller's pending ORM changes must be in the rows read below
    year, ages = basis()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        villages = set(_villages_of(chunk))  # before: a household that moved or went leaves its village's sums
        _compute(chunk, year, ages)
        rollups.roll_up(villages.union(_villages_of(chunk)))


def _villages_of(household_ids: list[str]) -> list[int]:
    return db.session.execute(select(HouseholdFacts.village_id).distinct()
                              .where(HouseholdFacts.household_id.in_(household_ids))).scalars().all()


def catch_up() -> int:
    """Refresh the stale households, committing every CHUNK of them, and return how many (or rebuild all of them
    when the basis changed). Call it before reading the facts: they are then exact for every push that committed
    before the call."""
    year, ages = basis()
    wanted, stored = rules.basis_text(year, ages), stored_basis()
    if stored != wanted:
        counter.hold()
        if stored is None and not db.session.execute(select(exists().select_from(HouseholdFacts))).scalar():
            _record_basis(year, ages)  # a new database: no fact was computed with another basis
            db.session.commit()
        else:
            stale = db.session.execute(select(func.count()).select_from(StaleHousehold)).scalar()
            rebuild()
            db.session.commit()
            return stale
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
    """Compute every household's facts from scratch, with today's basis: after bulk loads that bypass refresh(),
    and when the basis changed."""
    db.session.flush()
    year, ages = basis()
    _compute(None, year, ages)
    rollups.roll_up(None)
    db.session.execute(delete(StaleHousehold))
    _record_basis(year, ages)


def _record_basis(year: int, ages: dict[str, int]) -> None:
    row = db.session.get(FactsBasis, 1)
    if row is None:
        db.session.add(FactsBasis(id=1, year=year, rules=rules.basis_text(year, ages)))
    else:
        row.year, row.rules = year, rules.basis_text(year, ages)
    db.session.flush()


def _compute(ids: list[str] | None, year: int, ages: dict[str, int]) -> None:
    """Replace the facts of households `ids` (None: all of them)."""
    key = (db.engine.dialect.name, ids is None, year, tuple(ages.items()))
    if key not in _STATEMENTS:
        _STATEMENTS[key] = _statements(ids is None, year, ages)
    connection = db.session.connection()
    for statement in _STATEMENTS[key]:
        connection.execute(statement, {} if ids is None else {"ids": ids})


def _statements(everything: bool, year: int, ages: dict[str, int]) -> list:
    def within(column):
        return true() if everything else column.in_(bindparam("ids", expanding=True))

    statements = [delete(model.__table__).where(within(model.__table__.c.household_id)) for model in TABLES]
    segments = queries.status_segments([within(Visit.household_id)], FACTS_TZ, year, ages)
    for model, query in ((HouseholdFacts, _household_facts(within, year, ages)), (StatusFact, select(*segments.c)),
                         (FollowUpFact, _follow_up_facts(within)), (VisitFact, _visit_facts(within))):
        names = [column.name for column in query.selected_columns]
        statements.append(insert(model.__table__).from_select(names, query))
    return statements


def _day(column):
    return queries.local_day(column, FACTS_TZ)


def _live_households(within, column=Household.id) -> list:
    """Households not deleted, among those refreshed (`column` names their id in the query)."""
    return [Household.deleted.is_(False), within(column)]


def _household_facts(within, year: int, ages: dict[str, int]):
    met = (select(Visit.household_id, func.min(case((Visit.status == "met", Visit.started_at))).label("first"),
                  func.max(case((Visit.status == "met", Visit.started_at))).label("last"),
                  func.min(Visit.started_at).label("visited"))
           .where(within(Visit.household_id), Visit.voided.is_(False))
           .group_by(Visit.household_id).subquery())
    people = (select(Resident.household_id, func.count().label("n"),
                     func.sum(case((Resident.birth_year.is_(None), 1), else_=0)).label("unknown_age"),
                     *[func.sum(case((queries.old_enough(Resident.birth_year, year - ages[topic]), 1), else_=0))
                       .label(f"aged_{topic}") for topic in TOPICS])
              .where(within(Resident.household_id), Resident.deleted.is_(False))
              .group_by(Resident.household_id).subquery())
    return (select(Household.id.label("household_id"), Household.commune_id, Household.village_id,
                   func.coalesce(people.c.n, 0).label("residents"),
                   _day(met.c.first).label("first_met_on"), _day(met.c.last).label("last_met_on"),
                   _day(met.c.visited).label("first_visited_on"),
                   func.coalesce(people.c.unknown_age, 0).label("unknown_age"),
                   *[func.coalesce(people.c[f"aged_{topic}"], 0).label(f"aged_{topic}") for topic in TOPICS])
            .outerjoin(met, met.c.household_id == Household.id)
            .outerjoin(people, people.c.household_id == Household.id)
            .where(*_live_households(within)))


def _follow_up_facts(within):
    return (select(Visit.id.label("visit_id"), Visit.household_id, Household.commune_id, Household.village_id,
                   Visit.follow_up_on)
            .join(Household, Household.id == Visit.household_id)
            .where(*_live_households(within, Visit.household_id), Visit.voided.is_(False), queries.open_follow_up()))


def _visit_facts(within):
    inner = (select(Visit.household_id, Visit.official_id, _day(Visit.started_at).label("day"),
                    Household.commune_id, Household.village_id,
                    func.coalesce(Visit.duration_min, 0).label("minutes"),
                    case((Visit.status == "met", 1), else_=0).label("met"),
                    case((Visit.status == "not_home", 1), else_=0).label("not_home"))
             .join(Household, Household.id == Visit.household_id)
             .where(*_live_households(within, Visit.household_id), Visit.voided.is_(False)).subquery())
    keys = [inner.c.household_id, inner.c.official_id, inner.c.day, inner.c.commune_id, inner.c.village_id]
    # Grouped outside the subquery so that PostgreSQL matches the computed day (see queries._grouped).
    days = select(*keys, func.count().label("visits"), func.sum(inner.c.minutes).label("minutes"),
                  func.sum(inner.c.met).label("met"), func.sum(inner.c.not_home).label("not_home")).group_by(*keys)
    days = days.subquery()
    pair = [days.c.household_id, days.c.official_id]
    first = func.min(days.c.day).over(partition_by=pair)
    first_met = func.min(case((days.c.met > 0, days.c.day))).over(partition_by=pair)
    return select(*_keys(days), days.c.visits, days.c.minutes, days.c.not_home,
                  case((days.c.day == first, 1), else_=0).label("households"),
                  case((days.c.day == first_met, 1), else_=0).label("met_households"))


def _keys(days) -> list:
    return [days.c.household_id, days.c.official_id, days.c.day, days.c.commune_id, days.c.village_id]
