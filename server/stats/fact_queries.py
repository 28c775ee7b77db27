"""The coverage figures read from the facts (facts.py) instead of the visits: the same tuples as queries.py returns.

They answer a selection with no start day and no official (`covers`), up to an optional last local day `to`: a
household counts as reached, or done for a topic, when its first such day is not after `to`.
"""
from datetime import date

from sqlalchemy import case, func, select

from ..extensions import db
from ..models import DoneFact, FollowUpFact, Household, HouseholdFacts, Visit, VisitFact
from .facts import FACTS_TZ
from .queries import Selection, as_date


def covers(sel: Selection) -> bool:
    """Whether the facts hold what `sel` counts."""
    return sel.start is None and sel.official_id is None and sel.tz == FACTS_TZ


def _of(model, sel: Selection) -> list:
    conditions = [model.commune_id.in_(sel.communes)]
    if sel.village_id is not None:
        conditions.append(model.village_id == sel.village_id)
    return conditions


def _day_or_none(value) -> date | None:
    return as_date(value) if value is not None else None


def households(sel: Selection, to: date | None) -> list:
    """(village, local day first reached or None, households, residents), the day None when it is after `to`."""
    rows = db.session.execute(
        select(HouseholdFacts.village_id, HouseholdFacts.first_met_on, func.count(), func.sum(HouseholdFacts.residents))
        .where(*_of(HouseholdFacts, sel)).group_by(HouseholdFacts.village_id, HouseholdFacts.first_met_on))
    out = []
    for village, day, n, residents in rows:
        day = _day_or_none(day)
        out.append((village, day if day is None or to is None or day <= to else None, n, int(residents)))
    return out


def done(sel: Selection, to: date | None) -> list:
    """(village, topic, households done, residents done) by the end of `to`."""
    conditions = _of(DoneFact, sel)
    if to is not None:
        conditions.append(DoneFact.first_done_on <= to)
    if sel.topic is not None:
        conditions.append(DoneFact.topic == sel.topic)
    whole = DoneFact.resident_key == ""  # the row of the household as a whole
    return db.session.execute(
        select(DoneFact.village_id, DoneFact.topic, func.sum(case((whole, 1), else_=0)),
               func.sum(case((whole, 0), else_=1)))
        .where(*conditions).group_by(DoneFact.village_id, DoneFact.topic)).all()


def follow_ups(sel: Selection, today: date) -> list:
    """(village, open, overdue): follow-ups are current tasks, so `to` does not apply."""
    overdue = func.sum(case((FollowUpFact.follow_up_on < today, 1), else_=0))
    return db.session.execute(select(FollowUpFact.village_id, func.count(), overdue)
                              .where(*_of(FollowUpFact, sel)).group_by(FollowUpFact.village_id)).all()


def visits(sel: Selection, to: date | None) -> list:
    """(official, local day, visits, minutes, households first visited by the official that day)."""
    conditions = _of(VisitFact, sel)
    if to is not None:
        conditions.append(VisitFact.day <= to)
    rows = db.session.execute(
        select(VisitFact.official_id, VisitFact.day, func.sum(VisitFact.visits), func.sum(VisitFact.minutes),
               func.sum(VisitFact.households))
        .where(*conditions).group_by(VisitFact.official_id, VisitFact.day))
    return [(official, as_date(day), int(n), int(minutes), int(households))
            for official, day, n, minutes, households in rows]


def open_follow_ups(sel: Selection):
    """The open follow-ups of `sel` with their visit and household, in the columns service.follow_ups() lists."""
    return (select(FollowUpFact.visit_id.label("id"), FollowUpFact.household_id, FollowUpFact.village_id,
                   Household.address, Household.head_name, FollowUpFact.follow_up_on, Visit.official_id,
                   Visit.started_at)
            .join(Household, Household.id == FollowUpFact.household_id)
            .join(Visit, Visit.id == FollowUpFact.visit_id)
            .where(*_of(FollowUpFact, sel))
            .order_by(FollowUpFact.follow_up_on, Household.address, FollowUpFact.visit_id))
