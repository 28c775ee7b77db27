"""The sync contract of docs/protocol.md: receipts, idempotent writes, per-field merge, pull order and scope resets."""
import threading

import requests
from sqlalchemy import func, select

from server.extensions import db
from server.models import Assist, Conflict, Household, SyncBatch, Visit
from shared.ids import new_id
from tests.conftest import household_change, push, visit_change


def count(app, model) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def statuses(reply) -> list[str]:
    return [r["status"] for r in reply.get_json()["results"]]


def test_replayed_batch_gets_identical_reply_and_no_new_rows(app, client, world):
    headers = world.login(client, world.official)
    hh = household_change(world.a1)
    changes = [hh, visit_change(hh["id"]), visit_change(hh["id"], status="not_home", assists=[])]
    first = push(client, headers, *changes, batch_id=(batch := new_id()))
    assert statuses(first) == ["applied", "applied", "applied"]
    rows = (count(app, Household), count(app, Visit), count(app, Assist), count(app, SyncBatch))
    again = push(client, headers, *changes, batch_id=batch)
    assert again.get_json() == first.get_json()
    assert (count(app, Household), count(app, Visit), count(app, Assist), count(app, SyncBatch)) == rows == (1, 2, 1, 1)


def test_a_replayed_rejection_keyed_by_position_is_identical(client, world):
    headers = world.login(client, world.official)
    hh = household_change(world.a1)
    bad = visit_change(hh["id"], assists=[{"topic": "vneid_account", "outcome": "done", "resident_id": new_id()}])
    first = push(client, headers, hh, bad, batch_id=(batch := new_id()))
    assert first.get_json()["results"][1]["errors"] == {"assists": {"0": {"resident_id": [
        "Not a resident of this household."]}}}
    assert push(client, headers, hh, bad, batch_id=batch).get_json() == first.get_json()


def test_same_visit_in_a_new_batch_is_a_duplicate_and_other_content_a_conflict(app, client, world):
    headers = world.login(client, world.official)
    hh = household_change(world.a1)
    visit = visit_change(hh["id"])
    push(client, headers, hh, visit)
    assert statuses(push(client, headers, visit)) == ["duplicate"]
    changed = {**visit, "data": {**visit["data"], "notes": "Nội dung khác"}}
    reply = push(client, headers, changed)
    assert statuses(reply) == ["conflict"]
    assert count(app, Visit) == 1


def test_same_visit_from_eight_threads_leaves_one_row(app, live_server, world, client):
    headers = world.login(client, world.official)
    hh = household_change(world.a1)
    assert statuses(push(client, headers, hh)) == ["applied"]
    visit = visit_change(hh["id"])
    replies, barrier = [], threading.Barrier(8)

    def send():
        barrier.wait()
        reply = requests.post(f"{live_server}/api/v1/sync/push", headers=headers, timeout=30,
                              json={"batch_id": new_id(), "schema_version": 1, "changes": [visit]})
        replies.append(reply)

    threads = [threading.Thread(target=send) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.status_code for r in replies] == [200] * 8
    found = sorted(r.json()["results"][0]["status"] for r in replies)
    assert found.count("applied") == 1 and found.count("duplicate") == 7, found
    assert count(app, Visit) == 1 and count(app, Assist) == 1


def test_one_bad_record_is_rejected_alone(app, client, world):
    headers = world.login(client, world.official)
    hh = household_change(world.a1)
    reply = push(client, headers, hh, visit_change(hh["id"], notes="Nhà\x00 số 7"), visit_change(hh["id"]))
    results = reply.get_json()["results"]
    assert [r["status"] for r in results] == ["applied", "rejected", "applied"]
    assert list(results[1]["errors"]) == ["notes"]
    assert count(app, Visit) == 1


def test_per_field_merge_keeps_the_overwritten_value_as_a_conflict(app, client, world):
    tablet_a = world.login(client, world.official)
    tablet_b = world.login(client, world.official)
    hh = household_change(world.a1, phone="0905 111 222")
    push(client, tablet_a, hh)
    # Both tablets start from version 1. A changes phone and note; B then changes phone and address.
    edit_a = {"table": "households", "op": "upsert", "id": hh["id"], "base_version": 1,
              "data": {"phone": "0905 333 444", "note": "Nhà có người già"}}
    assert statuses(push(client, tablet_a, edit_a)) == ["applied"]
    edit_b = {"table": "households", "op": "upsert", "id": hh["id"], "base_version": 1,
              "data": {"phone": "0905 555 666", "address": "Số 9, kiệt 12"}}
    result = push(client, tablet_b, edit_b).get_json()["results"][0]
    assert result["status"] == "merged" and result["version"] == 3
    # The later-received phone wins, A's note is kept, B's address applies; B learns the merged record.
    assert result["current"] == {"village_id": world.a1, "address": "Số 9, kiệt 12", "head_name": "Nguyễn Văn Ánh",
                                 "phone": "0905 555 666", "note": "Nhà có người già"}
    with app.app_context():
        conflicts = db.session.execute(select(Conflict)).scalars().all()
        assert [(c.field, c.kept_value, c.lost_value, c.resolved) for c in conflicts] == [
            ("phone", "0905 555 666", "0905 333 444", False)]


def test_pull_returns_scope_in_seq_order_with_tombstones(app, client, world):
    official = world.login(client, world.official)
    other = world.login(client, world.official2)
    mine, theirs = household_change(world.a1), household_change(world.a3)
    push(client, official, mine)
    push(client, other, theirs)
    push(client, official, {"table": "households", "op": "delete", "id": mine["id"], "base_version": 1, "data": {}})
    page = client.get("/api/v1/sync/pull?since=0", headers=official).get_json()
    households = [c for c in page["changes"] if c["table"] == "households"]
    assert [(c["id"], c["deleted"], c["version"]) for c in households] == [(mine["id"], True, 2)]
    assert {int(c["id"]) for c in page["changes"] if c["table"] == "areas"} >= {world.a1, world.a2, world.a3}
    assert page["has_more"] is False
    again = client.get(f"/api/v1/sync/pull?since={page['cursor']}", headers=official).get_json()
    assert again["changes"] == [] and again["cursor"] == page["cursor"]


def test_pull_pages_cover_everything_once(client, world):
    headers = world.login(client, world.official)
    hh = household_change(world.a1)
    push(client, headers, hh, *[visit_change(hh["id"]) for _ in range(25)])
    seen, cursor, pages = [], 0, 0
    while True:
        page = client.get(f"/api/v1/sync/pull?since={cursor}&limit=7", headers=headers).get_json()
        seen += [c["id"] for c in page["changes"]]
        cursor, pages = page["cursor"], pages + 1
        if not page["has_more"]:
            break
    assert len(seen) == len(set(seen)) == 4 + 26  # the commune and 3 villages, 1 household, 25 visits
    assert pages >= 5


def test_reader_paging_while_writers_commit_never_misses_a_row(app, live_server, client, world):
    headers = world.login(client, world.leader)
    writers = [world.login(client, world.official) for _ in range(3)]
    hh = household_change(world.a1)
    push(client, writers[0], hh)
    pushed, seen, stop = set(), set(), threading.Event()
    lock = threading.Lock()

    def write(token_headers):
        for _ in range(15):
            batch = [visit_change(hh["id"]) for _ in range(3)]
            reply = requests.post(f"{live_server}/api/v1/sync/push", headers=token_headers, timeout=30,
                                  json={"batch_id": new_id(), "schema_version": 1, "changes": batch})
            assert reply.status_code == 200
            with lock:
                pushed.update(c["id"] for c in batch)

    def read():
        cursor = 0
        while True:
            done = stop.is_set()
            page = requests.get(f"{live_server}/api/v1/sync/pull", params={"since": cursor, "limit": 5},
                                headers=headers, timeout=30).json()
            seen.update(c["id"] for c in page["changes"] if c["table"] == "visits")
            cursor = page["cursor"]
            if done and not page["has_more"]:
                return

    reader = threading.Thread(target=read)
    reader.start()
    threads = [threading.Thread(target=write, args=(h,)) for h in writers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    reader.join(60)
    assert len(pushed) == 135 and seen == pushed


def test_scope_change_gives_410_then_a_full_pull(app, client, world):
    from server.admin.service import set_villages
    from server.models import User

    headers = world.login(client, world.official)
    b_side = world.login(client, world.official2)
    there = household_change(world.a3)
    push(client, b_side, there)
    page = client.get("/api/v1/sync/pull?since=0", headers=headers).get_json()
    assert there["id"] not in {c["id"] for c in page["changes"]}
    with app.app_context():
        user = db.session.execute(select(User).where(User.username == world.official)).scalar_one()
        set_villages(user, [world.a1, world.a3])
        db.session.commit()
    reply = client.get(f"/api/v1/sync/pull?since={page['cursor']}", headers=headers)
    assert reply.status_code == 410 and reply.get_json()["error"]["code"] == "reset_required"
    full = client.get("/api/v1/sync/pull?since=0", headers=headers).get_json()
    assert there["id"] in {c["id"] for c in full["changes"]}
    assert client.get(f"/api/v1/sync/pull?since={full['cursor']}", headers=headers).status_code == 200


def _pulled_ids(client, headers, since=0) -> tuple[set, int]:
    page = client.get(f"/api/v1/sync/pull?since={since}&limit=1000", headers=headers).get_json()
    return {c["id"] for c in page["changes"]}, page["cursor"]


def test_a_household_moved_to_another_village_takes_its_residents_and_visits(app, client, world):
    official, there = world.login(client, world.official), world.login(client, world.official2)
    home = household_change(world.a1)
    person = {"table": "residents", "op": "upsert", "id": new_id(), "base_version": 0,
              "data": {"household_id": home["id"], "full_name": "Lê Thị Lựu", "birth_year": 1958}}
    visit = visit_change(home["id"], assists=[{"resident_id": person["id"], "topic": "vneid_account",
                                               "outcome": "done"}])
    assert statuses(push(client, official, home, person, visit)) == ["applied"] * 3
    seen, cursor = _pulled_ids(client, there)
    assert home["id"] not in seen
    _, old_cursor = _pulled_ids(client, official)

    move = {"table": "households", "op": "upsert", "id": home["id"], "base_version": 1,
            "data": {"village_id": world.a3}}
    assert statuses(push(client, world.login(client, world.leader), move)) == ["applied"]

    # The official of the new village pulls the household with its people and its history, and may write them.
    seen, _ = _pulled_ids(client, there, cursor)
    assert {home["id"], person["id"], visit["id"]} <= seen
    phone = {"table": "residents", "op": "upsert", "id": person["id"], "base_version": 1,
             "data": {"phone": "0912345678"}}
    again = visit_change(home["id"], assists=[{"resident_id": person["id"], "topic": "vneid_level2",
                                               "outcome": "done"}])
    assert statuses(push(client, there, phone, again)) == ["applied", "applied"]
    # The official of the old village pulls again from zero (410), which drops them from the tablet, and gets
    # them no more.
    reply = client.get(f"/api/v1/sync/pull?since={old_cursor}", headers=official)
    assert reply.status_code == 410 and reply.get_json()["error"]["code"] == "reset_required"
    assert not {home["id"], person["id"], visit["id"]} & _pulled_ids(client, official)[0]
    assert statuses(push(client, official, dict(phone, base_version=2))) == ["rejected"]


def test_an_admin_moves_a_household_to_another_commune_with_everything_it_counts(app, client, world):
    official = world.login(client, world.official)
    home = household_change(world.a1)
    visit = visit_change(home["id"])
    push(client, official, home, visit)
    move = {"table": "households", "op": "upsert", "id": home["id"], "base_version": 1,
            "data": {"village_id": world.b1}}
    leader = world.login(client, world.leader)
    _, leader_cursor = _pulled_ids(client, leader)
    assert statuses(push(client, world.login(client, world.admin), move)) == ["applied"]
    # The commune's leader saw it and sees it no more: a pull from zero.
    assert client.get(f"/api/v1/sync/pull?since={leader_cursor}", headers=leader).status_code == 410
    with app.app_context():
        assert db.session.get(Household, home["id"]).commune_id == world.commune_b
        assert db.session.execute(select(Visit.village_id, Visit.commune_id)).one() == (world.b1, world.commune_b)
        assert db.session.execute(select(Assist.commune_id)).scalars().all() == [world.commune_b]
    assert {home["id"], visit["id"]} <= _pulled_ids(client, world.login(client, world.official_b))[0]


def test_a_correction_voids_the_visit_it_replaces(app, client, world):
    headers = world.login(client, world.official)
    hh = household_change(world.a1)
    first = visit_change(hh["id"])
    push(client, headers, hh, first)
    fix = visit_change(hh["id"], replaces_id=first["id"], notes="Sửa: đã kích hoạt mức 2",
                       assists=[{"topic": "vneid_level2", "outcome": "done"}])
    assert statuses(push(client, headers, fix)) == ["applied"]
    with app.app_context():
        voided = dict(db.session.execute(select(Visit.id, Visit.voided)).all())
    assert voided == {first["id"]: True, fix["id"]: False}
    void = {"table": "visits", "op": "delete", "id": fix["id"], "base_version": 1, "data": {}}
    assert statuses(push(client, headers, void)) == ["applied"]
    assert statuses(push(client, headers, void)) == ["duplicate"]


def test_a_cursor_behind_the_tombstone_horizon_gives_410(app, client, world):
    from server.models import SyncCounter

    headers = world.login(client, world.official)
    push(client, headers, household_change(world.a1))
    cursor = client.get("/api/v1/sync/pull?since=0", headers=headers).get_json()["cursor"]
    push(client, headers, household_change(world.a1))
    with app.app_context():
        db.session.get(SyncCounter, 1).purged_through = cursor + 1
        db.session.commit()
    reply = client.get(f"/api/v1/sync/pull?since={cursor}", headers=headers)
    assert reply.status_code == 410 and reply.get_json()["error"]["code"] == "reset_required"
    assert client.get("/api/v1/sync/pull?since=0", headers=headers).status_code == 200


def test_the_new_outcomes_are_stored_and_an_older_app_pulls_them_in_its_words(client, world):
    """already_had and not_applicable (wire schema 2) are pushed and pulled as they are; an app that says it reads
    schema 1 gets done and declined instead, which its four outcomes can show."""

    headers = world.login(client, world.official)
    home = household_change(world.a1)
    resident = {"table": "residents", "op": "upsert", "id": new_id(), "base_version": 0,
                "data": {"household_id": home["id"], "full_name": "Võ Thị Lan", "birth_year": 1960}}
    visit = visit_change(home["id"], assists=[
        {"topic": "vneid_account", "outcome": "already_had", "resident_id": resident["id"]},
        {"topic": "cashless_payment", "outcome": "not_applicable", "resident_id": resident["id"]}])
    reply = push(client, headers, home, resident, visit)
    assert [r["status"] for r in reply.get_json()["results"]] == ["applied"] * 3

    def pulled(version: str) -> list:
        page = client.get("/api/v1/sync/pull?since=0", headers={**headers, "X-Schema-Version": version}).get_json()
        return [a["outcome"] for c in page["changes"] if c["table"] == "visits" for a in c["data"]["assists"]]

    assert pulled("2") == ["already_had", "not_applicable"]
    assert pulled("1") == ["done", "declined"]
    bad = visit_change(home["id"], assists=[{"topic": "vneid_account", "outcome": "had_it_maybe",
                                             "resident_id": resident["id"]}])
    result = push(client, headers, bad).get_json()["results"][0]
    assert result["status"] == "rejected" and "assists" in str(result["errors"])
