"""Sync problems: a refused record never blocks the outbox, never disappears, reads in plain words from its code, and
leaves only when the official fixes it (sent again as a new change) or discards it on purpose.

The store tests feed `apply_push_results` the results a server sends (with and without `code`); the others push to a
real server on 127.0.0.1 (tests/fieldapp/conftest.py).
"""
import json

import pytest

from fieldapp.store import InvalidData
from shared.vocab import REJECT_CODES, label


def _outbox(store):
    return [(r["table_name"], r["op"], r["base_version"], json.loads(r["data"]), r["batch_id"])
            for r in store.db.execute("SELECT * FROM outbox ORDER BY seq")]


def _answer(store, *results):
    """Send the outbox as one batch and apply `results` (one per change, in order; None: applied)."""
    batch = store.next_batch()
    reply = []
    for change, result in zip(batch["changes"], results):
        base = {"table": change["table"], "id": change["id"], "status": "applied", "version": 1, "errors": None,
                "current": None}
        reply.append({**base, **(result or {})})
    return store.apply_push_results(batch, reply)


REFUSED = {"status": "rejected", "version": None}


def test_a_refused_record_leaves_the_outbox_keeps_its_data_and_reads_from_its_code(store):
    outside = store.save_household({"village_id": 9, "address": "4 Kiệt 7", "head_name": "Lê Thị Bé"})
    good = store.save_household({"village_id": 1, "address": "1 Hùng Vương", "head_name": "Lê Văn Tám"})
    assert _answer(store, {**REFUSED, "code": "outside_scope", "errors": {"village_id": ["Outside your villages."]}},
                   None) == {"rejected": 1, "applied": 1}
    assert _outbox(store) == [] and store.sync_status()["problems"] == 1
    (vi,) = store.problems("vi")
    assert vi["code"] == "outside_scope" and vi["row_id"] == outside and vi["household_id"] == outside
    assert vi["message"].startswith(label(REJECT_CODES, "outside_scope", "vi") + ": thôn.")
    assert "Outside your villages" not in vi["message"]  # the server's English is for developers
    assert vi["label"] == "Hộ: Lê Thị Bé - 4 Kiệt 7" and vi["can_fix"] and "thôn" in vi["action"]
    (en,) = store.problems("en")
    assert en["message"].startswith("Outside your villages: village.") and en["label"].startswith("Household:")
    assert store.household(outside)["head_name"] == "Lê Thị Bé" and store.household(good)["version"] == 1


def test_without_a_code_the_reason_is_invalid_and_nested_fields_are_named(store):
    hid = store.save_household({"village_id": 1, "address": "1", "head_name": "A"})
    rid = store.save_resident({"household_id": hid, "full_name": "Trần Văn Bình", "birth_year": 1990})
    store.log_visit(hid, assists=[{"resident_id": rid, "topic": "vneid_account", "outcome": "done"}])
    _answer(store, None, {**REFUSED, "errors": {"birth_year": ["Too old."]}},
            {**REFUSED, "code": "from_a_newer_server", "errors": {"assists": {"0": {"resident_id": ["No."]}}}})
    visit, resident = store.problems("vi")
    assert resident["code"] == "invalid" and resident["message"].startswith("Dữ liệu chưa hợp lệ: năm sinh.")
    assert resident["label"] == "Nhân khẩu: Trần Văn Bình" and resident["household_id"] == hid
    # An unknown code is kept as sent, and explained as the general "invalid".
    assert visit["code"] == "from_a_newer_server" and visit["reason"] == label(REJECT_CODES, "invalid", "vi")
    assert visit["fields"] == ["nội dung hỗ trợ"]


def test_a_refused_edit_survives_pulls_and_resets_until_fixed_and_sent_as_a_new_change(store):
    hid = store.save_household({"village_id": 1, "address": "1", "head_name": "A"})
    _answer(store, None)
    store.save_household({"village_id": 9, "phone": "0905 111 222"}, id=hid)
    _answer(store, {**REFUSED, "code": "outside_scope", "errors": {"village_id": ["Outside your villages."]}})
    # Another official's note arrives: the server's row, with this tablet's refused values still on top.
    store.apply_pull([{"table": "households", "id": hid, "version": 2, "deleted": False,
                       "data": {"village_id": 1, "address": "1", "head_name": "A", "note": "cổng xanh"}}], 5)
    row = store.household(hid)
    assert (row["village_id"], row["phone"], row["note"], row["version"]) == (9, "0905 111 222", "cổng xanh", 2)
    store.reset_for_full_pull()  # a 410 keeps what waits for the official
    assert store.household(hid) is not None and len(store.problems()) == 1
    # The fix: the official picks the right village and saves; the phone, refused with it, goes along.
    store.save_household({"village_id": 2}, id=hid)
    assert [e[:4] for e in _outbox(store)] == [("households", "upsert", 2, {"village_id": 2, "phone": "0905 111 222"})]
    assert store.problems() == [] and store.sync_status()["problems"] == 0


def test_saving_a_refused_record_unchanged_sends_it_again_and_a_new_one_goes_whole(store):
    hid = store.save_household({"village_id": 1, "address": "1", "head_name": "A", "phone": "0905 111 222"})
    _answer(store, {**REFUSED, "code": "not_found", "errors": {"village_id": ["No such village."]}})
    store.save_household({"village_id": 1, "address": "1", "head_name": "A"}, id=hid)  # nothing changed
    assert [e[:4] for e in _outbox(store)] == [("households", "upsert", 0, {
        "village_id": 1, "address": "1", "head_name": "A", "phone": "0905 111 222", "note": ""})]
    _answer(store, {**REFUSED, "code": "invalid", "errors": {"phone": ["Bad."]}})
    with pytest.raises(InvalidData):  # a correction the server would refuse again is not saved
        store.save_household({"phone": "gọi sau"}, id=hid)
    assert len(store.problems()) == 1 and _outbox(store) == []


def test_an_edit_ahead_of_the_servers_version_goes_again_against_version_0(store):
    hid = store.save_household({"village_id": 1, "address": "1", "head_name": "A"})
    _answer(store, None)
    store.apply_pull([{"table": "households", "id": hid, "version": 7, "deleted": False,
                       "data": {"village_id": 1, "address": "1", "head_name": "A"}}], 3)
    store.save_household({"note": "cổng xanh"}, id=hid)
    assert _outbox(store)[0][2] == 7
    _answer(store, {**REFUSED, "code": "version_ahead", "errors": {"base_version": ["Newer than 5."]}})
    store.save_household({"note": "cổng xanh"}, id=hid)  # "save to send it again"
    assert [e[:4] for e in _outbox(store)] == [("households", "upsert", 0, {"note": "cổng xanh"})]


def test_discarding_a_record_the_server_never_stored_removes_it_from_the_tablet(store):
    hid = store.save_household({"village_id": 9, "address": "4", "head_name": "Lê Thị Bé"})
    batch = store.next_batch()
    store.save_household({"note": "sửa khi đang gửi"}, id=hid)  # queued while the first change was on its way
    store.apply_push_results(batch, [{"table": "households", "id": hid, "status": "rejected", "code": "outside_scope",
                                      "errors": {"village_id": ["Outside."]}}])
    assert [e[0] for e in _outbox(store)] == ["households"]
    (problem,) = store.problems()
    store.discard_problem(problem["id"])
    assert store.household(hid) is None and _outbox(store) == [] and store.problems() == []
    assert store.get_meta("repull") is None  # nothing of it is on the server to pull back
    dealt = store.db.execute("SELECT dismissed, resolved_at FROM problems").fetchone()
    assert dealt[0] == 1 and dealt[1]  # kept in the file as discarded, with when


def test_discarding_a_refused_edit_pulls_the_servers_rows_again(store):
    hid = store.save_household({"village_id": 1, "address": "1", "head_name": "A"})
    _answer(store, None)
    store.apply_pull([], 40)
    store.save_household({"head_name": "A sai"}, id=hid)
    _answer(store, {**REFUSED, "code": "deleted", "errors": {"id": ["This record was deleted."]}})
    (problem,) = store.problems()
    assert not problem["can_fix"]  # a deleted record cannot be fixed here: ask the leader, or discard
    store.discard_problem(problem["id"])
    assert store.get_meta("repull") is True and store.cursor() == 40
    assert store.pull_start() == 0 and store.get_meta("repull") is None and store.pull_start() == 0


def test_a_refused_visit_is_corrected_in_its_place_at_its_first_time(store):
    hid = store.save_household({"village_id": 1, "address": "1", "head_name": "A"})
    first = store.log_visit(hid, status="not_home", started_at="2026-03-01T08:00:00+07:00")
    _answer(store, None, None)
    wrong = store.log_visit(hid, replaces_id=first, started_at="2026-03-01T08:00:00+07:00",
                            assists=[{"topic": "vneid_account", "outcome": "done"}])
    assert store.visit(first)["voided"]
    _answer(store, {"status": "conflict", "code": "id_taken", "errors": {"id": ["Taken."]}})
    fixed = store.log_visit(hid, replaces_id=wrong, assists=[{"topic": "vneid_account", "outcome": "partial"}])
    assert store.visit(wrong) is None and store.problems() == []
    ((table, op, base, data, _),) = _outbox(store)
    # It replaces what the refused one meant to replace, and keeps the time the visit really happened.
    assert (table, data["replaces_id"], data["started_at"]) == ("visits", first, "2026-03-01T08:00:00+07:00")
    assert store.visit(fixed)["assists"][0]["outcome"] == "partial" and store.visit(first)["voided"]


def test_a_visit_whose_id_is_taken_keeps_what_was_sent_though_a_pull_brings_the_other(store):
    hid = store.save_household({"village_id": 1, "address": "1", "head_name": "A"})
    _answer(store, None)
    mine = store.log_visit(hid, notes="của tôi", duration_min=20, assists=[{"topic": "vneid_account",
                                                                            "outcome": "done"}])
    _answer(store, {"status": "conflict", "code": "id_taken", "errors": {"id": ["Taken."]}})
    store.apply_pull([{"table": "visits", "id": mine, "version": 1, "deleted": False, "data": {
        "household_id": hid, "started_at": "2026-01-02T09:00:00+07:00", "status": "not_home", "notes": "",
        "assists": []}}], 9)
    sent = store.refused_visit(mine)
    assert (sent["notes"], sent["duration_min"], sent["assists"][0]["outcome"]) == ("của tôi", 20, "done")
    assert store.visit(mine)["status"] == "not_home"  # the server's visit under that id
    fixed = store.log_visit(hid, replaces_id=mine, notes="của tôi", assists=sent["assists"])
    assert store.visit(mine)["status"] == "not_home" and not store.visit(mine)["voided"]  # not ours to drop
    ((_, _, _, data, _),) = _outbox(store)
    assert data["replaces_id"] is None and store.visit(fixed)["notes"] == "của tôi"
    assert store.refused_visit(mine) is None and store.problems() == []


def test_discarding_a_refused_correction_brings_the_original_back(store):
    hid = store.save_household({"village_id": 1, "address": "1", "head_name": "A"})
    first = store.log_visit(hid, assists=[{"topic": "vneid_account", "outcome": "done"}])
    _answer(store, None, None)
    wrong = store.log_visit(hid, replaces_id=first, status="not_home")
    assert store.household(hid)["reached"] is False
    _answer(store, {**REFUSED, "code": "not_owner", "errors": {"id": ["Only its official."]}})
    (problem,) = store.problems("en")
    assert problem["reason"] == "Only its official or a leader may void it" and not problem["can_fix"]
    store.discard_problem(problem["id"])
    assert store.visit(wrong) is None and not store.visit(first)["voided"]
    assert store.household(hid)["reached"] is True and store.household(hid)["topics_done"] == ["vneid_account"]


def test_migrating_an_old_problem_row_reads_it_as_invalid(tmp_path):
    import sqlite3

    from fieldapp.store import Store
    from fieldapp.store.schema import MIGRATIONS
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    for step, script in enumerate(MIGRATIONS[:2]):
        conn.executescript(f"BEGIN; {script}; PRAGMA user_version = {step + 1}; COMMIT;")
    conn.execute("INSERT INTO problems (table_name, row_id, status, errors, data, at) VALUES "
                 "('households', 'h1', 'rejected', '{\"phone\": [\"Bad.\"]}', '{\"head_name\": \"B\"}', '2026-01-01')")
    conn.commit()
    conn.close()
    store = Store(path)
    try:
        (problem,) = store.problems()
        assert problem["code"] == "invalid" and problem["fields"] == ["số điện thoại"]
        assert problem["label"] == "Hộ: B"
    finally:
        store.close()


# --- against a real server ------------------------------------------------------------------------------------------
def test_refused_records_do_not_block_and_are_fixed_by_saving_them_again(server, tablet):
    store, engine = tablet(server.world.official)
    engine.run()
    outside = store.save_household({"village_id": server.world.b1, "address": "4 Kiệt 7", "head_name": "Lê Thị Bé"})
    rid = store.save_resident({"household_id": outside, "full_name": "Lê Văn Cò", "birth_year": 2001})
    good = store.save_household({"village_id": server.world.a1, "address": "1", "head_name": "Hồ Văn Tư"})
    visit = store.log_visit(good, status="not_home")
    assert engine.run()["pushed"] == {"rejected": 2, "applied": 2}
    assert store.pending() == 0 and server.count("visits") == 1
    assert {p["row_id"] for p in store.problems()} == {outside, rid}
    # A 410 later: the refused records stay on the tablet with the outbox.
    store.reset_for_full_pull()
    engine.run()
    assert store.household(outside)["head_name"] == "Lê Thị Bé" and store.resident(rid) is not None
    # The fix: the right village, then the resident saved unchanged: both go as new changes and are applied.
    store.save_household({"village_id": server.world.a2}, id=outside)
    store.save_resident({"full_name": "Lê Văn Cò"}, id=rid)
    assert engine.run()["pushed"] == {"applied": 2}
    assert store.problems() == [] and store.pending() == 0
    assert sorted(server.query("SELECT village_id, head_name FROM households")) == [
        (server.world.a1, "Hồ Văn Tư"), (server.world.a2, "Lê Thị Bé")]
    assert server.count("residents") == 1 and store.visit(visit)["version"] == 1


def test_a_discarded_edit_gets_the_servers_values_back(server, tablet):
    store, engine = tablet(server.world.official)
    hid = store.save_household({"village_id": server.world.a1, "address": "1", "head_name": "Hồ Văn Tư"})
    engine.run()
    store.save_household({"village_id": server.world.b1, "note": "chuyển sang xã khác"}, id=hid)
    assert engine.run()["pushed"] == {"rejected": 1}
    assert store.household(hid)["village_id"] == server.world.b1  # kept until the official decides
    (problem,) = store.problems()
    store.discard_problem(problem["id"])
    engine.run()
    row = store.household(hid)
    assert (row["village_id"], row["note"], row["version"]) == (server.world.a1, "", 1)
    assert store.problems() == [] and store.pending() == 0 and server.count("households") == 1
