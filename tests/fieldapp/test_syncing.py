"""The store's side of sync on a sqlite file, without a server: batches out of the outbox, push replies and pulled
pages in. The replies and pages are written here as the server sends them (shared/schemas.py ResultSchema and
PullPageSchema), so that every branch of syncing.py is reached in a few milliseconds."""
import json

import pytest

from shared.ids import new_id

VILLAGE = 11


def _outbox(store):
    return [(r["table_name"], r["row_id"], r["op"], r["base_version"], json.loads(r["data"]), r["batch_id"])
            for r in store.db.execute("SELECT * FROM outbox ORDER BY seq")]


def _ids(store, query):
    return [h["id"] for h in store.households(query)]


def _acknowledged(store, hid, version=1):
    """A household the server holds at `version`, with nothing of it left in the outbox."""
    batch = store.next_batch()
    store.apply_push_results(batch, [{"id": c["id"], "status": "applied", "version": version}
                                     for c in batch["changes"]])
    assert store.pending() == 0 and store.household(hid)["version"] == version


def _pulled_household(hid, version=1, **data):
    return {"table": "households", "id": hid, "version": version, "deleted": False,
            "data": {"village_id": VILLAGE, "address": "5 Lê Lợi", "head_name": "Phan Văn Bình", "phone": "",
                     "note": "", **data}}


def _pulled_visit(vid, hid, version=1, deleted=False, **data):
    return {"table": "visits", "id": vid, "version": version, "deleted": deleted,
            "data": {"household_id": hid, "official_id": 9, "started_at": "2026-11-20T09:00:00+07:00",
                     "duration_min": 10, "status": "met", "notes": "", "follow_up_on": None, "lat": None,
                     "lon": None, "accuracy_m": None, "replaces_id": None, "received_at": "2026-11-20T03:00:00Z",
                     "assists": [], **data}}


def test_an_empty_outbox_has_no_batch_and_a_new_store_pulls_from_0(store):
    assert store.next_batch() is None and store.pending() == 0 and store.cursor() == 0


def test_a_batch_is_frozen_and_resent_under_the_same_id_until_its_reply_arrives(store):
    hid = store.save_household({"village_id": VILLAGE, "address": "1 Trần Phú", "head_name": "Lê Văn Tám"})
    rid = store.save_resident({"household_id": hid, "full_name": "Lê Thị Mai", "birth_year": 1990})
    vid = store.log_visit(hid, status="not_home")
    batch = store.next_batch(size=2)
    assert batch["changes"] == [
        {"table": "households", "op": "upsert", "id": hid, "base_version": 0,
         "data": {"village_id": VILLAGE, "address": "1 Trần Phú", "head_name": "Lê Văn Tám", "phone": "",
                  "note": ""}},
        {"table": "residents", "op": "upsert", "id": rid, "base_version": 0,
         "data": {"household_id": hid, "full_name": "Lê Thị Mai", "birth_year": 1990, "phone": ""}}]
    assert len(batch["seqs"]) == 2 and batch["seqs"] == sorted(batch["seqs"])
    assert [e[5] for e in _outbox(store)] == [batch["batch_id"], batch["batch_id"], None]
    # An edit made while the batch is in flight is a new entry: the sent one must stay as it was sent.
    store.save_household({"note": "cổng xanh"}, id=hid)
    assert store.next_batch(size=2) == batch  # the reply was lost: the same entries under the same batch_id
    assert store.pending() == 4
    assert store.apply_push_results(batch, [{"id": hid, "status": "applied", "version": 1},
                                            {"id": rid, "status": "duplicate", "version": 1}]) == {
        "applied": 1, "duplicate": 1}
    assert store.pending() == 2
    nxt = store.next_batch(size=5)
    assert nxt["batch_id"] != batch["batch_id"]
    assert [(c["table"], c["id"], c["base_version"]) for c in nxt["changes"]] == [("visits", vid, 0),
                                                                                   ("households", hid, 1)]
    assert nxt["changes"][1]["data"] == {"note": "cổng xanh"}
    # Every result counts, also those after a visit's.
    assert store.apply_push_results(nxt, [{"id": vid, "status": "applied", "version": 1},
                                          {"id": hid, "status": "applied", "version": 2}]) == {"applied": 2}
    assert store.household(hid)["version"] == 2 and store.visit(vid)["version"] == 1 and store.pending() == 0


def test_a_reply_that_does_not_match_its_batch_changes_nothing(store):
    hid = store.save_household({"village_id": VILLAGE, "address": "1", "head_name": "A"})
    batch = store.next_batch()
    with pytest.raises(ValueError, match="^the push reply does not match the batch$"):
        store.apply_push_results(batch, [{"id": new_id(), "status": "applied", "version": 1}])
    assert store.pending() == 1 and store.household(hid)["version"] == 0 and store.problems() == []


def test_an_acknowledged_edit_moves_later_edits_onto_the_servers_version(store):
    hid = store.save_household({"village_id": VILLAGE, "address": "1", "head_name": "A"})
    _acknowledged(store, hid, version=1)
    store.save_household({"phone": "0905 111 222"}, id=hid)
    batch = store.next_batch()
    store.save_household({"note": "hai tầng"}, id=hid)  # made on top of the edit in flight
    store.apply_push_results(batch, [{"id": hid, "status": "applied", "version": 2}])
    assert store.household(hid)["version"] == 2
    assert [(e[3], e[4]) for e in _outbox(store)] == [(2, {"note": "hai tầng"})]
    # A reply without a version (an old server's duplicate) leaves the versions as they are.
    store.apply_push_results(store.next_batch(), [{"id": hid, "status": "duplicate", "version": None}])
    assert store.household(hid)["version"] == 2
    # A reply with a lower version never takes the row back.
    store.save_household({"note": "ba tầng"}, id=hid)
    batch = store.next_batch()
    store.apply_push_results(batch, [{"id": hid, "status": "applied", "version": 1}])
    assert store.household(hid)["version"] == 2


def test_a_merged_reply_takes_the_servers_row_under_the_edits_still_waiting(store):
    hid = store.save_household({"village_id": VILLAGE, "address": "1", "head_name": "Võ Văn Kiệt"})
    _acknowledged(store, hid, version=1)
    store.save_household({"phone": "0905 111 222"}, id=hid)
    batch = store.next_batch()
    store.save_household({"note": "hai tầng"}, id=hid)
    current = {"village_id": VILLAGE, "address": "99 Nguyễn Huệ", "head_name": "Võ Thị Sáu", "phone": "0905 111 222",
               "note": None}
    assert store.apply_push_results(batch, [{"id": hid, "status": "merged", "version": 3, "current": current}]) == {
        "merged": 1}
    got = store.household(hid)
    assert (got["version"], got["address"], got["head_name"], got["note"]) == (3, "99 Nguyễn Huệ", "Võ Thị Sáu",
                                                                                 "hai tầng")
    assert _ids(store, "vo thi sau") == [hid] and _ids(store, "vo van kiet") == []  # search follows the row


def test_a_merged_resident_updates_its_households_search(store):
    hid = store.save_household({"village_id": VILLAGE, "address": "1", "head_name": "A"})
    rid = store.save_resident({"household_id": hid, "full_name": "Đỗ Văn Nam", "has_smartphone": True})
    batch = store.next_batch()
    current = {"household_id": hid, "full_name": "Đỗ Thị Lan", "birth_year": 1971, "sex": "f", "phone": None,
               "has_smartphone": False}
    store.apply_push_results(batch, [{"id": hid, "status": "applied", "version": 1},
                                     {"id": rid, "status": "merged", "version": 2, "current": current}])
    assert store.resident(rid) == {"id": rid, "household_id": hid, "full_name": "Đỗ Thị Lan", "birth_year": 1971,
                                   "sex": "f", "phone": "", "has_smartphone": False, "version": 2}
    assert _ids(store, "do thi lan") == [hid] and _ids(store, "do van nam") == []
    # The resident alone in a reply: its household (found on the tablet) is searched by the new name.
    store.save_resident({"phone": "0905 1"}, id=rid)
    batch = store.next_batch()
    current = {**current, "full_name": "Đỗ Thị Huệ"}
    store.apply_push_results(batch, [{"id": rid, "status": "merged", "version": 3, "current": current}])
    assert _ids(store, "do thi hue") == [hid]


def test_a_reply_for_a_resident_no_longer_on_the_tablet_is_applied(store):
    hid = store.save_household({"village_id": VILLAGE, "address": "1", "head_name": "A"})
    rid = store.save_resident({"household_id": hid, "full_name": "Đỗ Văn Nam"})
    batch = store.next_batch()
    store.db.execute("DELETE FROM residents")
    assert store.apply_push_results(batch, [{"id": hid, "status": "applied", "version": 1},
                                            {"id": rid, "status": "applied", "version": 1}]) == {"applied": 2}


def test_a_visit_reply_sets_its_version(store):
    hid = store.save_household({"village_id": VILLAGE, "address": "1", "head_name": "A"})
    vid = store.log_visit(hid, status="not_home")
    batch = store.next_batch()
    store.apply_push_results(batch, [{"id": hid, "status": "applied", "version": 1},
                                     {"id": vid, "status": "applied", "version": 1, "current": {"ignored": True}}])
    assert store.visit(vid)["version"] == 1 and store.pending() == 0
    other = store.log_visit(hid, status="not_home")
    store.apply_push_results(store.next_batch(), [{"id": other, "status": "duplicate", "version": None}])
    assert store.visit(other)["version"] == 0


def test_refused_records_leave_the_outbox_and_become_problems_with_the_data_sent(store):
    hid = store.save_household({"village_id": VILLAGE, "address": "1", "head_name": "Hồ Văn Tư"})
    vid = store.log_visit(hid, status="not_home")
    batch = store.next_batch()
    errors = {"village_id": ["Outside your villages."]}
    current = {"village_id": 12}
    counts = store.apply_push_results(batch, [
        {"id": hid, "status": "rejected", "version": None, "errors": errors, "code": "outside_scope"},
        {"id": vid, "status": "conflict", "version": 4, "current": current, "code": "id_taken"}])
    assert counts == {"rejected": 1, "conflict": 1} and store.pending() == 0
    rows = [dict(r) for r in store.db.execute("SELECT * FROM problems ORDER BY id")]
    assert [(r["table_name"], r["row_id"], r["status"]) for r in rows] == [("households", hid, "rejected"),
                                                                           ("visits", vid, "conflict")]
    assert json.loads(rows[0]["errors"]) == errors and json.loads(rows[1]["current"]) == current
    assert json.loads(rows[0]["data"]) == batch["changes"][0]["data"] and rows[0]["at"]
    # The local data stays, at the version it had: the official can still fix it.
    assert store.household(hid)["head_name"] == "Hồ Văn Tư" and store.household(hid)["version"] == 0
    assert store.visit(vid)["version"] == 0
    assert store.sync_status()["problems"] == 2


def test_a_pulled_page_writes_areas_rows_and_visits_with_their_marks(store):
    store.set_account(scope={"village_ids": [VILLAGE]})
    hid, rid, vid, gone = new_id(), new_id(), new_id(), new_id()
    store.apply_pull([
        {"table": "areas", "id": "1", "version": 1, "deleted": False,
         "data": {"parent_id": None, "level": "commune", "code": "C1", "name": "Xã Hoà Bắc"}},
        {"table": "areas", "id": str(VILLAGE), "version": 2, "deleted": False,
         "data": {"parent_id": 1, "level": "village", "code": "V1", "name": "Thôn Nam Yên"}},
        {"table": "areas", "id": "12", "version": 1, "deleted": False,
         "data": {"parent_id": 1, "level": "village", "code": "V2", "name": "Thôn Tà Lang"}},
        _pulled_household(hid, version=3, phone="0905.777.888", note=None),
        {"table": "residents", "id": rid, "version": 2, "deleted": False,
         "data": {"household_id": hid, "full_name": "Phan Thị Cúc", "birth_year": 1950, "sex": "f", "phone": "",
                  "has_smartphone": True}},
        _pulled_visit(vid, hid, version=1, follow_up_on="2026-12-01", assists=[
            {"resident_id": rid, "topic": "vneid_account", "outcome": "done", "note": "xong"},
            {"resident_id": None, "topic": "scam_awareness", "outcome": "partial", "note": ""}]),
        _pulled_visit(gone, hid, version=2, deleted=True, started_at="2026-11-21T09:00:00+07:00",
                      assists=[{"resident_id": rid, "topic": "digital_skills", "outcome": "done", "note": ""}]),
    ], cursor=42)
    assert store.cursor() == 42 and store.pending() == 0
    assert store.villages() == [{"id": VILLAGE, "name": "Thôn Nam Yên", "parent_id": 1}]
    assert store.area_name(1) == "Xã Hoà Bắc"
    assert tuple(store.db.execute("SELECT code, version FROM areas WHERE id = ?", (VILLAGE,)).fetchone()) == ("V1", 2)
    got = store.household(hid)
    assert (got["version"], got["phone"], got["note"], got["reached"]) == (3, "0905.777.888", "", True)
    assert got["topics_done"] == ["vneid_account"]  # the voided visit's topic does not count
    assert got["follow_up_on"] == "2026-12-01"  # the voided later visit does not close it
    assert [(v["id"], v["voided"], v["version"]) for v in got["visits"]] == [(gone, True, 2), (vid, False, 1)]
    assert got["visits"][1]["assists"][0] == {"resident_id": rid, "topic": "vneid_account", "outcome": "done",
                                              "note": "xong"}
    assert got["residents"][0]["has_smartphone"] is True and got["residents"][0]["version"] == 2
    assert got["status"] == {rid: {"vneid_account": "done"}, "": {"scam_awareness": "partial"}}
    assert _ids(store, "phan thi cuc") == [hid] and _ids(store, "777888") == [hid]


def test_applying_a_page_twice_is_harmless_and_the_cursor_moves_with_it(store):
    hid, vid = new_id(), new_id()
    page = [_pulled_household(hid), _pulled_visit(vid, hid, assists=[
        {"resident_id": None, "topic": "vneid_level2", "outcome": "done", "note": ""}])]
    store.apply_pull(page, cursor=5)
    store.apply_pull(page, cursor=7)
    assert store.cursor() == 7
    assert store.db.execute("SELECT count(*) FROM assists").fetchone()[0] == 1
    assert store.db.execute("SELECT count(*) FROM household_search").fetchone()[0] == 1
    assert _ids(store, "phan van binh") == [hid]


def test_a_page_without_versions_writes_version_0(store):
    hid, vid = new_id(), new_id()
    household, visit = _pulled_household(hid), _pulled_visit(vid, hid)
    area = {"table": "areas", "id": "4", "data": {"level": "village", "name": "Thôn Bốn"}}
    del household["version"], visit["version"]
    store.apply_pull([area, household, visit], 1)
    assert store.household(hid)["version"] == 0 and store.visit(vid)["version"] == 0
    assert store.db.execute("SELECT version FROM areas").fetchone()[0] == 0


def test_a_resident_pulled_alone_is_found_in_its_households_search(store):
    hid, rid = new_id(), new_id()
    store.apply_pull([_pulled_household(hid)], 1)
    store.apply_pull([{"table": "residents", "id": rid, "version": 1, "deleted": False,
                       "data": {"household_id": hid, "full_name": "Trương Thị Yến"}}], 2)
    assert _ids(store, "truong thi yen") == [hid]


def test_a_household_pulled_after_its_visits_gets_their_marks(store):
    """A household edited after its visits comes in a later page than they do (a full pull after 410): it still shows
    as reached, with its topics and its follow-up. Found by mutmut."""
    hid, vid = new_id(), new_id()
    store.apply_pull([_pulled_visit(vid, hid, follow_up_on="2026-12-01", assists=[
        {"resident_id": None, "topic": "vneid_account", "outcome": "done", "note": ""}])], 1)
    store.apply_pull([_pulled_household(hid, version=2)], 2)
    got = store.household(hid)
    assert (got["reached"], got["topics_done"], got["follow_up_on"]) == (True, ["vneid_account"], "2026-12-01")


def test_a_pulled_deletion_hides_the_row(store):
    hid, rid = new_id(), new_id()
    store.apply_pull([_pulled_household(hid), {"table": "residents", "id": rid, "version": 1, "deleted": False,
                                               "data": {"household_id": hid, "full_name": "Mai Văn Dũng"}}], 3)
    store.apply_pull([{"table": "residents", "id": rid, "version": 2, "deleted": True, "data": {}},
                      {"table": "households", "id": hid, "version": 4, "deleted": True, "data": {}}], 4)
    assert store.households() == [] and store.household(hid)["deleted"] and store.household(hid)["version"] == 4
    assert store.resident(rid)["version"] == 2
    assert store.db.execute("SELECT deleted FROM residents WHERE id = ?", (rid,)).fetchone()[0] == 1


def test_local_edits_are_laid_on_top_of_a_pulled_row(store):
    hid = store.save_household({"village_id": VILLAGE, "address": "1", "head_name": "Lý Văn Hai"})
    rid = store.save_resident({"household_id": hid, "full_name": "Lý Thị Ba"})
    _acknowledged(store, hid)
    store.save_household({"phone": "0905 000 111", "address": "2 Hai Bà Trưng"}, id=hid)
    store.save_resident({"has_smartphone": True}, id=rid)
    store.apply_pull([_pulled_household(hid, version=2, head_name="Lý Văn Hai", phone="0905 999 999",
                                        note="đã đổi"),
                      {"table": "residents", "id": rid, "version": 2, "deleted": False,
                       "data": {"household_id": hid, "full_name": "Lý Thị Bốn", "has_smartphone": False}}], 9)
    got = store.household(hid)
    assert (got["phone"], got["note"], got["address"], got["version"]) == ("0905 000 111", "đã đổi",
                                                                           "2 Hai Bà Trưng", 2)
    assert store.resident(rid)["has_smartphone"] is True and store.resident(rid)["full_name"] == "Lý Thị Bốn"
    assert store.db.execute("SELECT has_smartphone FROM residents WHERE id = ?", (rid,)).fetchone()[0] == 1
    assert _ids(store, "ly thi bon") == [hid]


def test_a_full_pull_keeps_only_rows_with_changes_still_to_send(store):
    keep = store.save_household({"village_id": VILLAGE, "address": "1", "head_name": "Giữ Lại"})
    mine = store.save_resident({"household_id": keep, "full_name": "Còn Gửi"})
    vid = store.log_visit(keep, assists=[{"resident_id": mine, "topic": "vneid_account", "outcome": "done"}])
    other, theirs, old_visit = new_id(), new_id(), new_id()
    store.apply_pull([{"table": "areas", "id": "3", "version": 1, "deleted": False,
                       "data": {"parent_id": None, "level": "village", "code": "V", "name": "Thôn"}},
                      _pulled_household(other),
                      {"table": "residents", "id": theirs, "version": 1, "deleted": False,
                       "data": {"household_id": other, "full_name": "Xoá Đi"}},
                      _pulled_visit(old_visit, other, assists=[
                          {"resident_id": theirs, "topic": "vneid_account", "outcome": "done", "note": ""}])], 50)
    store.reset_for_full_pull()
    assert store.cursor() == 0 and store.area_name(3) == ""
    assert [h["id"] for h in store.households()] == [keep] and store.resident(theirs) is None
    assert store.visit(old_visit) is None and store.visit(vid)["assists"][0]["resident_id"] == mine
    assert store.db.execute("SELECT count(*) FROM assists").fetchone()[0] == 1
    assert store.db.execute("SELECT count(*) FROM household_search").fetchone()[0] == 1
    assert _ids(store, "con gui") == [keep] and store.household(keep)["reached"] and store.pending() == 3


def test_mark_synced_remembers_when(store):
    assert store.sync_status()["last_sync_at"] is None
    store.mark_synced()
    assert store.sync_status()["last_sync_at"].endswith("+00:00")


def test_problems_name_the_record_and_the_fields_newest_first(store):
    hid = store.save_household({"village_id": VILLAGE, "address": "7 Kiệt 2", "head_name": "Ngô Thị Hằng"})
    rid = store.save_resident({"household_id": hid, "full_name": "Ngô Văn Lực"})
    vid = store.log_visit(hid, status="not_home", started_at="2026-11-20T09:00:00+07:00")
    batch = store.next_batch()
    refused = {"status": "rejected", "version": None}
    store.apply_push_results(batch, [{**refused, "id": hid, "errors": {"phone": ["Not a phone number."]}},
                                     {**refused, "id": rid, "errors": {"birth_year": ["Must not be in the future."]}},
                                     {**refused, "id": vid, "errors": {"started_at": ["Bad."]}}])
    visit, resident, household = store.problems()
    assert [(p["table"], p["row_id"], p["status"]) for p in (household, resident, visit)] == [
        ("households", hid, "rejected"), ("residents", rid, "rejected"), ("visits", vid, "rejected")]
    assert household["label"] == "Hộ: Ngô Thị Hằng - 7 Kiệt 2" and resident["label"] == "Nhân khẩu: Ngô Văn Lực"
    assert visit["label"] == "Lượt thăm: 20/11/2026 09:00 - Ngô Thị Hằng"
    assert "số điện thoại" in household["message"] and "năm sinh" in resident["message"]
    assert household["errors"] == {"phone": ["Not a phone number."]} and household["at"]
    assert household["id"] < resident["id"] < visit["id"]
    english = store.problems("en")
    assert english[2]["label"] == "Household: Ngô Thị Hằng - 7 Kiệt 2" and "phone" in english[2]["message"]
    assert store.problems("fr")[2]["label"] == household["label"]  # no such language: Vietnamese
    # Records no longer on the tablet are named from the data that was sent.
    for table in ("households", "residents", "visits"):
        store.db.execute(f"DELETE FROM {table}")
    visit, resident, household = store.problems()
    assert household["label"] == "Hộ: Ngô Thị Hằng - 7 Kiệt 2" and resident["label"] == "Nhân khẩu: Ngô Văn Lực"
    assert visit["label"] == "Lượt thăm: 20/11/2026 09:00"
