"""The coverage figures read from the facts (facts.py) instead of the visits: the same tuples as queries.py returns.

They answer a selection with no start day and no official (`covers`), up to an optional last local day `to`: a
household counts as reached when its first met day is not after `to`; a resident's status is the one of its stretch
(status_facts) that holds on `to` (or now).
"""
from datetime import date

from sqlalchemy import case, func, or_, select

from shared.vocab import TOPICS

from ..extensions import db
from ..models import FollowUpFact, Household, HouseholdFacts, StatusFact, Visit, VisitFact
from .facts import FACTS_TZ
from .queries import Selection, as_date, in_selection


def covers(sel: Selection) -> bool:
    """Whether the facts hold what `sel` counts."""
    return sel.start is None and sel.official_id is None and sel.tz == FACTS_TZ


def _day_or_none(value) -> date | None:
    return as_date(value) if value is not None else None


def households(sel: Selection, to: date | None) -> list:
    """(village, local day first reached or None, households, of them visited by `to`, residents, residents with no
    birth year, {topic: residents old enough}), the day None when it is after `to`."""
    aged = [func.sum(HouseholdFacts.__table__.c[f"aged_{topic}"]) for topic in TOPICS]
    first = HouseholdFacts.first_visited_on
    visited = func.sum(case((first.is_not(None) if to is None else first <= to, 1), else_=0))
    rows = db.session.execute(
        select(HouseholdFacts.village_id, HouseholdFacts.first_met_on, func.count(), visited,
               func.sum(HouseholdFacts.residents), func.sum(HouseholdFacts.unknown_age), *aged)
        .where(*in_selection(HouseholdFacts, sel)).group_by(HouseholdFacts.village_id, HouseholdFacts.first_met_on))
    out = []
    for village, day, n, seen, residents, unknown, *counts in rows:
        day = _day_or_none(day)
        out.append((village, day if day is None or to is None or day <= to else None, n, int(seen or 0),
                    int(residents), int(unknown or 0), {topic: int(c or 0) for topic, c in zip(TOPICS, counts)}))
    return out


def statuses(sel: Selection, to: date | None) -> list:
    """(village, topic, residents who have it, residents for whom it is not applicable) on the day `to` (None:
    now), among residents old enough."""
    return status_counts(StatusFact.__table__, in_selection(StatusFact, sel), sel.topic, to)


def status_counts(source, conditions: list, topic: str | None, to: date | None) -> list:
    """status_facts' figures per village and topic, from the table or from status_segments() of the visits."""
    conditions = list(conditions)
    if to is None:
        conditions.append(source.c.until_day.is_(None))
    else:
        conditions += [source.c.from_day <= to, or_(source.c.until_day.is_(None), source.c.until_day > to)]
    if topic is not None:
        conditions.append(source.c.topic == topic)
    has = case((source.c.has, 1), else_=0)
    return [(village, topic_, int(n_has or 0), int(n - (n_has or 0))) for village, topic_, n, n_has in db.session.execute(
        select(source.c.village_id, source.c.topic, func.count(), func.sum(has))
        .where(*conditions).group_by(source.c.village_id, source.c.topic))]


def status_changes(sel: Selection) -> list:
    """(topic, has, local day, change in residents): how many stretches start (+) and end (-) on each day."""
    return changes(StatusFact.__table__, in_selection(StatusFact, sel), sel.topic)


def changes(source, conditions: list, topic: str | None) -> list:
    conditions = list(conditions) + ([source.c.topic == topic] if topic is not None else [])
    out = []
    for column, sign in ((source.c.from_day, 1), (source.c.until_day, -1)):
        for topic_, has, day, n in db.session.execute(
                select(source.c.topic, source.c.has, column, func.count())
                .where(*conditions, column.is_not(None)).group_by(source.c.topic, source.c.has, column)):
            out.append((topic_, bool(has), as_date(day), sign * n))
    return out


def follow_ups(sel: Selection, today: date) -> list:
    """(village, open, overdue): follow-ups are current tasks, so `to` does not apply."""
    overdue = func.sum(case((FollowUpFact.follow_up_on < today, 1), else_=0))
    return db.session.execute(select(FollowUpFact.village_id, func.count(), overdue)
                              .where(*in_selection(FollowUpFact, sel)).group_by(FollowUpFact.village_id)).all()


def visits(sel: Selection, to: date | None) -> list:
    """(official, local day, visits, minutes, households first visited by the official that day, visits that found
    nobody home, households first met by the official that day)."""
    conditions = in_selection(VisitFact, sel)
    if to is not None:
        conditions.append(VisitFact.day <= to)
    rows = db.session.execute(
        select(VisitFact.official_id, VisitFact.day, func.sum(VisitFact.visits), func.sum(VisitFact.minutes),
               func.sum(VisitFact.households), func.sum(VisitFact.not_home), func.sum(VisitFact.met_households))
        .where(*conditions).group_by(VisitFact.official_id, VisitFact.day))
    return [(official, as_date(day), int(n), int(minutes), int(households), int(not_home), int(met))
            for official, day, n, minutes, households, not_home, met in rows]


def open_follow_ups(sel: Selection):
    """The open follow-ups of `sel` with their visit and household, in the columns service.follow_ups() lists."""
    return (select(FollowUpFact.visit_id.label("id"), FollowUpFact.household_id, FollowUpFact.village_id,
                   Household.address, Household.head_name, FollowUpFact.follow_up_on, Visit.official_id,
                   Visit.started_at)
            .join(Household, Household.id == FollowUpFact.household_id)
            .join(Visit, Visit.id == FollowUpFact.visit_id)
            .where(*in_selection(FollowUpFact, sel))
            .order_by(FollowUpFact.follow_up_on, Household.address, FollowUpFact.visit_id))


def open_follow_up_counts(sel: Selection) -> list[tuple[str, date, int]]:
    """(household id, earliest due day, open follow-ups) of each household of `sel` with one open: the follow-up
    table's count and cut, from the facts alone (a commune's thousands of rows in a few ms)."""
    rows = db.session.execute(
        select(FollowUpFact.household_id, func.min(FollowUpFact.follow_up_on), func.count())
        .where(*in_selection(FollowUpFact, sel)).group_by(FollowUpFact.household_id))
    return [(household_id, as_date(due), int(n)) for household_id, due, n in rows]
