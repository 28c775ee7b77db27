"""The aggregate queries behind the coverage figures: each is one GROUP BY, keyed by village (or official, or day).

A *selection* says what to count (see service.py); a *counted visit* is a visit of the selection that is not
voided, at a household that is not deleted. Households are placed by their current village, not by the village a
visit copied when it was logged, so that "reached" can never exceed "total" after a household moves.
"""
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Date, and_, case, cast, exists, func, literal_column, or_, select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import Assist, Household, Resident, Visit


@dataclass(frozen=True)
class Selection:
    """What one call counts: `start`/`end` are UTC instants (end excluded), computed from local days."""
    communes: tuple[int, ...]
    village_id: int | None = None
    start: datetime | None = None
    end: datetime | None = None
    topic: str | None = None
    official_id: int | None = None
    tz: str = "Asia/Ho_Chi_Minh"


def households_of(sel: Selection) -> list:
    conditions = [Household.commune_id.in_(sel.communes), Household.deleted.is_(False)]
    if sel.village_id is not None:
        conditions.append(Household.village_id == sel.village_id)
    return conditions


def visit_conditions(sel: Selection, dated: bool = True) -> list:
    """Conditions on Visit alone; `dated=False` ignores the date range (follow-ups are current tasks)."""
    # Visit.commune_id repeats the household's commune so that ix_visits_commune_started can be used.
    conditions = [Visit.commune_id.in_(sel.communes), Visit.voided.is_(False)]
    if dated and sel.start is not None:
        conditions.append(Visit.started_at >= sel.start)
    if dated and sel.end is not None:
        conditions.append(Visit.started_at < sel.end)
    if sel.official_id is not None:
        conditions.append(Visit.official_id == sel.official_id)
    return conditions


def counted_visits(sel: Selection, dated: bool = True) -> list:
    """Conditions on Visit joined to Household: the counted visits."""
    return households_of(sel) + visit_conditions(sel, dated)


def visits_at_households():
    return select().select_from(Visit).join(Household, Household.id == Visit.household_id)


def counted_visits_alone(sel: Selection) -> list:
    """The counted visits without joining households, for figures that do not need the household's village."""
    # Deleted households are few: leaving them out is cheaper than joining every household.
    if sel.village_id is None:
        deleted = select(Household.id).where(Household.commune_id.in_(sel.communes), Household.deleted.is_(True))
        return visit_conditions(sel) + [Visit.household_id.not_in(deleted)]
    return visit_conditions(sel) + [Visit.household_id.in_(select(Household.id).where(*households_of(sel)))]


def assist_counted(sel: Selection):
    """An assist of a counted visit, its household left to the caller."""
    if sel.start is None and sel.end is None and sel.official_id is None:
        # Then only voided visits are left out, and they are few: cheaper than matching every visit.
        voided = select(Visit.id).where(Visit.commune_id.in_(sel.communes), Visit.voided.is_(True))
        return Assist.visit_id.not_in(voided)
    return Assist.visit_id.in_(select(Visit.id).where(*visit_conditions(sel)))


def local_day(column, tz: str):
    """The calendar day of a stored UTC timestamp in the time zone `tz`, as SQL."""
    minutes = fixed_offset_minutes(tz)
    postgresql = db.engine.dialect.name == "postgresql"
    if postgresql and minutes is None:
        return cast(func.timezone(tz, func.timezone("UTC", column)), Date)
    if postgresql:
        # A plain shift costs a third less than two timezone() calls per row; `minutes` is our own integer.
        return cast(column + literal_column(f"interval '{minutes} minutes'"), Date)
    # SQLite has no time-zone database: a zone with daylight saving time is shifted by today's offset.
    minutes = minutes if minutes is not None else int(datetime.now(ZoneInfo(tz)).utcoffset().total_seconds() // 60)
    return func.date(column, f"{minutes:+d} minutes")


def fixed_offset_minutes(tz: str) -> int | None:
    """The zone's offset from UTC in minutes if it is the same all year (Asia/Ho_Chi_Minh: 420), else None."""
    zone, year = ZoneInfo(tz), datetime.now().year
    offsets = {datetime(y, m, 1, tzinfo=zone).utcoffset() for y in (year, year + 1) for m in (1, 4, 7, 10)}
    return int(offsets.pop().total_seconds() // 60) if len(offsets) == 1 else None


def as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _rows(query) -> list:
    return db.session.execute(query).all()


def _grouped(inner, *keys: str, aggregates=()) -> list:
    """GROUP BY the labelled columns `keys` of the subquery `inner`.

    Grouping outside a subquery lets PostgreSQL match a computed key (a local day, whose time zone is a bound
    parameter) between SELECT and GROUP BY."""
    inner = inner.subquery()
    columns = [inner.c[key] for key in keys]
    return _rows(select(*columns, *[make(inner) for make in aggregates]).group_by(*columns))


def households_and_first_reached(sel: Selection) -> list:
    """(village, local day first reached or None, households): one pass that gives households total and reached
    per village, and households first reached per day (for the cumulative weekly series)."""
    first_met = (select(Visit.household_id,
                        func.min(case((Visit.status == "met", Visit.started_at))).label("first_met"))
                 .where(*visit_conditions(sel)).group_by(Visit.household_id).subquery())
    inner = (select(Household.village_id.label("village"), local_day(first_met.c.first_met, sel.tz).label("day"))
             .outerjoin(first_met, first_met.c.household_id == Household.id).where(*households_of(sel)))
    return [(village, as_date(day) if day is not None else None, n)
            for village, day, n in _grouped(inner, "village", "day", aggregates=[lambda q: func.count()])]


def residents_per_village(sel: Selection) -> dict[int, int]:
    query = (select(Household.village_id, func.count()).select_from(Resident)
             .join(Household, Household.id == Resident.household_id)
             .where(*households_of(sel), Resident.deleted.is_(False)).group_by(Household.village_id))
    return dict(_rows(query))


def done_per_village(sel: Selection) -> list:
    """(village, topic, households done, residents done): `done` assists of counted visits.

    Distinct (household, topic, resident) triples first, then one row per household and topic with its number of
    residents, and only then the join to households for their village: hash aggregates over the assists alone,
    where COUNT(DISTINCT) would sort."""
    deleted_residents = select(Resident.id).where(Resident.commune_id.in_(sel.communes), Resident.deleted.is_(True))
    triples = (select(Assist.household_id, Assist.topic, Assist.resident_id)
               # Assist.commune_id lets ix_assists_commune_topic_outcome narrow the assists first.
               .where(Assist.commune_id.in_(sel.communes), Assist.outcome == "done", assist_counted(sel),
                      # An assist of a deleted resident counts for nobody; a household-level one for the household.
                      or_(Assist.resident_id.is_(None), Assist.resident_id.not_in(deleted_residents)))
               .group_by(Assist.household_id, Assist.topic, Assist.resident_id))
    if sel.topic is not None:
        triples = triples.where(Assist.topic == sel.topic)
    if sel.village_id is not None:
        triples = triples.where(Assist.household_id.in_(select(Household.id).where(*households_of(sel))))
    triples = triples.subquery()
    per_household = (select(triples.c.household_id, triples.c.topic,
                            func.count(triples.c.resident_id).label("residents"))
                     .group_by(triples.c.household_id, triples.c.topic).subquery())
    return _rows(select(Household.village_id, per_household.c.topic, func.count(), func.sum(per_household.c.residents))
                 .join(per_household, per_household.c.household_id == Household.id).where(*households_of(sel))
                 .group_by(Household.village_id, per_household.c.topic))


def open_follow_up():
    """A follow-up visit not closed by a later met visit at the same household."""
    later = aliased(Visit)
    closed = exists().where(later.household_id == Visit.household_id, later.status == "met",
                            later.voided.is_(False), later.started_at > Visit.started_at)
    return and_(Visit.follow_up_on.is_not(None), ~closed)


def follow_ups_per_village(sel: Selection, today: date) -> list:
    """(village, open, overdue) where overdue means due before `today`."""
    overdue = func.sum(case((Visit.follow_up_on < today, 1), else_=0))
    query = (visits_at_households().add_columns(Household.village_id, func.count(), overdue)
             .where(*counted_visits(sel, dated=False), open_follow_up()).group_by(Household.village_id))
    return _rows(query)


def visits_per_official_and_day(sel: Selection) -> list:
    """(official, local day, visits, minutes) of counted visits."""
    inner = (select(Visit.official_id.label("official"), local_day(Visit.started_at, sel.tz).label("day"),
                    Visit.duration_min.label("minutes")).where(*counted_visits_alone(sel)))
    return [(official, as_date(day), n, minutes or 0) for official, day, n, minutes in _grouped(
        inner, "official", "day", aggregates=[lambda q: func.count(), lambda q: func.sum(q.c.minutes)])]


def households_per_official(sel: Selection) -> dict[int, int]:
    """Distinct households each official visited (counted visits)."""
    pairs = (select(Visit.official_id.label("official")).where(*counted_visits_alone(sel))
             .group_by(Visit.official_id, Visit.household_id))
    return dict(_grouped(pairs, "official", aggregates=[lambda q: func.count()]))
