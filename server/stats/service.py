"""Coverage figures, work lists and targets of an area: the one definition of coverage, reached and follow-up.

Terms:
- the *selection* of a call: the communes of the area (one, or all of a province), optionally one village, a range
  of local days (in the commune's time zone) for visits, one topic and one official;
- a household is *reached* when it has a counted visit (queries.py) with status met in the range; it is *visited,
  nobody home* when it has counted visits but none met;
- a topic's *coverage* is shared/coverage.py's (docs/indicators.md): residents old enough whose status (the latest
  outcome among the counted visits) is done or already_had, out of those old enough whose status is not
  not_applicable; per area, per village, per official's assigned villages and at the end of each week;
- a *follow-up* is open while no later met visit closes it, and *overdue* once its day is before today (local).
  Follow-ups are current tasks: the date range does not apply to them; the village and official filters do.
Every figure comes from a few GROUP BY queries: over the per-household facts (fact_queries.py, facts.py) when the
selection has no start day and no official, else over the visits (queries.py); Python only adds per-village rows up
into communes and totals, and per-day counts into Monday-start weeks.
"""
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, func, or_, select

from shared.coverage import percent
from shared.sorting import name_key, vi_key, walk_key
from shared.vocab import TOPICS

from .. import audit
from ..extensions import db
from ..models import Area, Device, FollowUpFact, Household, Target, User, UserVillage, Visit, utcnow
from . import fact_queries, facts, queries, rollups, rules
from .queries import Selection

DEFAULT_TZ = "Asia/Ho_Chi_Minh"
STALE_AFTER = timedelta(days=3)
"""A device not heard from for longer is flagged: its official may have visits waiting in the outbox."""
MAX_WEEKS = 520


class NotFound(LookupError):
    """No such area."""


class Invalid(ValueError):
    """Arguments the data does not allow; `fields` says which and why, as in the API's error shape."""

    def __init__(self, fields: dict):
        super().__init__("Invalid input.")
        self.fields = fields


def area_of(area_id: int) -> Area:
    """The area, or NotFound."""
    area = db.session.get(Area, area_id)
    if area is None:
        raise NotFound(area_id)
    return area


def select_area(area_id: int, date_from: date | None = None, date_to: date | None = None,
                village_id: int | None = None, topic: str | None = None, official_id: int | None = None,
                tz: str = DEFAULT_TZ) -> tuple[Area, Selection]:
    """The area and what a call about it counts; Invalid for arguments that do not fit together."""
    area = area_of(area_id)
    if topic is not None and topic not in TOPICS:
        raise Invalid({"topic": ["Unknown topic."]})
    if date_from and date_to and date_from > date_to:
        raise Invalid({"from": ["Must not be after 'to'."]})
    try:
        zone = ZoneInfo(tz)
    except Exception:  # ZoneInfo raises several kinds for a bad name
        raise Invalid({"tz": ["Unknown time zone."]}) from None
    if area.level == "province":
        communes = tuple(db.session.execute(
            select(Area.id).where(Area.parent_id == area.id, Area.level == "commune", Area.retired.is_(False)))
            .scalars())
    else:
        communes = (area.commune_id,)
    if area.level == "village":
        if village_id not in (None, area.id):
            raise Invalid({"village": ["Not this village."]})
        village_id = area.id
    elif village_id is not None:
        village = db.session.get(Area, village_id)
        if village is None or village.level != "village" or village.commune_id not in communes:
            raise Invalid({"village": ["Not a village of this area."]})
    start = _instant(date_from, zone) if date_from else None
    end = _instant(date_to + timedelta(days=1), zone) if date_to else None
    return area, Selection(communes or (-1,), village_id, start, end, topic, official_id, tz)


def _instant(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), zone).astimezone(timezone.utc)


@dataclass
class Tally:
    """The additive figures of a village, a commune, an official's villages or a whole area."""
    households_total: int = 0
    households_reached: int = 0
    households_not_home: int = 0  # visited, nobody home yet: not reached
    residents_total: int = 0
    unknown_age: int = 0
    follow_ups_open: int = 0
    follow_ups_overdue: int = 0
    aged: Counter = field(default_factory=Counter)            # topic -> residents old enough
    has: Counter = field(default_factory=Counter)             # topic -> of them, who have it
    not_applicable: Counter = field(default_factory=Counter)  # topic -> of them, not applicable

    def add(self, other: "Tally") -> None:
        for name in ("households_total", "households_reached", "households_not_home", "residents_total", "unknown_age",
                     "follow_ups_open",
                     "follow_ups_overdue"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.aged.update(other.aged)
        self.has.update(other.has)
        self.not_applicable.update(other.not_applicable)

    def figures(self, topics: list[str], targets: dict) -> dict:
        return {
            "households_total": self.households_total, "households_reached": self.households_reached,
            "reached_percent": percent(self.households_reached, self.households_total),
            "households_not_home": self.households_not_home,
            "residents_total": self.residents_total, "unknown_age": self.unknown_age,
            "follow_ups_open": self.follow_ups_open, "follow_ups_overdue": self.follow_ups_overdue,
            "topics": [self.topic(topic, targets.get(topic)) for topic in topics],
        }

    def topic(self, topic: str, target: float | None) -> dict:
        eligible = self.aged[topic] - self.not_applicable[topic]
        share = percent(self.has[topic], eligible)
        return {"topic": topic, "eligible": eligible, "has_it": self.has[topic], "percent": share,
                "not_applicable": self.not_applicable[topic], "target_percent": target,
                "target_met": None if target is None else (share or 0.0) >= target}


@dataclass
class Gathered:
    """What the aggregate queries of one coverage call return, before it is added up."""
    villages: dict[int, Tally]
    reached_by_day: Counter
    visits_by_day: Counter
    not_home_by_day: Counter
    activity: dict[int, list]  # official -> [visits, households visited, minutes, not-home visits, households met]
    changes: Counter           # (topic, has, day) -> status stretches starting (+) less those ending (-) that day


def gather(sel: Selection, today: date, date_to: date | None = None, changes: bool = True) -> Gathered:
    """Run the aggregate queries of a coverage call: over the facts when they hold what `sel` counts
    (fact_queries.py), else over the visits (queries.py). `date_to` is the last local day `sel` counts; residents'
    ages are counted in the year of `today`. `changes`: also the status changes of the weekly series (not needed
    for a province, whose page shows no weeks)."""
    if fact_queries.covers(sel):
        facts.catch_up()
        if facts.current_year() == today.year:
            if date_to is None and not changes:
                return rollups.gather(sel, today, Tally, Gathered)
            return gather_facts(sel, today, date_to, changes)
    return gather_live(sel, today, changes)


def _tallies() -> tuple[dict[int, Tally], callable]:
    tallies: dict[int, Tally] = {}
    return tallies, lambda village_id: tallies.setdefault(village_id, Tally())


def gather_facts(sel: Selection, today: date, date_to: date | None, changes: bool = True) -> Gathered:
    """The figures of a selection without start day or official, from a few hundred grouped fact rows."""
    tallies, of = _tallies()
    reached_by_day, visits_by_day, not_home_by_day, activity = Counter(), Counter(), Counter(), {}
    for village_id, day, n, visited, residents, unknown, aged in fact_queries.households(sel, date_to):
        tally = of(village_id)
        tally.households_total += n
        tally.residents_total += residents
        tally.unknown_age += unknown
        tally.aged.update(aged)
        if day is not None:
            tally.households_reached += n
            reached_by_day[day] += n
        else:
            tally.households_not_home += visited
    for village_id, topic, has, not_applicable in fact_queries.statuses(sel, date_to):
        of(village_id).has[topic], of(village_id).not_applicable[topic] = has, not_applicable
    for village_id, open_, overdue in fact_queries.follow_ups(sel, today):
        of(village_id).follow_ups_open, of(village_id).follow_ups_overdue = open_, int(overdue or 0)
    for official_id, day, n, minutes, households, not_home, met in fact_queries.visits(sel, date_to):
        visits_by_day[day] += n
        not_home_by_day[day] += not_home
        row = activity.setdefault(official_id, [0, 0, 0, 0, 0])
        for i, value in enumerate((n, households, minutes, not_home, met)):
            row[i] += value
    return Gathered(tallies, reached_by_day, visits_by_day, not_home_by_day, activity,
                    _changes(fact_queries.status_changes(sel) if changes else [], date_to))


def gather_live(sel: Selection, today: date, changes: bool = True) -> Gathered:
    """Run the aggregate queries over the visits (see queries.py)."""
    tallies, of = _tallies()
    reached_by_day, visits_by_day, not_home_by_day, activity = Counter(), Counter(), Counter(), {}
    year, ages = today.year, rules.min_ages()
    for village_id, day, visited, n in queries.households_and_first_reached(sel):
        of(village_id).households_total += n
        if day is not None:
            of(village_id).households_reached += n
            reached_by_day[day] += n
        elif visited:
            of(village_id).households_not_home += n
    for village_id, (n, unknown, aged) in queries.residents_per_village(sel, year, ages).items():
        tally = of(village_id)
        tally.residents_total, tally.unknown_age = n, unknown
        tally.aged.update(aged)
    segments = queries.segments_of(sel, year, ages)
    for village_id, topic, has, not_applicable in fact_queries.status_counts(segments, [], sel.topic, None):
        of(village_id).has[topic], of(village_id).not_applicable[topic] = has, not_applicable
    for village_id, open_, overdue in queries.follow_ups_per_village(sel, today):
        of(village_id).follow_ups_open, of(village_id).follow_ups_overdue = open_, int(overdue or 0)
    for official_id, day, n, minutes, not_home in queries.visits_per_official_and_day(sel):
        visits_by_day[day] += n
        not_home_by_day[day] += not_home
        row = activity.setdefault(official_id, [0, 0, 0, 0, 0])
        row[0], row[2], row[3] = row[0] + n, row[2] + int(minutes), row[3] + not_home
    for official_id, (n, met) in queries.households_per_official(sel).items():
        row = activity.setdefault(official_id, [0, 0, 0, 0, 0])
        row[1], row[4] = n, met
    return Gathered(tallies, reached_by_day, visits_by_day, not_home_by_day, activity,
                    _changes(fact_queries.changes(segments, [], sel.topic) if changes else [], None))


def _changes(rows, date_to: date | None) -> Counter:
    """Status changes per (topic, has, day), up to `date_to`: what happens after it is not known yet to a selection
    that ends then (a stretch that ends later still runs on that day)."""
    out = Counter()
    for topic, has, day, n in rows:
        if date_to is None or day <= date_to:
            out[(topic, has, day)] += n
    return Counter({key: n for key, n in out.items() if n})


def coverage(area_id: int, date_from: date | None = None, date_to: date | None = None, village_id: int | None = None,
             topic: str | None = None, official_id: int | None = None, tz: str = DEFAULT_TZ,
             now: datetime | None = None) -> dict:
    """The coverage figures of a commune, a village or a province (see the module's terms); `now` defaults to now."""
    area, sel = select_area(area_id, date_from, date_to, village_id, topic, official_id, tz)
    now = now or utcnow()
    today = now.astimezone(ZoneInfo(tz)).date()
    topics = [topic] if topic else list(TOPICS)
    targets = _targets_of(sel.communes)
    gathered = gather(sel, today, date_to, changes=area.level != "province")
    tallies = gathered.villages
    areas = db.session.execute(
        select(Area.id, Area.name, Area.commune_id, Area.level)
        .where(Area.commune_id.in_(sel.communes), Area.level.in_(("commune", "village")), Area.retired.is_(False))
    ).all()
    areas.sort(key=lambda a: (vi_key(a.name), a.id))  # Vietnamese order: villages, communes and exports alike
    villages = [a for a in areas if a.level == "village" and sel.village_id in (None, a.id)]
    communes = {a.id: (a, Tally()) for a in areas if a.level == "commune"}
    total = Tally()
    for village in villages:
        tally = tallies.get(village.id, Tally())
        communes[village.commune_id][1].add(tally)
        total.add(tally)
    own_targets = targets.get(sel.communes[0], {}) if area.level != "province" else {}
    result = {
        "area_id": area.id, "name": area.name, "level": area.level,
        "date_from": date_from, "date_to": date_to, "village_id": sel.village_id, "topic": topic,
        "official_id": official_id, "year": today.year, "min_ages": rules.min_ages(),
        **total.figures(topics, own_targets),
        "villages": [] if area.level == "province" else [
            {"area_id": v.id, "name": v.name,
             **tallies.get(v.id, Tally()).figures(topics, targets.get(v.commune_id, {}))} for v in villages],
        "officials": officials(sel, now, gathered.activity, {v.id: tallies.get(v.id, Tally()) for v in villages},
                               topics, own_targets),
        "weeks": weeks(gathered, date_from, date_to, today,
                       None if area.level == "province" else (topics, total)),
    }
    if area.level == "province":
        result["communes"] = [{"area_id": c.id, "name": c.name, **tally.figures(topics, targets.get(c.id, {}))}
                              for c, tally in communes.values()]
    return result


def officials(sel: Selection, now: datetime, activity: dict[int, list], villages: dict[int, Tally] | None = None,
              topics: list[str] = (), targets: dict | None = None) -> list[dict]:
    """Each official's own work (`activity`: visits, of which not home, households visited and met, minutes), the
    coverage of their assigned villages within the selection (`villages`: their residents, not the commune's), and
    when each of their devices last synced.

    Listed: the officials assigned to the selection (so that one with no visit shows), and anyone who logged a
    counted visit; only the one official when the selection names one."""
    assigned = and_(User.role == "official", User.active.is_(True), User.commune_id.in_(sel.communes))
    if sel.village_id is not None:
        in_village = select(UserVillage.user_id).where(UserVillage.village_id == sel.village_id)
        assigned = and_(assigned, User.id.in_(in_village))
    who = select(User.id, User.full_name).where(or_(assigned, User.id.in_(list(activity))))
    if sel.official_id is not None:
        who = who.where(User.id == sel.official_id)
    users = sorted(db.session.execute(who).all(), key=lambda u: (name_key(u.full_name), u.id))
    ids = [u.id for u in users]
    devices: dict[int, list] = {}
    for device in db.session.execute(
            select(Device.user_id, Device.id, Device.label, Device.last_sync_at, Device.last_seen_at)
            .where(Device.user_id.in_(ids), Device.revoked_at.is_(None)).order_by(Device.label)):
        heard = max((t for t in (device.last_sync_at, device.last_seen_at) if t is not None), default=None)
        devices.setdefault(device.user_id, []).append(
            {"device_id": device.id, "label": device.label, "last_sync_at": heard,
             "stale": heard is None or now - heard > STALE_AFTER})
    theirs: dict[int, list[int]] = {}
    for user_id, village_id in db.session.execute(
            select(UserVillage.user_id, UserVillage.village_id).where(UserVillage.user_id.in_(ids))):
        theirs.setdefault(user_id, []).append(village_id)
    villages = villages or {}
    rows = []
    for user in users:
        visits, households, minutes, not_home, met = activity.get(user.id, (0, 0, 0, 0, 0))
        own = devices.get(user.id, [])
        last = max((d["last_sync_at"] for d in own if d["last_sync_at"]), default=None)
        mine = [v for v in sorted(theirs.get(user.id, [])) if v in villages]
        area = Tally()
        for village_id in mine:
            area.add(villages[village_id])
        rows.append({"user_id": user.id, "full_name": user.full_name, "visits": visits, "not_home_visits": not_home,
                     "households": households, "households_met": met, "minutes": minutes, "last_sync_at": last,
                     "stale": last is None or now - last > STALE_AFTER, "devices": own, "village_ids": mine,
                     "villages": area.figures(list(topics), targets or {})})
    return rows


def weeks(gathered: Gathered, date_from: date | None, date_to: date | None, today: date,
          topical: tuple[list[str], Tally] | None = None) -> list[dict]:
    """Visits and not-home visits per Monday-start local week, households reached by the end of it, and, when
    `topical` gives the topics and the area's tally, each topic's coverage on the week's last day."""
    visits, firsts = gathered.visits_by_day, gathered.reached_by_day
    days = set(visits) | set(firsts)
    if not days and date_from is None:
        return []
    start = date_from or min(days)
    end = max([min(date_to or today, today), *days])
    monday, last_monday = _monday(start), _monday(end)
    # A range reaching back decades would otherwise list thousands of empty weeks.
    monday = max(monday, last_monday - timedelta(weeks=MAX_WEEKS))
    per_week, not_home_per_week, reached_per_week, changes = Counter(), Counter(), Counter(), Counter()
    for day, n in visits.items():
        per_week[_monday(day)] += n
    for day, n in gathered.not_home_by_day.items():
        not_home_per_week[_monday(day)] += n
    for day, n in firsts.items():
        reached_per_week[_monday(day)] += n
    # A week shows the statuses of its last day (Sunday, or `date_to`): a stretch from day d counts from d's week
    # on, one that ends on d (its until_day) no longer counts from d's week on.
    for (topic, has, day), n in gathered.changes.items():
        changes[(topic, has, _monday(day))] += n
    series, cumulative = [], sum(n for week, n in reached_per_week.items() if week < monday)
    running = Counter()
    for (topic, has, week), n in changes.items():
        if week < monday:
            running[(topic, has)] += n
    while monday <= last_monday:
        cumulative += reached_per_week[monday]
        entry = {"week": monday, "visits": per_week[monday], "not_home_visits": not_home_per_week[monday],
                 "households_reached_cumulative": cumulative}
        if topical is not None:
            topics, tally = topical
            for topic in topics:
                for has in (True, False):
                    running[(topic, has)] += changes[(topic, has, monday)]
            entry["topics"] = []
            for topic in topics:
                eligible = tally.aged[topic] - running[(topic, False)]
                entry["topics"].append({"topic": topic, "has_it": running[(topic, True)], "eligible": eligible,
                                        "percent": percent(running[(topic, True)], eligible)})
        series.append(entry)
        monday += timedelta(weeks=1)
    return series


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def never_reached(area_id: int, village_id: int | None = None, limit: int | None = None) -> list[dict]:
    """The work list: households of the area with no met visit (ever), with their not-home attempts."""
    _, sel = select_area(area_id, village_id=village_id)
    met = exists().where(Visit.household_id == Household.id, Visit.status == "met", Visit.voided.is_(False))
    attempts = (select(Visit.household_id, func.count().label("n"), func.max(Visit.started_at).label("last_at"))
                .where(Visit.commune_id.in_(sel.communes), Visit.voided.is_(False))
                .group_by(Visit.household_id).subquery())
    query = (select(Household.id, Household.village_id, Area.name, Household.address, Household.head_name,
                    Household.phone, attempts.c.n, attempts.c.last_at)
             .join(Area, Area.id == Household.village_id)
             .outerjoin(attempts, attempts.c.household_id == Household.id)
             .where(*queries.households_of(sel), ~met))
    # Walk order (village, street order, head) needs Python: SQL sorts "Số 18" before "Số 9". The whole list is
    # read, then cut to `limit`, so that the first rows are the first of the walk.
    rows = sorted(db.session.execute(query), key=lambda r: (walk_key(r.name, r.address, r.head_name), r.id))
    return [{"household_id": row.id, "village_id": row.village_id, "village": row.name, "address": row.address,
             "head_name": row.head_name, "phone": row.phone, "attempts": row.n or 0,
             "last_attempt_at": _utc(row.last_at)}
            for row in rows[:limit]]


def follow_ups(area_id: int, village_id: int | None = None, official_id: int | None = None,
               overdue_only: bool = False, tz: str = DEFAULT_TZ, now: datetime | None = None,
               limit: int | None = None) -> list[dict]:
    """Open follow-ups of the area, soonest due first (then in walk order), each flagged when overdue."""
    rows, today = _open_follow_ups(area_id, village_id, official_id, overdue_only, tz, now)
    return [_follow_up(row, today) for row in _walk_sorted(rows, limit)]


def follow_up_households(area_id: int, village_id: int | None = None, official_id: int | None = None,
                         tz: str = DEFAULT_TZ, now: datetime | None = None, limit: int | None = None) -> dict:
    """{rows, total}: the households with open follow-ups, each once (`total` of them): its earliest due follow-up,
    with `open`, how many it has open; the first `limit` rows, soonest due first, then in walk order.

    Only the households of the days the cut reaches are read in full and sorted: a commune has thousands open."""
    _, sel = select_area(area_id, village_id=village_id, official_id=official_id, tz=tz)
    today = (now or utcnow()).astimezone(ZoneInfo(tz)).date()
    if fact_queries.covers(sel):
        facts.catch_up()
        counts = fact_queries.open_follow_up_counts(sel)
        rows = None
    else:  # one official's follow-ups: few enough to read whole
        rows, _ = _open_follow_ups(area_id, village_id, official_id, False, tz, now)
        tally: dict[str, list] = {}
        for row in rows:  # by due day: a household's first row is its earliest
            tally.setdefault(row.household_id, [row.follow_up_on, 0])[1] += 1
        counts = [(household_id, due, n) for household_id, (due, n) in tally.items()]
    counts.sort(key=lambda c: c[1])
    total = len(counts)
    if limit is not None and len(counts) > limit:
        last_day = counts[limit - 1][1] if limit else None
        counts = [c for c in counts if last_day is not None and c[1] <= last_day]
    wanted = {household_id: n for household_id, _, n in counts}
    if rows is None:
        rows = []
        ids = list(wanted)
        for start in range(0, len(ids), 1000):
            rows += db.session.execute(fact_queries.open_follow_ups(sel)
                                       .where(FollowUpFact.household_id.in_(ids[start:start + 1000]))).all()
        rows.sort(key=lambda r: r.follow_up_on)
    first: dict[str, object] = {}
    for row in rows:
        if row.household_id in wanted:
            first.setdefault(row.household_id, row)
    return {"rows": [{**_follow_up(row, today), "open": wanted[row.household_id]}
                     for row in _walk_sorted(list(first.values()), limit)],
            "total": total}


def _open_follow_ups(area_id, village_id, official_id, overdue_only, tz, now) -> tuple[list, date]:
    """The open follow-up rows, by due day (SQL), and today in the commune's zone."""
    _, sel = select_area(area_id, village_id=village_id, official_id=official_id, tz=tz)
    today = (now or utcnow()).astimezone(ZoneInfo(tz)).date()
    if fact_queries.covers(sel):
        facts.catch_up()
        query, due = fact_queries.open_follow_ups(sel), FollowUpFact.follow_up_on
    else:
        query, due = (queries.visits_at_households()
                      .add_columns(Visit.id, Visit.household_id, Household.village_id, Household.address,
                                   Household.head_name, Visit.follow_up_on, Visit.official_id, Visit.started_at)
                      .where(*queries.counted_visits(sel, dated=False), queries.open_follow_up())
                      .order_by(Visit.follow_up_on, Household.address, Visit.id)), Visit.follow_up_on
    if overdue_only:
        query = query.where(due < today)
    return list(db.session.execute(query)), today


def _walk_sorted(rows: list, limit: int | None) -> list:
    """The first `limit` of `rows` (sorted by due day) by due day, then in walk order: SQL puts "Số 18" before
    "Số 9", so that order is Python's, and only for the days the cut reaches (a commune has thousands open)."""
    if limit is not None and len(rows) > limit:
        last_day = rows[limit - 1].follow_up_on if limit else None
        rows = [row for row in rows if last_day is not None and row.follow_up_on <= last_day]
    names = _village_names({row.village_id for row in rows})
    return sorted(rows, key=lambda r: (r.follow_up_on, walk_key(names.get(r.village_id), r.address, r.head_name),
                                       r.id))[:limit]


def _follow_up(row, today: date) -> dict:
    return {"visit_id": row.id, "household_id": row.household_id, "village_id": row.village_id,
            "address": row.address, "head_name": row.head_name, "follow_up_on": row.follow_up_on,
            "official_id": row.official_id, "visited_at": _utc(row.started_at), "overdue": row.follow_up_on < today}


def _village_names(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(db.session.execute(select(Area.id, Area.name).where(Area.id.in_(list(ids)))).all())


def _utc(value: datetime | str | None) -> datetime | None:
    """A UTC timestamp read through an aggregate (which loses the column's type on SQLite), made aware."""
    if value is None or isinstance(value, datetime):
        return value if value is None or value.tzinfo else value.replace(tzinfo=timezone.utc)
    return datetime.fromisoformat(value).replace(tzinfo=timezone.utc)


def _targets_of(communes: tuple[int, ...]) -> dict[int, dict[str, float]]:
    targets: dict[int, dict[str, float]] = {}
    for commune_id, topic, value in db.session.execute(
            select(Target.commune_id, Target.topic, Target.percent).where(Target.commune_id.in_(communes))):
        targets.setdefault(commune_id, {})[topic] = value
    return targets


def _commune(commune_id: int) -> Area:
    area = area_of(commune_id)
    if area.level != "commune":
        raise Invalid({"commune": ["Not a commune."]})
    return area


def get_targets(commune_id: int) -> dict[str, float]:
    """The commune's target percent per topic, in the order of the topics; topics without a target are left out."""
    _commune(commune_id)
    stored = _targets_of((commune_id,)).get(commune_id, {})
    return {topic: stored[topic] for topic in TOPICS if topic in stored}


def set_target(commune_id: int, topic: str, percent_: float | None, by_user_id: int | None = None,
               commit: bool = True) -> dict[str, float]:
    """Set (or, with None, remove) the commune's target for a topic; returns the commune's targets."""
    _commune(commune_id)
    if topic not in TOPICS:
        raise Invalid({"topic": ["Unknown topic."]})
    if percent_ is not None and (isinstance(percent_, bool) or not isinstance(percent_, (int, float))
                                 or not 0 <= percent_ <= 100):
        raise Invalid({"percent": ["Must be a number from 0 to 100."]})
    row = db.session.get(Target, (commune_id, topic))
    if percent_ is None:
        if row is not None:
            db.session.delete(row)
    elif row is None:
        db.session.add(Target(commune_id=commune_id, topic=topic, percent=float(percent_)))
    else:
        row.percent = float(percent_)
    audit.record("set_target", by_user_id=by_user_id, target=f"commune:{commune_id}", commune=commune_id,
                 topic=topic, percent=percent_)
    db.session.flush()
    if commit:
        db.session.commit()
    return get_targets(commune_id)
