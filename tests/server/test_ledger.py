"""The one write path (server/ledger): no lost update, receipts per device, duplicates, conflicts kept, codes."""
import threading

import requests
from sqlalchemy import select

from server.extensions import db
from server.models import Conflict, Household, SyncBatch
from shared.ids import new_id
from tests.conftest import household_change, push, visit_change
from tests.server.test_dashboard_views import logged_in

TABLETS = 8


def test_eight_stale_edits_of_one_field_at_once_lose_nothing(app, live_server, world, client):
    """Each tablet edits the same field from version 1 at once: every value ends in the row or in `conflicts`."""
    hh = household_change(world.a1)
    assert push(client, world.login(client, world.official), hh).get_json()["results"][0]["status"] == "applied"
    tablets = [world.login(client, world.official) for _ in range(TABLETS)]
    notes = [f"Ghi chú của máy {n}" for n in range(TABLETS)]
    barrier, replies = threading.Barrier(TABLETS), [None] * TABLETS

    def send(n):
        change = {"table": "households", "op": "upsert", "id": hh["id"], "base_version": 1,
                  "data": {"note": notes[n]}}
        barrier.wait()
        replies[n] = requests.post(f"{live_server}/api/v1/sync/push", headers=tablets[n], timeout=60,
                                   json={"batch_id": new_id(), "schema_version": 1, "changes": [change]})

    threads = [threading.Thread(target=send, args=(n,)) for n in range(TABLETS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    results = [reply.json()["results"][0] for reply in replies]
    assert {r["status"] for r in results} <= {"applied", "merged"}, results
    versions = sorted(r["version"] for r in results)
    assert versions == list(range(2, TABLETS + 2)), "each write is a version of its own"
    with app.app_context():
        row = db.session.get(Household, hh["id"])
        conflicts = db.session.execute(select(Conflict).where(Conflict.row_id == hh["id"])).scalars().all()
        assert row.version == TABLETS + 1
        assert row.field_versions["note"] == TABLETS + 1
        # Every write but the first overwrote a value another tablet had set since version 1.
        assert len(conflicts) == TABLETS - 1
        assert sorted([row.note] + [c.lost_value for c in conflicts if c.lost_value]) == sorted(notes)
        assert {c.kept_value for c in conflicts} | {row.note} <= set(notes)


def test_a_batch_id_of_another_device_is_its_own_batch(app, client, world):
    mine, theirs = world.login(client, world.official), world.login(client, world.official_b)
    batch = new_id()
    first = push(client, mine, household_change(world.a1), batch_id=batch).get_json()
    other = household_change(world.b1)
    second = push(client, theirs, other, batch_id=batch).get_json()
    assert second["results"][0]["id"] == other["id"] and second["results"][0]["status"] == "applied"
    assert first["results"][0]["id"] not in str(second)
    assert push(client, mine, household_change(world.a1), batch_id=batch).get_json() == first
    with app.app_context():
        assert db.session.get(Household, other["id"]) is not None
        assert len(db.session.execute(select(SyncBatch)).all()) == 2


def test_an_identical_record_is_a_duplicate_whatever_its_base_version(client, world):
    headers = world.login(client, world.official)
    hh = household_change(world.a1)
    push(client, headers, hh)
    edit = {**hh, "base_version": 1, "data": {"note": "Đã hẹn chiều thứ Bảy"}}
    assert push(client, headers, edit).get_json()["results"][0]["version"] == 2
    again = {**hh, "base_version": 1, "data": {**hh["data"], "note": "Đã hẹn chiều thứ Bảy"}}
    result = push(client, headers, again).get_json()["results"][0]
    assert (result["status"], result["version"], result["code"]) == ("duplicate", 2, None)


def test_a_visit_sent_again_with_other_content_is_kept_in_conflicts(app, client, world):
    headers = world.login(client, world.official)
    hh = household_change(world.a1)
    visit = visit_change(hh["id"])
    push(client, headers, hh, visit)
    other = {**visit, "data": {**visit["data"], "notes": "Nội dung khác"}}
    result = push(client, headers, other).get_json()["results"][0]
    assert (result["status"], result["code"]) == ("conflict", "id_taken")
    with app.app_context():
        kept = db.session.execute(select(Conflict).where(Conflict.row_id == visit["id"])).scalar_one()
        assert (kept.table_name, kept.field, kept.lost_value["notes"]) == ("visits", "visit", "Nội dung khác")
        assert (kept.kept_value, kept.kept_by, kept.lost_by) == (None, None, _user_id(app, world.official))


def test_refused_records_carry_a_code_and_name_themselves(client, world):
    headers = world.login(client, world.official)
    outside = household_change(world.b1)
    ghost = visit_change(new_id())
    reply = push(client, headers, outside, ghost, {"op": "upsert"}, "not an object").get_json()
    assert [(r["status"], r["code"]) for r in reply["results"]] == [
        ("rejected", "outside_scope"), ("rejected", "not_found"), ("rejected", "invalid"), ("rejected", "invalid")]
    assert [r["id"] for r in reply["results"]][:2] == [outside["id"], ghost["id"]]
    assert all(isinstance(r["table"], str) and r["id"] != "None" for r in reply["results"])


def test_a_visit_from_a_tablet_with_a_wrong_clock_is_kept_and_flagged(app, client, world):
    """A day ahead or a year behind: stored and counted, listed for the leader; a correction of it is accepted."""
    from datetime import datetime, timedelta, timezone

    headers = world.login(client, world.official)
    hh = household_change(world.a1)
    now = datetime.now(timezone.utc)
    ahead = visit_change(hh["id"], started_at=(now + timedelta(days=1)).isoformat())
    behind = visit_change(hh["id"], started_at=(now - timedelta(days=365)).isoformat())
    today = visit_change(hh["id"], started_at=now.isoformat())
    reply = push(client, headers, hh, ahead, behind, today).get_json()
    assert [r["status"] for r in reply["results"]] == ["applied"] * 4
    fix = visit_change(hh["id"], started_at=now.isoformat(), replaces_id=ahead["id"])
    assert push(client, headers, fix).get_json()["results"][0]["status"] == "applied"
    page = logged_in(client, world.leader).get(f"/communes/{world.commune_a}/conflicts").get_data(as_text=True)
    assert "Lượt thăm có ngày giờ bất thường" in page
    assert page.count("data-odd-date") == 1  # the year-old one; the day-ahead one was replaced by its correction


# --- the bookkeeping each write leaves, row by row (what mutation testing found unasserted)

def _user_id(app, username):
    from server.models import User
    with app.app_context():
        return db.session.execute(select(User.id).where(User.username == username)).scalar_one()


def _stale(app) -> set:
    from server.models import StaleHousehold
    with app.app_context():
        return set(db.session.execute(select(StaleHousehold.household_id)).scalars())


def test_a_new_record_and_its_edit_carry_their_bookkeeping(app, client, world):
    from server.models import Resident, SyncCounter
    official, leader = _user_id(app, world.official), _user_id(app, world.leader)
    mine, theirs = world.login(client, world.official), world.login(client, world.leader)
    hh = household_change(world.a1, phone="0905 111 222")
    resident = {"table": "residents", "op": "upsert", "id": new_id(), "base_version": 0,
                "data": {"household_id": hh["id"], "full_name": "Lê Thị Thu", "birth_year": 1990}}
    push(client, mine, hh, resident)
    with app.app_context():
        row, person = db.session.get(Household, hh["id"]), db.session.get(Resident, resident["id"])
        counter = db.session.get(SyncCounter, 1).v
        assert (row.version, row.updated_by, row.deleted) == (1, official, False)
        assert row.field_versions == dict.fromkeys(("village_id", "address", "head_name", "phone", "note"), 1)
        assert (person.version, person.updated_by, person.deleted, person.village_id) == (1, official, False,
                                                                                          world.a1)
        assert person.seq == row.seq + 1 == counter  # one block of numbers, in the batch's order, the last taken
    edit = {**hh, "base_version": 1, "data": {"phone": "0905 333 444"}}
    push(client, mine, edit)
    stale = {**hh, "base_version": 1, "data": {"phone": "0905 555 666"}}
    push(client, theirs, stale)
    with app.app_context():
        row = db.session.get(Household, hh["id"])
        conflict = db.session.execute(select(Conflict).where(Conflict.row_id == hh["id"])).scalar_one()
        assert (row.version, row.updated_by, row.phone) == (3, leader, "0905 555 666")
        assert row.field_versions == {**dict.fromkeys(("village_id", "address", "head_name", "note"), 1),
                                      "phone": 3}
        assert (conflict.kept_value, conflict.lost_value) == ("0905 555 666", "0905 333 444")
        assert (conflict.kept_by, conflict.lost_by, conflict.commune_id) == (leader, official, world.commune_a)
        assert row.seq > counter


def test_writes_mark_the_households_they_touch_stale(app, client, world):
    headers = world.login(client, world.official)
    hh = household_change(world.a1)
    resident = {"table": "residents", "op": "upsert", "id": new_id(), "base_version": 0,
                "data": {"household_id": hh["id"], "full_name": "Lê Thị Thu"}}
    visit = visit_change(hh["id"], assists=[{"topic": "vneid_account", "outcome": "done",
                                             "resident_id": resident["id"]}])
    push(client, headers, hh, resident, visit)
    from server.models import Assist, StaleHousehold, Visit
    with app.app_context():
        assert db.session.execute(select(Assist.resident_id)).scalar_one() == resident["id"]
        db.session.execute(StaleHousehold.__table__.delete())
        db.session.commit()
    push(client, headers, {**resident, "base_version": 1, "data": {"birth_year": 1970}})
    assert _stale(app) == {hh["id"]}  # the resident's household, not the resident
    with app.app_context():
        db.session.execute(StaleHousehold.__table__.delete())
        db.session.commit()
        before = db.session.get(Visit, visit["id"]).seq
    reply = push(client, headers, {"table": "visits", "op": "delete", "id": visit["id"], "base_version": 0,
                                   "data": {}}).get_json()["results"][0]
    assert (reply["status"], reply["version"]) == ("applied", 2)
    assert _stale(app) == {hh["id"]}
    with app.app_context():
        voided = db.session.get(Visit, visit["id"])
        assert (voided.voided, voided.version) == (True, 2) and voided.seq > before
    two = [visit_change(hh["id"], assists=[]) for _ in range(2)]
    push(client, headers, *two)
    push(client, headers, *({"table": "visits", "op": "delete", "id": v["id"], "base_version": 0, "data": {}}
                            for v in two))
    with app.app_context():
        seqs = [db.session.get(Visit, v["id"]).seq for v in two]
        assert seqs[1] == seqs[0] + 1 and seqs[0] > voided.seq  # each void a number of its own


def test_rows_written_in_bulk_carry_the_same_bookkeeping(app, world):
    from server.ledger import Ledger, ensure_counter
    from server.models import Resident, SyncCounter
    with app.app_context():
        ensure_counter()
        ensure_counter()  # a second call finds the row: still one counter
        assert db.session.execute(select(SyncCounter)).scalars().all()[0].id == 1
        hid, rid = new_id(), new_id()
        ledger = Ledger(7)
        ledger.create_plain(Household, {"id": hid, "village_id": world.a1, "commune_id": world.commune_a,
                                        "address": "Số 3", "head_name": "Võ Văn Tám"})
        ledger.create_plain(Resident, {"id": rid, "household_id": hid, "village_id": world.a1,
                                       "commune_id": world.commune_a, "full_name": "Võ Văn Tám"})
        ledger.write()
        db.session.commit()
        row, person = db.session.get(Household, hid), db.session.get(Resident, rid)
        for record in (row, person):
            assert (record.version, record.updated_by, record.deleted) == (1, 7, False)
            assert set(record.field_versions.values()) == {1} and record.created_at is not None
        assert person.seq == row.seq + 1 == db.session.get(SyncCounter, 1).v
        assert len(db.session.execute(select(SyncCounter)).all()) == 1
    assert _stale(app) >= {hid}
