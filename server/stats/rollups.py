"""Roll-ups: the coverage facts added up per village (models.py, "Roll-ups"), for figures of many communes.

Terms:
- a village's *roll-ups* are its rows in village_totals, village_days and village_officials: sums of its
  households' facts (facts.py) now, without a last day or an official;
- to *roll up* villages is to delete their roll-ups and add up their facts again, with one INSERT ... SELECT per
  table: exact whatever changed. facts.refresh() rolls up the villages of the households it refreshed (before and
  after a move), facts.rebuild() every village; both under the same lock and in the same transaction as the facts.

A province's coverage now (service.gather, no start or last day, no official) reads these: a few rows per village
and day instead of every household and resident, so that it costs in proportion to the villages.
"""
from collections import Counter

from sqlalchemy import bindparam, case, delete, func, insert, literal, select, true, union_all

from shared.vocab import TOPICS

from ..extensions import db
from ..models import FollowUpFact, HouseholdFacts, StatusFact, VillageDay, VillageOfficial, VillageTotals, VisitFact
from .queries import Selection, as_date, in_selection

TABLES = (VillageTotals, VillageDay, VillageOfficial)
_STATEMENTS: dict[tuple, list] = {}


def roll_up(village_ids) -> None:
    """Add up again the facts of these villages (an iterable of ids; None: every village)."""
    everything = village_ids is None
    ids = None if everything else sorted({int(v) for v in village_ids if v is not None})
    if ids == []:
        return
    key = (db.engine.dialect.name, everything)
    if key not in _STATEMENTS:
        _STATEMENTS[key] = _statements(everything)
    connection = db.session.connection()
    for statement in _STATEMENTS[key]:
        connection.execute(statement, {} if everything else {"ids": ids})


def _statements(everything: bool) -> list:
    def within(column):
        return true() if everything else column.in_(bindparam("ids", expanding=True))

    statements = [delete(model.__table__).where(within(model.__table__.c.village_id)) for model in TABLES]
    for model, query in ((VillageTotals, _totals(within)), (VillageDay, _days(within)),
                         (VillageOfficial, _officials(within))):
        statements.append(insert(model.__table__).from_select([c.name for c in query.selected_columns], query))
    return statements


def _totals(within):
    h = HouseholdFacts.__table__.c
    homes = (select(h.village_id, func.min(h.commune_id).label("commune_id"), func.count().label("households"),
                    func.sum(case((h.first_met_on.is_not(None), 1), else_=0)).label("reached"),
                    func.sum(case((h.first_met_on.is_(None) & h.first_visited_on.is_not(None), 1), else_=0))
                    .label("not_home"),
                    func.sum(h.residents).label("residents"), func.sum(h.unknown_age).label("unknown_age"),
                    *[func.sum(h[f"aged_{t}"]).label(f"aged_{t}") for t in TOPICS])
             .where(within(h.village_id)).group_by(h.village_id).subquery())
    s = StatusFact.__table__.c
    statuses = (select(s.village_id,
                       *[func.sum(case(((s.topic == t) & s.has, 1), else_=0)).label(f"has_{t}") for t in TOPICS],
                       *[func.sum(case(((s.topic == t) & ~s.has, 1), else_=0)).label(f"na_{t}") for t in TOPICS])
                .where(within(s.village_id), s.until_day.is_(None)).group_by(s.village_id).subquery())
    return (select(homes.c.village_id, homes.c.commune_id, homes.c.households, homes.c.reached, homes.c.not_home,
                   homes.c.residents, homes.c.unknown_age, *[homes.c[f"aged_{t}"] for t in TOPICS],
                   *[func.coalesce(statuses.c[f"{kind}_{t}"], 0).label(f"{kind}_{t}")
                     for kind in ("has", "na") for t in TOPICS])
            .outerjoin(statuses, statuses.c.village_id == homes.c.village_id))


def _days(within):
    h, v = HouseholdFacts.__table__.c, VisitFact.__table__.c
    firsts = (select(h.village_id, h.commune_id, h.first_met_on.label("day"), func.count().label("reached"),
                     literal(0).label("visits"), literal(0).label("not_home"))
              .where(within(h.village_id), h.first_met_on.is_not(None))
              .group_by(h.village_id, h.commune_id, h.first_met_on))
    visits = (select(v.village_id, v.commune_id, v.day, literal(0).label("reached"), func.sum(v.visits).label("visits"),
                     func.sum(v.not_home).label("not_home"))
              .where(within(v.village_id)).group_by(v.village_id, v.commune_id, v.day))
    both = union_all(firsts, visits).subquery()
    return (select(both.c.village_id, both.c.day, func.min(both.c.commune_id).label("commune_id"),
                   func.sum(both.c.reached).label("reached"), func.sum(both.c.visits).label("visits"),
                   func.sum(both.c.not_home).label("not_home"))
            .group_by(both.c.village_id, both.c.day))


def _officials(within):
    v = VisitFact.__table__.c
    return (select(v.village_id, v.official_id, func.min(v.commune_id).label("commune_id"),
                   func.sum(v.visits).label("visits"), func.sum(v.minutes).label("minutes"),
                   func.sum(v.households).label("households"), func.sum(v.not_home).label("not_home"),
                   func.sum(v.met_households).label("met_households"))
            .where(within(v.village_id)).group_by(v.village_id, v.official_id))


def gather(sel: Selection, today, tally, gathered):
    """service.Gathered of `sel` (no start or last day, no official) from the roll-ups: what gather_facts gives
    without the weekly series' status changes. `tally` and `gathered` are service.Tally and service.Gathered."""
    tallies: dict = {}
    t = VillageTotals.__table__.c
    for row in db.session.execute(select(t).where(*in_selection(t, sel))).mappings():
        tallies[row["village_id"]] = _tally(row, tally(), sel.topic)
    f = FollowUpFact.__table__.c
    overdue = func.sum(case((f.follow_up_on < today, 1), else_=0))
    for village_id, open_, late in db.session.execute(
            select(f.village_id, func.count(), overdue).where(*in_selection(f, sel)).group_by(f.village_id)):
        one = tallies.setdefault(village_id, tally())
        one.follow_ups_open, one.follow_ups_overdue = open_, int(late or 0)
    d = VillageDay.__table__.c
    reached_by_day, visits_by_day, not_home_by_day = Counter(), Counter(), Counter()
    for day, reached, visits, not_home in db.session.execute(
            select(d.day, func.sum(d.reached), func.sum(d.visits), func.sum(d.not_home))
            .where(*in_selection(d, sel)).group_by(d.day)):
        day = as_date(day)
        for counter, n in ((reached_by_day, reached), (visits_by_day, visits), (not_home_by_day, not_home)):
            if n:
                counter[day] += int(n)
    o = VillageOfficial.__table__.c
    activity = {}
    for official_id, n, minutes, households, not_home, met in db.session.execute(
            select(o.official_id, func.sum(o.visits), func.sum(o.minutes), func.sum(o.households),
                   func.sum(o.not_home), func.sum(o.met_households))
            .where(*in_selection(o, sel)).group_by(o.official_id)):
        activity[official_id] = [int(n), int(households), int(minutes), int(not_home), int(met)]
    return gathered(tallies, reached_by_day, visits_by_day, not_home_by_day, activity, Counter())


def per_commune(communes: list[int], tally) -> dict:
    """The totals now of each of these communes (service.Tally, without follow-ups), added up by the database from
    the village roll-ups: a country's comparison reads one row per commune."""
    t = VillageTotals.__table__.c
    sums = [func.sum(c).label(c.name) for c in t if c.name not in ("village_id", "commune_id")]
    rows = db.session.execute(select(t.commune_id, *sums).where(t.commune_id.in_(communes))
                              .group_by(t.commune_id)).mappings()
    return {row["commune_id"]: _tally(row, tally(), None) for row in rows}


def _tally(row, one, topic: str | None):
    """`one` (a service.Tally) filled from a row of village_totals' columns."""
    one.households_total, one.households_reached = int(row["households"]), int(row["reached"])
    one.households_not_home, one.residents_total, one.unknown_age = \
        int(row["not_home"]), int(row["residents"]), int(row["unknown_age"])
    one.aged.update({t: int(row[f"aged_{t}"]) for t in TOPICS})
    for t in TOPICS if topic is None else (topic,):
        one.has[t], one.not_applicable[t] = int(row[f"has_{t}"]), int(row[f"na_{t}"])
    return one

