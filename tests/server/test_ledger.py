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
