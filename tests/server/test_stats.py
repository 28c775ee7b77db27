"""Coverage figures, work lists and targets: exact numbers on small data, and against a brute-force count."""
import random
import threading
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert, select, text

from server.extensions import db
from server.models import Area, Assist, Device, Household, Resident, StaleHousehold, User, VillageTotals, Visit
from server.stats import fact_queries, facts, rollups, rules, service
from shared import coverage
from shared.ids import new_id
from shared.vocab import OUTCOMES, TOPICS

from ..conftest import household_change, push, visit_change

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 11, 27, 20, 30, tzinfo=timezone.utc)  # Saturday 28 November, 03:30 in the commune


def at(text_: str) -> datetime:
    return datetime.fromisoformat(text_)


class Data:
    """Writes households, residents, visits and assists straight to the database, as the push would store them,
    and refreshes the coverage facts of the household written, as the push does.

    The push refuses visits more than a year old, so fixed dates would expire there; the push itself is exercised
    in the API tests below."""

    def __init__(self, world):
        self.world = world
        self.users = {name: db.session.execute(select(User.id).where(User.username == name)).scalar_one()
                      for name in (world.official, world.official2, world.official_b, world.leader)}
        self.communes = dict(db.session.execute(select(Area.id, Area.commune_id)).all())
        self.villages: dict[str, int] = {}

    def uid(self, username: str) -> int:
        return self.users[username]

    def household_row(self, hid: str, village: int, deleted: bool) -> dict:
        self.villages[hid] = village
        return {"id": hid, "village_id": village, "commune_id": self.communes[village], "deleted": deleted,
                "address": f"Số {hid[-4:]}", "head_name": "Lê Thị Mai", "seq": 0, "field_versions": {}}

    def resident_row(self, rid: str, household: str, village: int, deleted: bool, born: int | None = 1980) -> dict:
        return {"id": rid, "household_id": household, "village_id": village, "commune_id": self.communes[village],
                "full_name": "Phạm Văn Bình", "seq": 0, "field_versions": {}, "deleted": deleted, "birth_year": born}

    def visit_row(self, vid, household, village, started_at, status, official, voided, follow_up_on, minutes) -> dict:
        return {"id": vid, "household_id": household, "village_id": village, "commune_id": self.communes[village],
                "official_id": self.uid(official or self.world.official), "started_at": started_at,
                "duration_min": minutes, "status": status, "follow_up_on": follow_up_on, "voided": voided,
                "payload_hash": "0" * 64, "seq": 0}

    def assist_rows(self, vid: str, household: str, village: int, assists) -> list[dict]:
        return [{"visit_id": vid, "topic": topic, "outcome": outcome, "resident_id": resident,
                 "household_id": household, "commune_id": self.communes[village]}
                for topic, outcome, resident in assists]

    def household(self, village: int, deleted: bool = False) -> str:
        hid = new_id()
        db.session.execute(insert(Household), [self.household_row(hid, village, deleted)])
        facts.refresh([hid])
        return hid

    def resident(self, household: str, deleted: bool = False, born: int | None = 1980) -> str:
        rid = new_id()
        db.session.execute(insert(Resident), [self.resident_row(rid, household, self.villages[household], deleted,
                                                                born)])
        facts.refresh([household])
        return rid

    def visit(self, household: str, started_at: datetime, status: str = "met", official: str | None = None,
              voided: bool = False, follow_up_on: date | None = None, minutes: int | None = None,
              assists=()) -> str:
        """`assists` are (topic, outcome, resident id or None)."""
        vid, village = new_id(), self.villages[household]
        db.session.execute(insert(Visit), [self.visit_row(vid, household, village, started_at, status, official,
                                                          voided, follow_up_on, minutes)])
        if assists:
            db.session.execute(insert(Assist), self.assist_rows(vid, household, village, assists))
        facts.refresh([household])
        return vid


@pytest.fixture
def data(app, world):
    with app.app_context():
        yield Data(world)


def topic_row(figures: dict, topic: str) -> dict:
    return next(t for t in figures["topics"] if t["topic"] == topic)


def village_row(figures: dict, village: int) -> dict:
    return next(v for v in figures["villages"] if v["area_id"] == village)


def test_counts_reached_and_done_exactly(data, world):
    h1, h2, h4 = data.household(world.a1), data.household(world.a1), data.household(world.a1)
    h3 = data.household(world.a1, deleted=True)
    h5 = data.household(world.a2)
    r1, r2, r3 = data.resident(h1), data.resident(h1), data.resident(h2)
    data.resident(h3)  # of a deleted household: counts nowhere
    r5, r6 = data.resident(h5), data.resident(h5, deleted=True)
    day = at("2026-11-20T09:00+07:00")
    data.visit(h1, day, assists=[("vneid_account", "done", r1), ("vneid_account", "already_had", r2),
                                 ("cashless_payment", "partial", r1)])
    data.visit(h2, day, status="not_home")
    data.visit(h2, day, voided=True, assists=[("vneid_account", "done", r3)])
    data.visit(h3, day, assists=[("vneid_account", "done", None)])
    data.visit(h5, day, assists=[("digital_skills", "done", None), ("vneid_account", "done", r6)])
    service.set_target(world.commune_a, "vneid_account", 80)

    figures = service.coverage(world.commune_a, now=NOW)

    assert (figures["households_total"], figures["households_reached"], figures["residents_total"]) == (4, 2, 4)
    assert figures["reached_percent"] == 50.0
    assert figures["households_not_home"] == 1  # h2: nobody home, and its met visit was voided
    assert topic_row(figures, "vneid_account") == {
        "topic": "vneid_account", "eligible": 4, "has_it": 2, "percent": 50.0, "not_applicable": 0,
        "target_percent": 80.0, "target_met": False}
    # An assist for the household as a whole counts for no resident.
    assert topic_row(figures, "digital_skills")["has_it"] == 0
    assert topic_row(figures, "cashless_payment")["has_it"] == 0
    assert [t["topic"] for t in figures["topics"]] == list(TOPICS)
    a1, a2, a3 = (village_row(figures, v) for v in (world.a1, world.a2, world.a3))
    assert (a1["households_total"], a1["households_reached"], a1["residents_total"]) == (3, 1, 3)
    assert (a2["households_total"], a2["households_reached"], a2["residents_total"]) == (1, 1, 1)
    assert (a3["households_total"], a3["households_reached"], a3["residents_total"]) == (0, 0, 0)
    assert topic_row(a1, "vneid_account")["target_percent"] == 80.0
    assert (topic_row(a1, "vneid_account")["has_it"], topic_row(a1, "vneid_account")["eligible"]) == (2, 3)
    assert topic_row(a3, "vneid_account")["percent"] is None
    assert "communes" not in figures


def test_status_is_the_latest_outcome_of_eligible_residents(data, world):
    """Each definition of the indicators, on one household: already had, a child, no birth year, a voided visit,
    a not-home visit, not applicable and a later visit overriding an earlier outcome."""
    year = datetime.now(VN).year
    hh = data.household(world.a1)
    had, child, unknown, refused, later, cannot = (
        data.resident(hh, born=1970), data.resident(hh, born=year - 10), data.resident(hh, born=None),
        data.resident(hh, born=1990), data.resident(hh, born=1985), data.resident(hh, born=1950))
    data.visit(hh, at("2026-11-02T09:00+07:00"), status="not_home")
    data.visit(hh, at("2026-11-03T09:00+07:00"), assists=[
        ("vneid_account", "done", later), ("vneid_account", "already_had", child),
        ("cashless_payment", "done", refused)])
    data.visit(hh, at("2026-11-04T09:00+07:00"), voided=True, assists=[("vneid_account", "done", refused)])
    data.visit(hh, at("2026-11-05T09:00+07:00"), assists=[
        ("vneid_account", "already_had", had), ("vneid_account", "done", unknown),
        ("vneid_account", "declined", refused), ("vneid_account", "partial", later),
        ("vneid_account", "not_applicable", cannot), ("cashless_payment", "not_applicable", refused)])

    figures = service.coverage(world.commune_a, now=NOW)
    vneid, cashless = topic_row(figures, "vneid_account"), topic_row(figures, "cashless_payment")

    # old enough: all but the child (10 < 14); eligible: less the one not applicable; has it: had and unknown.
    assert (vneid["eligible"], vneid["has_it"], vneid["not_applicable"], vneid["percent"]) == (4, 2, 1, 50.0)
    assert (cashless["eligible"], cashless["has_it"], cashless["not_applicable"]) == (4, 0, 1)
    assert figures["unknown_age"] == 1 and figures["households_reached"] == 1
    # As of the 4th, `later` had it (done on the 3rd), the others had nothing yet.
    before = service.coverage(world.commune_a, date_to=date(2026, 11, 4), now=NOW)
    assert (topic_row(before, "vneid_account")["has_it"], topic_row(before, "vneid_account")["eligible"]) == (1, 5)
    assert topic_row(before, "cashless_payment")["has_it"] == 1
    # The same from the visits (a start day sends the call there) and in the weekly series.
    live = service.coverage(world.commune_a, date_from=date(2026, 11, 1), now=NOW)
    assert topic_row(live, "vneid_account") == vneid
    weeks = {w["week"]: {t["topic"]: (t["has_it"], t["eligible"]) for t in w["topics"]} for w in figures["weeks"]}
    assert weeks[date(2026, 11, 2)]["vneid_account"] == (2, 4)
    assert weeks[max(weeks)]["vneid_account"] == (2, 4)
    assert sum(w["not_home_visits"] for w in figures["weeks"]) == 1
    # Who is counted: the lists behind the percentage.
    from server.stats import people
    listed = people.counted(world.commune_a, "vneid_account", which="has", now=NOW)
    assert listed["counts"] == {"has": 2, "missing": 2, "not_applicable": 1, "too_young": 1, "unknown_age": 1}
    assert {r["resident_id"] for r in listed["rows"]} == {had, unknown}
    assert listed["eligible"] == vneid["eligible"]


def test_a_new_minimum_age_rebuilds_the_facts(data, world):
    from server.stats import rules
    year = datetime.now(VN).year
    hh = data.household(world.a1)
    teen = data.resident(hh, born=year - 16)
    data.resident(hh, born=1980)
    data.visit(hh, at("2026-11-05T09:00+07:00"), assists=[("public_services", "done", teen)])
    assert topic_row(service.coverage(world.commune_a, now=NOW), "public_services")["eligible"] == 1
    db.session.commit()

    rules.set_min_age("public_services", 16)
    figures = service.coverage(world.commune_a, now=NOW)

    assert (topic_row(figures, "public_services")["eligible"], topic_row(figures, "public_services")["has_it"]) \
        == (2, 1)
    assert figures["min_ages"]["public_services"] == 16
    with pytest.raises(rules.Invalid):
        rules.set_min_age("public_services", 200)
    with pytest.raises(rules.Invalid):
        rules.set_min_age("astrology", 10)
    assert rules.set_min_age("public_services", None)["public_services"] == 18


def test_date_range_counts_local_days(data, world):
    sunday, monday = data.household(world.a1), data.household(world.a1)
    data.visit(sunday, at("2026-11-22T16:30Z"))  # 23:30 on Sunday 22 in the commune
    data.visit(monday, at("2026-11-22T17:30Z"))  # 00:30 on Monday 23 in the commune, still Sunday in UTC

    from_monday = service.coverage(world.commune_a, date_from=date(2026, 11, 23), now=NOW)
    to_sunday = service.coverage(world.commune_a, date_to=date(2026, 11, 22), now=NOW)
    just_sunday = service.coverage(world.commune_a, date(2026, 11, 22), date(2026, 11, 22), now=NOW)

    assert from_monday["households_reached"] == 1
    assert village_row(from_monday, world.a1)["households_reached"] == 1
    assert to_sunday["households_reached"] == 1
    assert just_sunday["households_reached"] == 1
    assert {o["user_id"]: o["visits"] for o in from_monday["officials"]} == {data.uid(world.official): 1,
                                                                              data.uid(world.official2): 0}
    assert from_monday["households_total"] == 2  # the population ignores the range


def test_weeks_start_on_monday_in_the_commune_time_zone(data, world):
    h1, h2, h3 = (data.household(world.a1) for _ in range(3))
    data.visit(h1, at("2026-11-22T16:30Z"))            # Sunday 23:30 local: week of 16 November
    data.visit(h2, at("2026-11-22T17:30Z"))            # Monday 00:30 local: week of 23 November
    data.visit(h3, at("2026-11-23T23:30+07:00"))       # Monday 23:30 local (16:30Z)
    data.visit(h1, at("2026-11-24T10:00+07:00"))       # h1 again: a visit, but no newly reached household
    data.visit(h3, at("2026-11-10T10:00+07:00"), status="not_home")

    weeks = service.coverage(world.commune_a, now=NOW)["weeks"]

    assert [{k: w[k] for k in ("week", "visits", "not_home_visits", "households_reached_cumulative")}
            for w in weeks] == [
        {"week": date(2026, 11, 9), "visits": 1, "not_home_visits": 1, "households_reached_cumulative": 0},
        {"week": date(2026, 11, 16), "visits": 1, "not_home_visits": 0, "households_reached_cumulative": 1},
        {"week": date(2026, 11, 23), "visits": 3, "not_home_visits": 0, "households_reached_cumulative": 3},
    ]


def test_a_zone_with_daylight_saving_counts_its_own_days(data, world):
    # 23:30 UTC is 00:30 or 01:30 the next day in Paris, in winter and in summer alike.
    data.visit(data.household(world.a1), at("2026-11-20T23:30Z"))

    paris = service.coverage(world.commune_a, date_from=date(2026, 11, 21), tz="Europe/Paris", now=NOW)
    vietnam = service.coverage(world.commune_a, date_from=date(2026, 11, 21), now=NOW)

    assert paris["households_reached"] == 1
    assert vietnam["households_reached"] == 1  # 06:30 on the 21st
    assert service.coverage(world.commune_a, date_to=date(2026, 11, 20), tz="Europe/Paris",
                            now=NOW)["households_reached"] == 0
    assert sum(w["visits"] for w in paris["weeks"] if w["week"] == date(2026, 11, 16)) == 1
    with pytest.raises(service.Invalid):
        service.coverage(world.commune_a, tz="Mars/Olympus_Mons")


def test_weeks_run_from_the_range_start_to_today(data, world):
    data.visit(data.household(world.a1), at("2026-11-18T10:00+07:00"))

    weeks = service.coverage(world.commune_a, date_from=date(2026, 11, 4), now=NOW)["weeks"]

    assert [(w["week"], w["visits"]) for w in weeks] == [
        (date(2026, 11, 2), 0), (date(2026, 11, 9), 0), (date(2026, 11, 16), 1), (date(2026, 11, 23), 0)]
    assert service.coverage(world.commune_b, now=NOW)["weeks"] == []


def test_follow_ups_close_on_a_later_met_visit_and_fall_overdue_in_local_time(data, world):
    closed, not_home, due_today, voided, void_closer = (data.household(world.a1) for _ in range(5))
    other_village = data.household(world.a2)
    data.visit(closed, at("2026-11-20T09:00+07:00"), follow_up_on=date(2026, 11, 27))
    data.visit(closed, at("2026-11-25T09:00+07:00"))
    data.visit(not_home, at("2026-11-10T09:00+07:00"))  # an earlier met visit closes nothing
    data.visit(not_home, at("2026-11-20T09:00+07:00"), follow_up_on=date(2026, 11, 27))
    data.visit(not_home, at("2026-11-25T09:00+07:00"), status="not_home")
    data.visit(due_today, at("2026-11-20T09:00+07:00"), follow_up_on=date(2026, 11, 28))
    data.visit(voided, at("2026-11-20T09:00+07:00"), follow_up_on=date(2026, 11, 1), voided=True)
    data.visit(void_closer, at("2026-11-20T09:00+07:00"), follow_up_on=date(2026, 12, 5))
    data.visit(void_closer, at("2026-11-26T09:00+07:00"), voided=True)
    data.visit(other_village, at("2026-11-20T09:00+07:00"), follow_up_on=date(2026, 11, 2), official=world.official2)

    figures = service.coverage(world.commune_a, now=NOW)
    listed = service.follow_ups(world.commune_a, now=NOW)

    # 27 November is already past in the commune (it is 03:30 on the 28th there), though not yet in UTC.
    assert (figures["follow_ups_open"], figures["follow_ups_overdue"]) == (4, 2)
    assert (village_row(figures, world.a1)["follow_ups_open"], village_row(figures, world.a1)["follow_ups_overdue"]) \
        == (3, 1)
    assert [(f["household_id"], f["follow_up_on"], f["overdue"]) for f in listed] == [
        (other_village, date(2026, 11, 2), True), (not_home, date(2026, 11, 27), True),
        (due_today, date(2026, 11, 28), False), (void_closer, date(2026, 12, 5), False)]
    assert [f["household_id"] for f in service.follow_ups(world.commune_a, overdue_only=True, now=NOW)] \
        == [other_village, not_home]
    assert len(service.follow_ups(world.commune_a, village_id=world.a2, now=NOW)) == 1
    mine = service.follow_ups(world.commune_a, official_id=data.uid(world.official2), now=NOW)
    assert [f["household_id"] for f in mine] == [other_village]
    # A date range leaves current tasks alone.
    ranged = service.coverage(world.commune_a, date_from=date(2026, 11, 26), now=NOW)
    assert ranged["follow_ups_open"] == 4
    # Another zone of the same offset counts from the visits instead of the facts: the same list.
    assert service.follow_ups(world.commune_a, tz="Asia/Bangkok", now=NOW) == listed


def test_officials_activity_and_stale_devices(data, world):
    h1, h2 = data.household(world.a1), data.household(world.a2)
    data.visit(h1, at("2026-11-20T09:00+07:00"), minutes=20)
    data.visit(h1, at("2026-11-21T09:00+07:00"), status="not_home", minutes=5)
    data.visit(h2, at("2026-11-21T10:00+07:00"), minutes=None)
    data.visit(h2, at("2026-11-21T11:00+07:00"), minutes=40, voided=True)
    fresh, old = new_id(), new_id()
    db.session.execute(insert(Device), [
        {"id": fresh, "user_id": data.uid(world.official), "label": "Tab 1", "last_sync_at": NOW - timedelta(days=1),
         "last_seen_at": NOW - timedelta(days=4)},
        {"id": old, "user_id": data.uid(world.official2), "label": "Tab 2", "last_sync_at": None,
         "last_seen_at": NOW - timedelta(days=3, minutes=1)},
    ])

    officials = {o["user_id"]: o for o in service.coverage(world.commune_a, now=NOW)["officials"]}

    first, second = officials[data.uid(world.official)], officials[data.uid(world.official2)]
    assert (first["visits"], first["households"], first["minutes"]) == (3, 2, 25)
    assert first["stale"] is False and first["devices"][0]["last_sync_at"] == NOW - timedelta(days=1)
    assert (second["visits"], second["households"], second["minutes"]) == (0, 0, 0)  # listed though idle
    assert second["stale"] is True and second["devices"][0]["stale"] is True
    assert set(officials) == {data.uid(world.official), data.uid(world.official2)}  # not commune B's
    only = service.coverage(world.commune_a, official_id=data.uid(world.official2), now=NOW)
    assert [o["user_id"] for o in only["officials"]] == [data.uid(world.official2)]
    assert only["households_reached"] == 0
    in_a3 = service.coverage(world.commune_a, village_id=world.a3, now=NOW)["officials"]
    assert [o["user_id"] for o in in_a3] == [data.uid(world.official2)]


def test_village_area_equals_village_filter_and_province_sums_communes(data, world):
    for village in (world.a1, world.a1, world.a2, world.b1):
        hh = data.household(village)
        data.resident(hh)
        data.visit(hh, at("2026-11-20T09:00+07:00"), official=world.official_b if village == world.b1 else None,
                   assists=[("vneid_level2", "done", data.resident(hh))])
    data.household(world.b1)

    village = service.coverage(world.a1, now=NOW)
    filtered = service.coverage(world.commune_a, village_id=world.a1, now=NOW)
    province_id = db.session.get(Area, world.commune_a).parent_id
    province = service.coverage(province_id, now=NOW)

    figures = ("households_total", "households_reached", "residents_total", "topics")
    assert {k: village[k] for k in figures} == {k: filtered[k] for k in figures}
    assert (village["households_total"], village["households_reached"]) == (2, 2)
    assert [v["area_id"] for v in filtered["villages"]] == [world.a1]
    assert (province["households_total"], province["households_reached"]) == (5, 4)
    assert topic_row(province, "vneid_level2")["has_it"] == 4
    assert {c["area_id"]: c["households_total"] for c in province["communes"]} == {world.commune_a: 3,
                                                                                  world.commune_b: 2}
    assert province["villages"] == []
    with pytest.raises(service.Invalid):
        service.coverage(world.commune_a, village_id=world.b1)
    with pytest.raises(service.Invalid):
        service.coverage(world.commune_a, topic="astrology")
    with pytest.raises(service.NotFound):
        service.coverage(999_999)


def test_topic_filter_lists_one_topic(data, world):
    hh = data.household(world.a1)
    person = data.resident(hh)
    data.visit(hh, at("2026-11-20T09:00+07:00"), assists=[("vneid_level2", "done", person),
                                                           ("scam_awareness", "done", person)])

    figures = service.coverage(world.commune_a, topic="scam_awareness", now=NOW)

    assert [(t["topic"], t["has_it"]) for t in figures["topics"]] == [("scam_awareness", 1)]
    assert [(t["topic"], t["has_it"]) for t in village_row(figures, world.a1)["topics"]] \
        == [("scam_awareness", 1)]


def test_never_reached_lists_households_without_a_met_visit(data, world):
    met, away, untouched = data.household(world.a1), data.household(world.a1), data.household(world.a2)
    data.household(world.a2, deleted=True)
    data.household(world.b1)
    data.visit(met, at("2026-11-20T09:00+07:00"))
    data.visit(away, at("2026-11-20T09:00+07:00"), status="not_home")
    data.visit(away, at("2026-11-21T09:00+07:00"), status="not_home")
    data.visit(away, at("2026-11-22T09:00+07:00"), voided=True)  # voided: neither reached nor an attempt

    rows = {r["household_id"]: r for r in service.never_reached(world.commune_a)}

    assert set(rows) == {away, untouched}
    assert rows[away]["attempts"] == 2 and rows[away]["last_attempt_at"] == at("2026-11-21T09:00+07:00")
    assert rows[untouched]["attempts"] == 0 and rows[untouched]["last_attempt_at"] is None
    assert [r["household_id"] for r in service.never_reached(world.commune_a, village_id=world.a2)] == [untouched]
    assert len(service.never_reached(world.commune_a, limit=1)) == 1


def test_targets_are_validated_set_and_removed(data, world):
    assert service.get_targets(world.commune_a) == {}
    service.set_target(world.commune_a, "vneid_level2", 60)
    service.set_target(world.commune_a, "vneid_account", 90.5)
    service.set_target(world.commune_b, "vneid_account", 10)

    assert service.get_targets(world.commune_a) == {"vneid_account": 90.5, "vneid_level2": 60.0}
    assert service.set_target(world.commune_a, "vneid_level2", None) == {"vneid_account": 90.5}
    for topic, value in (("astrology", 50), ("vneid_account", 100.5), ("vneid_account", -1),
                         ("vneid_account", True), ("vneid_account", float("nan")), ("vneid_account", "80")):
        with pytest.raises(service.Invalid):
            service.set_target(world.commune_a, topic, value)
    with pytest.raises(service.Invalid):
        service.set_target(world.a1, "vneid_account", 50)  # a village has no targets of its own
    assert service.get_targets(world.commune_a) == {"vneid_account": 90.5}


# --- Exactness: the aggregate queries against a brute-force count of a random dataset ---------------------------

def random_dataset(data, world, rng: random.Random) -> dict:
    """A random commune's worth of records, written in four bulk inserts and returned for the brute-force count."""
    villages = [world.a1, world.a2, world.a3, world.b1]
    households = []
    for _ in range(60):
        residents = [(rng.choice(BIRTH_YEARS), rng.random() < 0.1) for _ in range(rng.randint(0, 4))]
        households.append((rng.choice(villages), rng.random() < 0.1, residents))
    start = datetime(2026, 10, 1, tzinfo=timezone.utc)
    visits = []
    for _ in range(250):
        index = rng.randrange(len(households))
        status = "met" if rng.random() < 0.75 else "not_home"
        people = [None, *range(len(households[index][2]))]
        assists = [(rng.choice(list(TOPICS)), rng.choice(list(OUTCOMES)), rng.choice(people))
                   for _ in range(rng.randint(0, 3) if status == "met" else 0)]
        visits.append((index, start + timedelta(minutes=rng.randrange(60 * 24 * 57)), status,
                       rng.choice(officials_of(world)), rng.random() < 0.1,
                       date(2026, 11, rng.randint(1, 30)) if rng.random() < 0.2 else None,
                       rng.choice([None, 5, 15, 30]), assists))
    return write_dataset(data, households, visits)


BIRTH_YEARS = (None, NOW.year - 8, NOW.year - 13, NOW.year - 15, NOW.year - 17, NOW.year - 40, NOW.year - 70)
"""Birth years on each side of the default minimum ages (12, 14, 15, 18), and none."""


def write_dataset(data, households, visits, incremental: int | None = None) -> dict:
    """Write households [(village, deleted, [(birth year, deleted)])] and visits [(household index, started_at,
    status, official, voided, follow_up_on, minutes, [(topic, outcome, resident index or None)])] and compute the
    facts: all at once, or (`incremental`) the first visits at once and each later one by refreshing its household.
    Returns the records for the brute-force count."""
    records = {"households": {}, "visits": []}
    rows = {Household: [], Resident: [], Visit: [], Assist: []}
    ids = []
    for village, deleted, residents in households:
        hid = new_id()
        ids.append((hid, []))
        records["households"][hid] = {"village": village, "deleted": deleted, "residents": {}}
        rows[Household].append(data.household_row(hid, village, deleted))
        for born, gone in residents:
            rid = new_id()
            ids[-1][1].append(rid)
            records["households"][hid]["residents"][rid] = {"deleted": gone, "born": born}
            rows[Resident].append(data.resident_row(rid, hid, village, gone, born))
    later = []
    for n, (index, started_at, status, official, voided, follow_up_on, minutes, assists) in enumerate(visits):
        hid, residents = ids[index]
        village = records["households"][hid]["village"]
        assists = [(topic, outcome, None if who is None else residents[who]) for topic, outcome, who in assists]
        visit = {"id": new_id(), "household": hid, "status": status, "official": official, "started_at": started_at,
                 "voided": voided, "follow_up_on": follow_up_on, "minutes": minutes, "assists": assists}
        records["visits"].append(visit)
        visit_rows = ([data.visit_row(visit["id"], hid, village, started_at, status, official, voided, follow_up_on,
                                      minutes)], data.assist_rows(visit["id"], hid, village, assists))
        if incremental is not None and n >= incremental:
            later.append((hid, visit_rows))
        else:
            rows[Visit] += visit_rows[0]
            rows[Assist] += visit_rows[1]
    for model, values in rows.items():
        if values:
            db.session.execute(insert(model), values)
    facts.rebuild()
    for hid, (visit_rows, assist_rows) in later:
        db.session.execute(insert(Visit), visit_rows)
        if assist_rows:
            db.session.execute(insert(Assist), assist_rows)
        facts.refresh([hid])
    return records


def officials_of(world) -> list[str]:
    return [world.official, world.official2]


def brute_force(world, records, date_from=None, date_to=None, village=None, official=None) -> dict:
    """The figures of commune A, counted one record at a time in Python with the definitions of shared/coverage.py."""
    households = {hid: hh for hid, hh in records["households"].items()
                  if not hh["deleted"] and hh["village"] in (world.a1, world.a2, world.a3)
                  and village in (None, hh["village"])}
    undated = [v for v in records["visits"] if not v["voided"] and v["household"] in households
               and official in (None, v["official"])]
    local = lambda v: v["started_at"].astimezone(VN).date()  # noqa: E731
    counted = [v for v in undated if (date_from is None or local(v) >= date_from)
               and (date_to is None or local(v) <= date_to)]
    met = [v for v in counted if v["status"] == "met"]
    year, ages = NOW.astimezone(VN).year, rules.min_ages()
    topics = {}
    for topic in TOPICS:
        has = eligible = not_applicable = 0
        for hid, hh in households.items():
            status = coverage.statuses(
                {"id": v["id"], "started_at": v["started_at"],
                 "assists": [{"resident_id": r, "topic": t, "outcome": o} for t, o, r in v["assists"]]}
                for v in counted if v["household"] == hid)
            for rid, person in hh["residents"].items():
                if person["deleted"] or not coverage.old_enough(person["born"], ages[topic], year):
                    continue
                mine = status.get((rid, topic))
                if coverage.eligible(person["born"], mine, ages[topic], year):
                    eligible += 1
                    has += coverage.has_it(mine)
                else:
                    not_applicable += 1
        topics[topic] = (has, eligible, not_applicable)
    all_live = [v for v in records["visits"] if not v["voided"]]
    open_ = [v for v in undated if v["follow_up_on"] and not any(
        w["household"] == v["household"] and w["status"] == "met" and w["started_at"] > v["started_at"]
        for w in all_live)]
    today = NOW.astimezone(VN).date()
    first_met = {}
    for visit in sorted(met, key=lambda v: v["started_at"]):
        first_met.setdefault(visit["household"], local(visit))
    monday = lambda day: day - timedelta(days=day.weekday())  # noqa: E731
    live_residents = [p for hh in households.values() for p in hh["residents"].values() if not p["deleted"]]
    return {
        "households_total": len(households),
        "households_reached": len({v["household"] for v in met}),
        "households_not_home": len({v["household"] for v in counted} - {v["household"] for v in met}),
        "residents_total": len(live_residents),
        "unknown_age": sum(1 for p in live_residents if p["born"] is None),
        "topics": topics,
        "follow_ups": (len(open_), sum(1 for v in open_ if v["follow_up_on"] < today)),
        "visits_per_week": Counter(monday(local(v)) for v in counted),
        "not_home_per_week": Counter(monday(local(v)) for v in counted if v["status"] == "not_home"),
        "reached_per_week": Counter(monday(day) for day in first_met.values()),
        "officials": {name: (sum(1 for v in counted if v["official"] == name),
                             len({v["household"] for v in counted if v["official"] == name}),
                             sum(v["minutes"] or 0 for v in counted if v["official"] == name),
                             sum(1 for v in counted if v["official"] == name and v["status"] == "not_home"),
                             len({v["household"] for v in met if v["official"] == name}))
                      for name in (world.official, world.official2) if official in (None, name)},
    }


def direct_counts(commune: int) -> tuple[int, int, int]:
    """Households, residents and reached households of a commune, by plain COUNT queries."""
    params = {"c": commune}
    households = db.session.execute(text(
        "SELECT COUNT(*) FROM households WHERE commune_id = :c AND deleted = false"), params).scalar()
    residents = db.session.execute(text(
        "SELECT COUNT(*) FROM residents r JOIN households h ON h.id = r.household_id "
        "WHERE h.commune_id = :c AND h.deleted = false AND r.deleted = false"), params).scalar()
    reached = db.session.execute(text(
        "SELECT COUNT(*) FROM households h WHERE h.commune_id = :c AND h.deleted = false AND EXISTS ("
        "SELECT 1 FROM visits v WHERE v.household_id = h.id AND v.status = 'met' AND v.voided = false)"),
        params).scalar()
    return households, residents, reached


def cases(world) -> dict:
    """Selections of both kinds: "all", "to", "village" and "village to" are counted from the coverage facts,
    "range" and "official" from the visits."""
    return {"all": {}, "range": {"date_from": date(2026, 10, 20), "date_to": date(2026, 11, 8)},
            "to": {"date_to": date(2026, 11, 8)}, "village": {"village": world.a2},
            "village to": {"village": world.a1, "date_to": date(2026, 11, 15)},
            "official": {"official": world.official2}}


def test_coverage_matches_brute_force_on_random_data(data, world):
    records = random_dataset(data, world, random.Random(20261127))
    for case, args in cases(world).items():
        try:
            check_against_brute_force(data, world, records, case, args)
        except AssertionError as error:
            raise AssertionError(f"case {case!r}: {error}") from error


def generated_visits(world):
    """Small datasets whose visits share days and times, so that ties and later overrides happen often."""
    person = st.tuples(st.sampled_from(BIRTH_YEARS), st.sampled_from([False, False, False, True]))
    household = st.tuples(st.sampled_from([world.a1, world.a2]), st.sampled_from([False, False, False, True]),
                          st.lists(person, min_size=1, max_size=3))
    stamp = st.builds(lambda d, h: datetime(2026, 11, 2, 2, tzinfo=timezone.utc) + timedelta(days=d, hours=h),
                      st.integers(0, 12), st.sampled_from([0, 0, 3]))
    assist = st.tuples(st.sampled_from(["vneid_account", "cashless_payment", "public_services"]),
                       st.sampled_from(list(OUTCOMES)), st.one_of(st.none(), st.integers(0, 2)))
    visit = st.tuples(st.integers(0, 3), stamp, st.sampled_from(["met", "met", "not_home"]),
                      st.sampled_from(officials_of(world)), st.sampled_from([False, False, False, True]), st.none(),
                      st.sampled_from([None, 10]), st.lists(assist, max_size=4))
    return st.tuples(st.lists(household, min_size=4, max_size=4), st.lists(visit, min_size=1, max_size=14),
                     st.integers(0, 14))


def test_coverage_matches_brute_force_on_generated_visits(app, world):
    """Hypothesis draws households, residents (children, adults, no birth year, some deleted) and visits (not home,
    voided, every outcome, a later one overriding an earlier one, ties in time); the facts, written in bulk then
    refreshed one visit at a time, must give what a count from scratch gives, and so must the visits."""
    with app.app_context():
        data = Data(world)

        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
        @given(generated_visits(world))
        def check(drawn):
            households, visits, incremental = drawn
            for model in (Assist, Visit, Resident, Household, *facts.TABLES, *rollups.TABLES, StaleHousehold):
                db.session.execute(delete(model))
            # An index past the household's residents means the household itself (an assist with no resident).
            visits = [(i, at_, status, who, voided, follow, minutes,
                       [(t, o, r if r is not None and r < len(households[i][2]) else None) for t, o, r in assists])
                      for i, at_, status, who, voided, follow, minutes, assists in visits]
            records = write_dataset(data, households, visits, incremental=incremental)
            for case, args in {"all": {}, "to": {"date_to": date(2026, 11, 8)},
                               "range": {"date_from": date(2026, 11, 5), "date_to": date(2026, 11, 10)},
                               "official": {"official": world.official2}}.items():
                figures = coverage_of(data, world, args)
                expected = brute_force(world, records, **args)
                assert {t["topic"]: (t["has_it"], t["eligible"], t["not_applicable"]) for t in figures["topics"]} \
                    == expected["topics"], case
                assert (figures["households_reached"], figures["households_not_home"], figures["unknown_age"]) == \
                    (expected["households_reached"], expected["households_not_home"], expected["unknown_age"]), case
                if case in ("all", "to"):
                    _, sel = service.select_area(world.commune_a, date_to=args.get("date_to"))
                    today = NOW.astimezone(VN).date()
                    assert service.gather_facts(sel, today, args.get("date_to")) == service.gather_live(sel, today)
                    if case == "all":
                        assert_rollups_exact(sel, today)
            db.session.rollback()

        check()


def coverage_of(data, world, args: dict) -> dict:
    return service.coverage(world.commune_a, args.get("date_from"), args.get("date_to"), args.get("village"),
                            official_id=data.uid(args["official"]) if "official" in args else None, now=NOW)


def check_against_brute_force(data, world, records, case: str, args: dict) -> None:
    figures = coverage_of(data, world, args)
    expected = brute_force(world, records, **args)

    assert expected["households_reached"] > 0 and expected["follow_ups"][0] > 0  # the data exercises the rules
    assert all(sum(t[i] for t in expected["topics"].values()) for i in range(3))
    assert figures["households_total"] == expected["households_total"]
    assert figures["households_reached"] == expected["households_reached"]
    assert figures["households_not_home"] == expected["households_not_home"]
    assert figures["residents_total"] == expected["residents_total"]
    assert figures["unknown_age"] == expected["unknown_age"]
    assert {t["topic"]: (t["has_it"], t["eligible"], t["not_applicable"]) for t in figures["topics"]} \
        == expected["topics"]
    assert (figures["follow_ups_open"], figures["follow_ups_overdue"]) == expected["follow_ups"]
    assert {w["week"]: w["not_home_visits"] for w in figures["weeks"] if w["not_home_visits"]} \
        == expected["not_home_per_week"]
    last = {t["topic"]: (t["has_it"], t["eligible"]) for t in figures["weeks"][-1]["topics"]}
    assert last == {t: v[:2] for t, v in expected["topics"].items()}
    assert {w["week"]: w["visits"] for w in figures["weeks"] if w["visits"]} == expected["visits_per_week"]
    assert figures["weeks"][-1]["households_reached_cumulative"] == expected["households_reached"]
    cumulative = 0
    for week in figures["weeks"]:
        cumulative += expected["reached_per_week"][week["week"]]
        assert week["households_reached_cumulative"] == cumulative
    by_name = {o["user_id"]: (o["visits"], o["households"], o["minutes"], o["not_home_visits"], o["households_met"])
               for o in figures["officials"]}
    assert {name: by_name[data.uid(name)] for name in expected["officials"]} == expected["officials"]
    if case == "all":
        assert direct_counts(world.commune_a) == (figures["households_total"], figures["residents_total"],
                                                  figures["households_reached"])
    if case == "village":
        assert [v["area_id"] for v in figures["villages"]] == [world.a2]
    _, sel = service.select_area(world.commune_a, args.get("date_from"), args.get("date_to"), args.get("village"),
                                 official_id=data.uid(args["official"]) if "official" in args else None)
    assert fact_queries.covers(sel) == (case in ("all", "to", "village", "village to"))
    if fact_queries.covers(sel):
        today = NOW.astimezone(VN).date()
        assert service.gather_facts(sel, today, args.get("date_to")) == service.gather_live(sel, today)
        if args.get("date_to") is None:
            assert_rollups_exact(sel, today)


def assert_rollups_exact(sel, today) -> None:
    """The village roll-ups add up to what the facts give (without the weekly series' status changes)."""
    assert rollups.gather(sel, today, service.Tally, service.Gathered) == \
        service.gather_facts(sel, today, None, changes=False)


def test_a_topic_filter_on_the_facts_gives_that_topic_of_the_whole(data, world):
    random_dataset(data, world, random.Random(7))
    whole = service.coverage(world.commune_a, date_to=date(2026, 11, 10), now=NOW)

    for topic in TOPICS:
        one = service.coverage(world.commune_a, date_to=date(2026, 11, 10), topic=topic, now=NOW)
        assert one["topics"] == [topic_row(whole, topic)]
        assert [v["topics"] for v in one["villages"]] == [[topic_row(v, topic)] for v in whole["villages"]]
    assert sum(topic_row(whole, t)["has_it"] for t in TOPICS) > 0


# --- The coverage facts follow every write --------------------------------------------------------------------

def assert_facts_exact(world) -> dict:
    """The commune's overview, after checking that the facts give what the visits give."""
    _, sel = service.select_area(world.commune_a)
    today = datetime.now(VN).date()
    facts.catch_up()
    assert service.gather_facts(sel, today, None) == service.gather_live(sel, today)
    assert_rollups_exact(sel, today)
    return service.coverage(world.commune_a)


def test_pushes_keep_the_facts_exact(client, world, app):
    official, leader = world.login(client, world.official), world.login(client, world.leader)
    h1, h2 = household_change(world.a1), household_change(world.a1)
    r1, r2 = ({"table": "residents", "op": "upsert", "id": new_id(), "base_version": 0,
               "data": {"household_id": h1["id"], "full_name": "Võ Thị Lan", "birth_year": 1960}} for _ in range(2))
    v1 = visit_change(h1["id"], started_at=local_iso(5), assists=[
        {"topic": "vneid_account", "outcome": "done", "resident_id": r1["id"]},
        {"topic": "vneid_account", "outcome": "done", "resident_id": r2["id"]}])
    v2 = visit_change(h2["id"], started_at=local_iso(4), status="not_home", assists=[],
                      follow_up_on=(datetime.now(VN).date() - timedelta(days=1)).isoformat())
    push(client, official, h1, h2, r1, r2, v1, v2)
    with app.app_context():
        # The push only marked its households; the first reader refreshes them, once.
        assert set(db.session.execute(select(StaleHousehold.household_id)).scalars()) == {h1["id"], h2["id"]}
        first = assert_facts_exact(world)
        assert db.session.execute(select(StaleHousehold)).first() is None
        assert facts.catch_up() == 0
    assert (first["households_total"], first["households_reached"], first["residents_total"]) == (2, 1, 2)
    assert (topic_row(first, "vneid_account")["has_it"], topic_row(first, "vneid_account")["eligible"]) == (2, 2)
    assert (first["follow_ups_open"], first["follow_ups_overdue"]) == (1, 1)

    # A resident deleted, a household moved, a visit that closes the follow-up, and a correction of v1.
    v3 = visit_change(h2["id"], started_at=local_iso(1), assists=[])
    fix = visit_change(h1["id"], started_at=local_iso(5), replaces_id=v1["id"], assists=[
        {"topic": "digital_skills", "outcome": "already_had", "resident_id": r1["id"]}])
    reply = push(client, official,
                 {"table": "residents", "op": "delete", "id": r2["id"], "base_version": 1, "data": {}},
                 {"table": "households", "op": "upsert", "id": h2["id"], "base_version": 1,
                  "data": {"village_id": world.a2}}, v3, fix)
    assert [r["status"] for r in reply.get_json()["results"]] == ["applied"] * 4
    with app.app_context():
        second = assert_facts_exact(world)
    assert (second["households_reached"], second["residents_total"]) == (2, 1)
    assert topic_row(second, "vneid_account")["has_it"] == 0  # v1 was voided by its correction
    assert (topic_row(second, "digital_skills")["has_it"], topic_row(second, "digital_skills")["eligible"]) == (1, 1)
    assert (second["follow_ups_open"], village_row(second, world.a2)["households_reached"]) == (0, 1)

    # The leader voids the correction and deletes the other household.
    push(client, leader, {"table": "visits", "op": "delete", "id": fix["id"], "base_version": 1, "data": {}},
         {"table": "households", "op": "delete", "id": h1["id"], "base_version": 1, "data": {}})
    with app.app_context():
        third = assert_facts_exact(world)
    assert (third["households_total"], third["households_reached"], third["residents_total"]) == (1, 1, 0)
    assert sum(w["visits"] for w in third["weeks"]) == 2  # v2 and v3, at the household left


def test_a_catch_up_goes_chunk_by_chunk(client, world, app, monkeypatch):
    official = world.login(client, world.official)
    homes = [household_change(world.a1) for _ in range(5)]
    push(client, official, *homes, *[visit_change(h["id"], started_at=local_iso(2)) for h in homes])
    monkeypatch.setattr(facts, "CHUNK", 2)
    with app.app_context():
        assert facts.catch_up() == 5
        assert db.session.execute(select(StaleHousehold)).first() is None
        figures = assert_facts_exact(world)
    assert (figures["households_total"], figures["households_reached"]) == (5, 5)


def test_readers_catching_up_during_pushes_lose_no_stale_household(app, live_server, client, world):
    leader = world.login(client, world.leader)
    writers = [world.login(client, world.official) for _ in range(3)]
    homes = [household_change(world.a1) for _ in range(4)]
    push(client, writers[0], *homes)
    stop, failures = threading.Event(), []

    def write(headers, home):
        for n in range(8):
            batch = [visit_change(home["id"], started_at=local_iso(1 + n % 3),
                                  assists=[{"topic": list(TOPICS)[n % len(TOPICS)], "outcome": "done"}])]
            reply = requests.post(f"{live_server}/api/v1/sync/push", headers=headers, timeout=30,
                                  json={"batch_id": new_id(), "schema_version": 1, "changes": batch})
            if reply.status_code != 200:
                failures.append(reply.status_code)

    def read():
        while not stop.is_set():
            reply = requests.get(f"{live_server}/api/v1/stats/coverage", params={"area": world.commune_a},
                                 headers=leader, timeout=30)
            if reply.status_code != 200:
                failures.append(reply.status_code)

    readers = [threading.Thread(target=read) for _ in range(2)]
    threads = [threading.Thread(target=write, args=(writers[i % 3], home)) for i, home in enumerate(homes)]
    for t in readers + threads:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    for t in readers:
        t.join(60)
    assert failures == []
    with app.app_context():
        figures = assert_facts_exact(world)
    assert sum(w["visits"] for w in figures["weeks"]) == 32
    assert figures["households_reached"] == 4


def test_rebuild_stats_counts_rows_loaded_in_bulk(app, world):
    with app.app_context():
        villages = dict(db.session.execute(select(Area.id, Area.commune_id)).all())
        hid, vid = new_id(), new_id()
        db.session.execute(insert(Household), [{"id": hid, "village_id": world.a3, "commune_id": villages[world.a3],
                                                "address": "Số 1", "head_name": "Lê Văn Tám", "seq": 0,
                                                "field_versions": {}, "deleted": False}])
        official = db.session.execute(select(User.id).where(User.username == world.official2)).scalar_one()
        db.session.execute(insert(Visit), [{"id": vid, "household_id": hid, "village_id": world.a3,
                                            "commune_id": villages[world.a3], "official_id": official,
                                            "started_at": NOW, "status": "met", "voided": False,
                                            "payload_hash": "0" * 64, "seq": 0}])
        db.session.commit()
        assert service.coverage(world.commune_a, now=NOW)["households_total"] == 0  # written behind the facts' back

    result = app.test_cli_runner().invoke(args=["rebuild-stats"])

    assert result.exit_code == 0, result.output
    with app.app_context():
        figures = service.coverage(world.commune_a, now=NOW)
        assert (figures["households_total"], figures["households_reached"]) == (1, 1)


def test_resolving_a_village_conflict_moves_the_household_in_the_facts(client, world, app):
    from server.dashboard import service as dashboard
    from server.models import Conflict

    official = world.login(client, world.official)
    home = household_change(world.a1)
    person = {"table": "residents", "op": "upsert", "id": new_id(), "base_version": 0,
              "data": {"household_id": home["id"], "full_name": "Lê Thị Lựu"}}
    push(client, official, home, person, visit_change(home["id"], started_at=local_iso(2)))
    push(client, official, {"table": "households", "op": "upsert", "id": home["id"], "base_version": 1,
                            "data": {"village_id": world.a2}})
    with app.app_context():
        db.session.add(Conflict(table_name="households", row_id=home["id"], field="village_id", kept_value=world.a2,
                                lost_value=world.a1, commune_id=world.commune_a))
        db.session.commit()
        conflict = db.session.execute(select(Conflict.id)).scalar_one()
        assert village_row(assert_facts_exact(world), world.a2)["households_reached"] == 1

        dashboard.resolve_conflict(world.commune_a, conflict, "lost", by_user_id=None)

        figures = assert_facts_exact(world)
        assert [village_row(figures, v)["households_reached"] for v in (world.a1, world.a2)] == [1, 0]
        # Its resident and its visit went back with it, for the pulls of the officials of each village.
        assert db.session.execute(select(Resident.village_id)).scalar_one() == world.a1
        assert db.session.execute(select(Visit.village_id)).scalar_one() == world.a1


# --- The HTTP API ----------------------------------------------------------------------------------------------

def local_iso(days_ago: int, hour: int = 9) -> str:
    """A visit time `days_ago` days before today in the commune, which the push accepts whenever the suite runs."""
    day = datetime.now(VN).date() - timedelta(days=days_ago)
    return datetime(day.year, day.month, day.day, hour, tzinfo=VN).isoformat()


def test_api_coverage_from_pushed_visits(client, world):
    official = world.login(client, world.official)
    h1, h2 = household_change(world.a1), household_change(world.a2)
    resident = {"table": "residents", "op": "upsert", "id": new_id(), "base_version": 0,
                "data": {"household_id": h1["id"], "full_name": "Võ Thị Lan", "birth_year": 1960}}
    reply = push(client, official, h1, h2, resident,
                 visit_change(h1["id"], started_at=local_iso(3), duration_min=25,
                              assists=[{"topic": "vneid_level2", "outcome": "done", "resident_id": resident["id"]}]),
                 visit_change(h2["id"], started_at=local_iso(1), status="not_home", assists=[],
                              follow_up_on=(datetime.now(VN).date() - timedelta(days=1)).isoformat()))
    assert [r["status"] for r in reply.get_json()["results"]] == ["applied"] * 5
    leader = world.login(client, world.leader)
    assert client.put(f"/api/v1/stats/targets?commune={world.commune_a}", headers=leader,
                      json={"targets": {"vneid_level2": 75}}).status_code == 200

    reply = client.get(f"/api/v1/stats/coverage?area={world.commune_a}", headers=leader)

    assert reply.status_code == 200, reply.get_json()
    body = reply.get_json()
    assert (body["households_total"], body["households_reached"], body["residents_total"]) == (2, 1, 1)
    assert topic_row(body, "vneid_level2") == {"topic": "vneid_level2", "eligible": 1, "has_it": 1,
                                               "percent": 100.0, "not_applicable": 0, "target_percent": 75.0,
                                               "target_met": True}
    assert (body["follow_ups_open"], body["follow_ups_overdue"]) == (1, 1)
    mine = next(o for o in body["officials"] if o["visits"])
    assert (mine["visits"], mine["households"], mine["minutes"], mine["stale"]) == (2, 2, 25, False)
    assert (mine["not_home_visits"], mine["households_met"]) == (1, 1)
    # The official's villages (a1 and a2 in the world): their households, not the commune's.
    assert (mine["villages"]["households_total"], mine["villages"]["households_reached"]) == (2, 1)
    assert sum(w["visits"] for w in body["weeks"]) == 2
    today = datetime.now(VN).date().isoformat()
    later = client.get(f"/api/v1/stats/coverage?area={world.commune_a}&from={today}", headers=leader).get_json()
    assert later["households_reached"] == 0
    village = client.get(f"/api/v1/stats/coverage?area={world.commune_a}&village={world.a2}", headers=leader)
    assert village.get_json()["households_total"] == 1
    lists = [client.get(f"/api/v1/stats/{name}?area={world.commune_a}", headers=leader)
             for name in ("never-reached", "follow-ups")]
    assert [r.status_code for r in lists] == [200, 200]
    assert [r["household_id"] for r in lists[0].get_json()] == [h2["id"]]
    assert [r["household_id"] for r in lists[1].get_json()] == [h2["id"]]


def test_api_scope(client, world):
    leader_b, official = world.login(client, world.leader_b), world.login(client, world.official)
    admin, leader = world.login(client, world.admin), world.login(client, world.leader)

    def status(headers, path):
        return client.get(path, headers=headers).status_code

    assert status(leader_b, f"/api/v1/stats/coverage?area={world.commune_a}") == 403
    assert status(leader_b, f"/api/v1/stats/coverage?area={world.a1}") == 403
    assert status(leader_b, f"/api/v1/stats/never-reached?area={world.commune_a}") == 403
    assert status(leader_b, f"/api/v1/stats/targets?commune={world.commune_a}") == 403
    assert status(leader_b, f"/api/v1/stats/coverage?area={world.commune_b}") == 200
    assert status(official, f"/api/v1/stats/coverage?area={world.a1}") == 403
    assert status(official, f"/api/v1/stats/targets?commune={world.commune_a}") == 403
    assert status(leader, f"/api/v1/stats/coverage?area={world.a1}") == 200
    assert status({}, f"/api/v1/stats/coverage?area={world.a1}") == 401
    with world.app.app_context():
        province_id = db.session.get(Area, world.commune_a).parent_id
    assert status(leader, f"/api/v1/stats/coverage?area={province_id}") == 403
    assert client.get(f"/api/v1/stats/coverage?area={province_id}", headers=admin).get_json()["level"] == "province"
    put = client.put(f"/api/v1/stats/targets?commune={world.commune_a}", headers=leader_b,
                     json={"targets": {"vneid_account": 50}})
    assert put.status_code == 403
    put = client.put(f"/api/v1/stats/targets?commune={world.commune_a}", headers=official,
                     json={"targets": {"vneid_account": 50}})
    assert put.status_code == 403
    put = client.put(f"/api/v1/stats/targets?commune={world.commune_a}", headers=admin,
                     json={"targets": {"vneid_account": 50, "digital_skills": 30}})
    assert put.get_json() == {"commune_id": world.commune_a,
                              "targets": {"vneid_account": 50.0, "digital_skills": 30.0}}
    put = client.put(f"/api/v1/stats/targets?commune={world.commune_a}", headers=leader,
                     json={"targets": {"digital_skills": None}})
    assert put.get_json()["targets"] == {"vneid_account": 50.0}
    assert client.get(f"/api/v1/stats/targets?commune={world.commune_a}", headers=leader).get_json()["targets"] \
        == {"vneid_account": 50.0}


def test_api_bad_coverage_arguments_are_400(client, world):
    leader = world.login(client, world.leader)
    a, b1 = world.commune_a, world.b1
    for query, field in (("", "area"), ("area=abc", "area"), (f"area={a}&from=2026-11-20&to=2026-11-01", "from"),
                         (f"area={a}&from=20-11-2026", "from"), (f"area={a}&topic=astrology", "topic"),
                         (f"area={a}&village={b1}", "village"), (f"area={a}&official=x", "official")):
        reply = client.get("/api/v1/stats/coverage?" + query, headers=leader)

        assert reply.status_code == 400, query
        assert reply.get_json()["error"]["code"] == "invalid"
        assert field in reply.get_json()["error"]["fields"], query


def test_api_bad_targets_and_unknown_areas(client, world):
    leader, admin = world.login(client, world.leader), world.login(client, world.admin)
    url = f"/api/v1/stats/targets?commune={world.commune_a}"

    for body in ({"targets": {"vneid_account": 101}}, {"targets": {"astrology": 5}}, {"targets": "all"}, {}):
        reply = client.put(url, headers=leader, json=body)
        assert reply.status_code == 400, body
        assert reply.get_json()["error"]["fields"]
    assert client.get(url, headers=leader).get_json()["targets"] == {}
    village = client.put(f"/api/v1/stats/targets?commune={world.a1}", headers=leader,
                         json={"targets": {"vneid_account": 5}})
    assert village.status_code == 400 and "commune" in village.get_json()["error"]["fields"]
    # No target at all, on an area that is not a commune (found by schemathesis as an admin): 400, not a 500.
    with world.app.app_context():
        province_id = db.session.get(Area, world.commune_a).parent_id
    empty = client.put(f"/api/v1/stats/targets?commune={province_id}", headers=admin, json={"targets": {}})
    assert empty.status_code == 400 and "commune" in empty.get_json()["error"]["fields"]
    assert client.get("/api/v1/stats/coverage?area=999999", headers=admin).status_code == 404
    assert client.get("/api/v1/stats/targets?commune=999999", headers=admin).status_code == 404


def test_a_province_reads_the_roll_ups_and_they_add_up_the_facts(data, world):
    """A province's coverage now comes from the village roll-ups: each topic filter and the whole give what the facts
    give, and a push into one village changes its roll-up at the next read."""
    random_dataset(data, world, random.Random(11))
    province_id = db.session.get(Area, world.commune_a).parent_id
    today = NOW.astimezone(VN).date()
    facts.catch_up()
    for topic in (None, *TOPICS):
        _, sel = service.select_area(province_id, topic=topic)
        assert_rollups_exact(sel, today)
    before = service.coverage(province_id, now=NOW)
    assert before["households_reached"] > 0
    db.session.execute(delete(VillageTotals))  # what the province reads: gone, the figures would be zero
    assert service.coverage(province_id, now=NOW)["households_total"] == 0
    rollups.roll_up(None)
    assert service.coverage(province_id, now=NOW) == before


def test_communes_added_up_by_the_database_are_the_provinces_communes(data, world):
    """rollups.per_commune (a country's comparison) gives each commune's totals as the province's coverage does."""
    random_dataset(data, world, random.Random(13))
    province = service.coverage(db.session.get(Area, world.commune_a).parent_id, now=NOW)
    sums = rollups.per_commune([world.commune_a, world.commune_b], service.Tally)
    for commune in province["communes"]:
        mine = sums[commune["area_id"]].figures(list(TOPICS), {})
        for name in ("households_total", "households_reached", "households_not_home", "residents_total"):
            assert mine[name] == commune[name], name
        assert [(t["has_it"], t["eligible"]) for t in mine["topics"]] == \
            [(t["has_it"], t["eligible"]) for t in commune["topics"]]
    assert sum(c["households_total"] for c in province["communes"]) > 0
