"""What the screens read from the store, on a sqlite file: the shape of each answer, days counted in the commune's
zone whatever the tablet's clock zone, and pages larger than one SQL statement's worth of ids."""
import time as clock
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from fieldapp.store.reads import utc_text
from shared.ids import new_id

VILLAGE, OTHER_VILLAGE = 11, 12


def _ids(store, query, **filters):
    return [h["id"] for h in store.households(query, **filters)]


def _household(hid, village=VILLAGE, **data):
    return {"table": "households", "id": hid, "version": 1, "deleted": False,
            "data": {"village_id": village, "address": "1 Lê Duẩn", "head_name": "Hà Văn Sơn", **data}}


def _visit(vid, hid, started_at, official_id=7, **data):
    return {"table": "visits", "id": vid, "version": 1, "deleted": False,
            "data": {"household_id": hid, "official_id": official_id, "started_at": started_at, "status": "met",
                     "assists": [], **data}}


@pytest.fixture
def machine_zone(monkeypatch):
    """The tablet's own clock zone set to UTC-5, unlike the commune's: the store must never use it."""
    monkeypatch.setenv("TZ", "Etc/GMT+5")
    clock.tzset()
    yield
    monkeypatch.undo()
    clock.tzset()


def test_started_utc_is_utc_whatever_the_offset_or_the_tablets_zone(machine_zone):
    assert utc_text("2026-11-20T09:00:00+07:00") == "2026-11-20T02:00:00"
    assert utc_text("2026-11-20T09:00:00") == "2026-11-20T09:00:00"  # naive: taken as UTC


# Between them the two zones are a calendar day off UTC at every hour: a "today" taken in the wrong zone shows.
@pytest.mark.parametrize("zone", ["Etc/GMT-14", "Etc/GMT+12"])
def test_today_and_overdue_are_counted_in_the_communes_zone(store, monkeypatch, zone):
    monkeypatch.setenv("DOORSTEP_TIMEZONE", zone)
    tz = ZoneInfo(zone)
    day = datetime.now(tz).date()
    at = lambda d, h, m: datetime.combine(d, time(h, m), tz).isoformat()  # noqa: E731
    store.set_account(user={"id": 7})
    hid, elsewhere = new_id(), new_id()
    early, late, mine_unsigned, yesterday, tomorrow, theirs, lost = (new_id() for _ in range(7))
    store.apply_pull([
        _household(hid, head_name="Hà Văn Sơn", address="1 Lê Duẩn"),
        _visit(early, hid, at(day, 0, 30)), _visit(late, hid, at(day, 23, 30)),
        _visit(mine_unsigned, hid, at(day, 12, 0), official_id=None),
        _visit(yesterday, hid, at(day - timedelta(days=1), 23, 59)),
        _visit(tomorrow, hid, at(day + timedelta(days=1), 0, 1)),
        _visit(theirs, hid, at(day, 10, 0), official_id=8), _visit(lost, elsewhere, at(day, 9, 0))], 1)
    visits = store.today_visits()
    assert [v["id"] for v in visits] == [late, mine_unsigned, lost, early]
    assert (visits[0]["head_name"], visits[0]["address"]) == ("Hà Văn Sơn", "1 Lê Duẩn")
    assert (visits[2]["head_name"], visits[2]["address"]) == ("", "")  # its household is not on the tablet
    due_today, due_yesterday = new_id(), new_id()
    store.apply_pull([_household(due_today), _household(due_yesterday),
                      _visit(new_id(), due_today, at(day, 1, 0), follow_up_on=day.isoformat()),
                      _visit(new_id(), due_yesterday, at(day, 1, 0),
                             follow_up_on=(day - timedelta(days=1)).isoformat())], 2)
    assert [(f["id"], f["overdue"]) for f in store.follow_ups()] == [(due_yesterday, True), (due_today, False)]


def test_follow_ups_and_villages_keep_to_the_scope(store):
    hid, outside = new_id(), new_id()
    store.apply_pull([
        {"table": "areas", "id": str(VILLAGE), "version": 1, "data": {"level": "village", "name": "Thôn B"}},
        {"table": "areas", "id": str(OTHER_VILLAGE), "version": 1, "data": {"level": "village", "name": "Thôn A"}},
        {"table": "areas", "id": "1", "version": 1, "data": {"level": "commune", "name": "Xã"}},
        _household(outside, village=OTHER_VILLAGE), _household(hid),
        _visit(new_id(), outside, "2026-11-20T09:00:00+07:00", follow_up_on="2026-11-21"),
        _visit(new_id(), hid, "2026-11-20T09:00:00+07:00", follow_up_on="2026-11-22")], 1)
    assert [v["id"] for v in store.villages()] == [OTHER_VILLAGE, VILLAGE]  # no scope yet: every village, by name
    assert [f["id"] for f in store.follow_ups()] == [outside, hid]
    store.set_account(scope={"village_ids": [VILLAGE]})
    assert store.villages() == [{"id": VILLAGE, "name": "Thôn B", "parent_id": None}]
    assert [f["id"] for f in store.follow_ups()] == [hid]
    assert store.area_name(OTHER_VILLAGE) == "Thôn A" and store.area_name(99) == "" and store.area_name(None) == ""


def test_a_household_reads_in_full(store):
    store.set_account(user={"id": 7})
    hid = store.save_household({"village_id": VILLAGE, "address": "8 Lý Thường Kiệt", "head_name": "Kha Văn Cân",
                                "phone": "0905 1", "note": "chó dữ"})
    older = store.save_resident({"household_id": hid, "full_name": "Kha Thị Út", "birth_year": 1950, "sex": "f",
                                 "phone": "0905 2", "has_smartphone": False})
    younger = store.save_resident({"household_id": hid, "full_name": "Kha Văn Tí", "birth_year": 2001})
    vid = store.log_visit(hid, assists=[{"resident_id": older, "topic": "vneid_account", "outcome": "declined"}],
                          started_at="2026-11-20T09:00:00+07:00")
    got = store.household(hid)
    visit = store.visit(vid)
    assert got == {"id": hid, "village_id": VILLAGE, "address": "8 Lý Thường Kiệt", "head_name": "Kha Văn Cân",
                   "phone": "0905 1", "note": "chó dữ", "version": 0, "reached": True, "topics_done": [],
                   "follow_up_on": None, "deleted": False, "pending": True, "visits": [visit],
                   "status": {older: {"vneid_account": "declined"}}, "residents": [
                       {"id": older, "household_id": hid, "full_name": "Kha Thị Út", "birth_year": 1950, "sex": "f",
                        "phone": "0905 2", "has_smartphone": False, "version": 0},
                       {"id": younger, "household_id": hid, "full_name": "Kha Văn Tí", "birth_year": 2001,
                        "sex": None, "phone": "", "has_smartphone": None, "version": 0}]}
    assert visit["pending"] and visit["voided"] is False and visit["assists"][0]["note"] == ""
    assert _ids(store, "kha thi ut") == _ids(store, "kha van ti") == [hid]  # every resident's name is searched
    assert store.households("xx") == [] and store.resident(new_id()) is None and store.household(new_id()) is None
    batch = store.next_batch()
    store.apply_push_results(batch, [{"id": c["id"], "status": "applied", "version": 1} for c in batch["changes"]])
    assert not store.household(hid)["pending"] and not store.visit(vid)["pending"]


def test_a_typed_quote_is_searched_as_a_letter(store):
    hid = store.save_household({"village_id": VILLAGE, "address": "Chợ", "head_name": 'Quán "Ba Cây"'})
    store.save_household({"village_id": VILLAGE, "address": "Ba Cây", "head_name": "Quán Ba"})
    assert _ids(store, '"ba') == [hid] and _ids(store, 'cay"') == [hid]


def test_pages_larger_than_one_statement_are_read_and_marked_whole(store):
    hid = new_id()
    households = [_household(new_id(), head_name=f"Hộ số {i:04d}") for i in range(1001)]
    visits = [_visit(new_id(), hid, f"2026-11-20T09:{i // 60:02d}:{i % 60:02d}+07:00", assists=[
        {"resident_id": None, "topic": "digital_skills", "outcome": "partial", "note": str(i)}]) for i in range(501)]
    store.apply_pull([*households, _household(hid, head_name="Hộ có 501 lượt"), *visits], 1)
    assert len(store.households()) == 200  # a screen's worth
    assert store.db.execute("SELECT count(*) FROM households WHERE search = ''").fetchone()[0] == 0
    assert store.db.execute("SELECT count(*) FROM household_search").fetchone()[0] == 1002
    assert _ids(store, "so 1000") == [households[1000]["id"]] and _ids(store, "so 0000") == [households[0]["id"]]
    read = store.household(hid)["visits"]
    assert len(read) == 501 and all(len(v["assists"]) == 1 for v in read)
    assert {v["assists"][0]["note"] for v in read} == {str(i) for i in range(501)}


def test_a_pulled_row_replaces_every_field_of_the_tablets(store):
    hid, moved, rid, vid, fixed = new_id(), new_id(), new_id(), new_id(), new_id()
    resident = {"table": "residents", "id": rid, "version": 1, "data": {"household_id": hid, "full_name": "Lò Văn A"}}
    store.apply_pull([_household(hid), _household(moved), resident,
                      _visit(vid, hid, "2026-11-20T09:00:00+07:00")], 1)
    resident = {**resident, "version": 2, "data": {**resident["data"], "household_id": moved}}
    store.apply_pull([_household(hid, village=OTHER_VILLAGE), resident,
                      {"table": "visits", "id": fixed, "version": 1, "deleted": False, "data": {
                          "household_id": hid, "started_at": "2026-11-20T10:00:00+07:00", "replaces_id": vid,
                          "voided": True, "received_at": "2026-11-20T03:05:00+00:00"}}], 2)
    assert store.household(hid)["village_id"] == OTHER_VILLAGE and store.resident(rid)["household_id"] == moved
    got = store.visit(fixed)
    assert (got["status"], got["replaces_id"], got["voided"], got["received_at"]) == (
        "met", vid, True, "2026-11-20T03:05:00+00:00")


def test_households_and_follow_ups_are_in_walk_order(store):
    """Villages in Vietnamese order (Đông after Dương, Thôn 9 before Thôn 10), then street order in each (Số 9 before
    Số 18, Kiệt 2/18 before Kiệt 11/14), then the head's given name; SQL's own order gets each of these wrong."""
    areas = [{"table": "areas", "id": str(i), "version": 1, "data": {"level": "village", "name": name}}
             for i, name in ((21, "Thôn 10"), (22, "Đông Hà"), (23, "Thôn 9"), (24, "Dương Sơn"))]
    homes = [(22, "Số 18", "Lê Văn An"), (22, "Số 9", "Trần Thị Bình"), (21, "Kiệt 11/14", "Hồ Văn Ba"),
             (21, "Kiệt 2/18", "Võ Thị Út"), (23, "Số 1", "Ngô Văn Tư"), (24, "Số 2", "Đỗ Văn Năm"),
             (22, "Số 9", "Nguyễn Văn An")]
    ids = {home: new_id() for home in homes}
    store.apply_pull(areas + [_household(hid, village=v, address=a, head_name=h) for (v, a, h), hid in ids.items()]
                     + [_visit(new_id(), hid, "2026-11-20T09:00:00+07:00", follow_up_on="2026-11-22")
                        for hid in ids.values()], 1)
    walk = [(24, "Số 2", "Đỗ Văn Năm"), (22, "Số 9", "Nguyễn Văn An"), (22, "Số 9", "Trần Thị Bình"),
            (22, "Số 18", "Lê Văn An"), (23, "Số 1", "Ngô Văn Tư"), (21, "Kiệt 2/18", "Võ Thị Út"),
            (21, "Kiệt 11/14", "Hồ Văn Ba")]
    assert [v["name"] for v in store.villages()] == ["Dương Sơn", "Đông Hà", "Thôn 9", "Thôn 10"]
    assert _ids(store, "") == [ids[w] for w in walk]
    assert _ids(store, "", village_id=22) == [ids[w] for w in walk if w[0] == 22]
    assert _ids(store, "", limit=3) == [ids[w] for w in walk[:3]]  # the limit cuts the walk, not the name order
    assert [f["id"] for f in store.follow_ups()] == [ids[w] for w in walk]
    # An edit of the address moves the household to its new place.
    store.save_household({"address": "Số 99"}, id=ids[(22, "Số 9", "Nguyễn Văn An")])
    assert _ids(store, "", village_id=22)[-1] == ids[(22, "Số 9", "Nguyễn Văn An")]


def test_a_households_residents_are_eldest_first_then_by_given_name(store):
    hid = new_id()
    people = [("Trần Văn Bình", 1980), ("Lê Văn An", 1980), ("Ngô Thị Út", None), ("Hồ Văn Đức", 1950)]
    store.apply_pull([_household(hid)] + [
        {"table": "residents", "id": new_id(), "version": 1, "deleted": False,
         "data": {"household_id": hid, "full_name": name, "birth_year": born}} for name, born in people], 1)
    assert [r["full_name"] for r in store.household(hid)["residents"]] == [
        "Hồ Văn Đức", "Lê Văn An", "Trần Văn Bình", "Ngô Thị Út"]


def test_a_store_from_schema_4_gets_its_sort_keys_when_it_opens(store):
    from fieldapp.store import Store
    a, b = new_id(), new_id()
    store.apply_pull([_household(a, address="Số 18"), _household(b, address="Số 9")], 1)
    conn = store.db
    conn.execute("DROP INDEX households_sort")
    conn.execute("ALTER TABLE households DROP COLUMN sort_key")
    conn.execute("PRAGMA user_version = 4")
    path, key = store.path, store._key
    store.close()
    reopened = Store(path, key=key)
    try:
        assert reopened.db.execute("SELECT count(*) FROM households WHERE length(sort_key) = 0").fetchone()[0] == 0
        assert _ids(reopened, "") == [b, a]
    finally:
        reopened.close()
