"""The aggregate queries behind the coverage figures: each is one GROUP BY, keyed by village (or official, or day).

A *selection* says what to count (see service.py); a *counted visit* is a visit of the selection that is not
voided, at a household that is not deleted. Statuses, old enough and has it are shared/coverage.py's: here and in
facts.py they are computed in SQL by status_segments() and old_enough(). Households are placed by their current village, not by the village a
visit copied when it was logged, so that "reached" can never exceed "total" after a household moves.
"""
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Date, and_, case, cast, exists, func, literal_column, or_, select
from sqlalchemy.orm import aliased

from shared.coverage import NOT_APPLICABLE
from shared.vocab import HAS_IT, TOPICS

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


def in_selection(model, sel: Selection) -> list:
    """The conditions that keep the rows of `model` (any table with commune_id and village_id) within `sel`'s area."""
    conditions = [model.commune_id.in_(sel.communes)]
    if sel.village_id is not None:
        conditions.append(model.village_id == sel.village_id)
    return conditions


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


def old_enough(birth_year, latest_birth_year):
    """SQL: a resident born in `birth_year` is old enough when born in `latest_birth_year` or before, or when its
    birth year is unknown (shared.coverage.old_enough with latest_birth_year = year - min_age)."""
    return or_(birth_year.is_(None), birth_year <= latest_birth_year)


def status_segments(where: list, tz: str, year: int, ages: dict[str, int]):
    """The stretches of days over which a live resident old enough for a topic has it, or has it not applicable,
    from the assists of the visits matching `where` (conditions on Visit): the rows of status_facts (models.py).

    A resident's status on a day is the latest outcome of that day or before (shared.coverage.statuses): per
    resident, topic and local day the last assist by (start, visit id, assist id) is kept; each runs until the next
    day with an assist; only the stretches that count (has it, or not applicable) are returned."""
    latest_birth_year = case({topic: year - age for topic, age in ages.items()}, value=Assist.topic)
    per_assist = (select(Visit.household_id, Assist.resident_id, Assist.topic, Household.commune_id,
                         Household.village_id, local_day(Visit.started_at, tz).label("day"),
                         Visit.started_at, Visit.id.label("visit_id"), Assist.id.label("assist_id"), Assist.outcome)
                  .select_from(Visit).join(Assist, Assist.visit_id == Visit.id)
                  .join(Resident, Resident.id == Assist.resident_id)
                  .join(Household, Household.id == Visit.household_id)
                  # A resident's statuses come from the visits of its own household, as the tablet reads them.
                  .where(*where, Visit.voided.is_(False), Resident.deleted.is_(False),
                         Resident.household_id == Visit.household_id, Household.deleted.is_(False),
                         old_enough(Resident.birth_year, latest_birth_year))
                  .subquery())
    last = func.row_number().over(
        partition_by=[per_assist.c.resident_id, per_assist.c.topic, per_assist.c.day],
        order_by=[per_assist.c.started_at.desc(), per_assist.c.visit_id.desc(), per_assist.c.assist_id.desc()])
    ranked = select(per_assist, last.label("rank")).subquery()
    until = func.lead(ranked.c.day).over(partition_by=[ranked.c.resident_id, ranked.c.topic], order_by=ranked.c.day)
    days = (select(ranked.c.household_id, ranked.c.resident_id, ranked.c.topic, ranked.c.day.label("from_day"),
                   until.label("until_day"), ranked.c.outcome, ranked.c.commune_id, ranked.c.village_id)
            .where(ranked.c.rank == 1).subquery())
    return (select(days.c.household_id, days.c.resident_id, days.c.topic, days.c.from_day, days.c.until_day,
                   days.c.outcome.in_(HAS_IT).label("has"), days.c.commune_id, days.c.village_id)
            .where(days.c.outcome.in_((*HAS_IT, NOT_APPLICABLE))).subquery())


def households_and_first_reached(sel: Selection) -> list:
    """(village, local day first reached or None, visited, households): one pass that gives households total,
    reached and visited (met or not home) per village, and households first reached per day (for the cumulative
    weekly series)."""
    first_met = (select(Visit.household_id,
                        func.min(case((Visit.status == "met", Visit.started_at))).label("first_met"))
                 .where(*visit_conditions(sel)).group_by(Visit.household_id).subquery())
    inner = (select(Household.village_id.label("village"), local_day(first_met.c.first_met, sel.tz).label("day"),
                    case((first_met.c.household_id.is_not(None), 1), else_=0).label("visited"))
             .outerjoin(first_met, first_met.c.household_id == Household.id).where(*households_of(sel)))
    return [(village, as_date(day) if day is not None else None, visited, n)
            for village, day, visited, n in _grouped(inner, "village", "day", "visited",
                                                     aggregates=[lambda q: func.count()])]


def residents_per_village(sel: Selection, year: int, ages: dict[str, int]) -> dict[int, tuple]:
    """{village: (residents, residents with no birth year, {topic: residents old enough})} of live residents."""
    query = (select(Household.village_id, func.count(), func.sum(case((Resident.birth_year.is_(None), 1), else_=0)),
                    *[func.sum(case((old_enough(Resident.birth_year, year - ages[topic]), 1), else_=0))
                      for topic in TOPICS])
             .select_from(Resident).join(Household, Household.id == Resident.household_id)
             .where(*households_of(sel), Resident.deleted.is_(False)).group_by(Household.village_id))
    return {village: (n, int(unknown or 0), {t: int(c or 0) for t, c in zip(TOPICS, counts)})
            for village, n, unknown, *counts in _rows(query)}


def segments_of(sel: Selection, year: int, ages: dict[str, int]):
    """status_segments() of the selection's counted visits: statuses at the end of its range."""
    return status_segments(counted_visits(sel), sel.tz, year, ages)


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
    """(official, local day, visits, minutes, visits that found nobody home) of counted visits."""
    inner = (select(Visit.official_id.label("official"), local_day(Visit.started_at, sel.tz).label("day"),
                    Visit.duration_min.label("minutes"),
                    case((Visit.status == "not_home", 1), else_=0).label("not_home"))
             .where(*counted_visits_alone(sel)))
    return [(official, as_date(day), n, minutes or 0, int(not_home or 0))
            for official, day, n, minutes, not_home in _grouped(
                inner, "official", "day", aggregates=[lambda q: func.count(), lambda q: func.sum(q.c.minutes),
                                                      lambda q: func.sum(q.c.not_home)])]


def households_per_official(sel: Selection) -> dict[int, tuple[int, int]]:
    """{official: (distinct households visited, of which met)} over counted visits."""
    pairs = (select(Visit.official_id.label("official"),
                    func.max(case((Visit.status == "met", 1), else_=0)).label("met"))
             .where(*counted_visits_alone(sel)).group_by(Visit.official_id, Visit.household_id))
    return {official: (n, int(met or 0)) for official, n, met in _grouped(
        pairs, "official", aggregates=[lambda q: func.count(), lambda q: func.sum(q.c.met)])}
