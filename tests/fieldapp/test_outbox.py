"""Local changes and the outbox entry each writes, on a sqlite file: what creating, editing and deleting a record
queues for the server, and the account kept beside them."""
import json

import pytest

from fieldapp.store import InvalidData, edits

VILLAGE = 11


def _outbox(store):
    return [(r["table_name"], r["row_id"], r["op"], r["base_version"], json.loads(r["data"]))
            for r in store.db.execute("SELECT * FROM outbox ORDER BY seq")]


def _ids(store, query):
    return [h["id"] for h in store.households(query)]


def _acknowledge(store):
    batch = store.next_batch()
    store.apply_push_results(batch, [{"id": c["id"], "status": "applied", "version": 1} for c in batch["changes"]])


def test_creating_a_record_queues_it_whole_at_version_0(store):
    hid = store.save_household({"village_id": VILLAGE, "address": "3 Phan Chu Trinh", "head_name": "Đinh Văn Hùng",
                                "unknown": "dropped"})
    rid = store.save_resident({"household_id": hid, "full_name": "Đinh Thị Nga", "sex": None})
    assert _outbox(store) == [
        ("households", hid, "upsert", 0, {"village_id": VILLAGE, "address": "3 Phan Chu Trinh",
                                          "head_name": "Đinh Văn Hùng", "phone": "", "note": ""}),
        ("residents", rid, "upsert", 0, {"household_id": hid, "full_name": "Đinh Thị Nga", "phone": ""})]
    assert store.household(hid)["version"] == 0 and store.resident(rid)["version"] == 0
    created = store.db.execute("SELECT created_at FROM outbox").fetchone()[0]
    assert created.endswith("+00:00")  # UTC, whatever the tablet's zone


def test_an_edit_updates_every_changed_field_and_queues_them_against_the_stored_version(store):
    hid = store.save_household({"village_id": VILLAGE, "address": "1", "head_name": "Tạ Văn Long"})
    rid = store.save_resident({"household_id": hid, "full_name": "Tạ Thị Ngọc"})
    _acknowledge(store)
    assert store.save_household({"address": "1", "head_name": "Tạ Văn Long"}, id=hid) == hid  # nothing changed
    assert _outbox(store) == []
    store.save_household({"phone": "0905 222 333", "note": "nhà góc"}, id=hid)
    assert (store.household(hid)["phone"], store.household(hid)["note"]) == ("0905 222 333", "nhà góc")
    assert store.save_resident({"full_name": "Tạ Thị Ngân", "has_smartphone": True}, id=rid) == rid
    assert store.db.execute("SELECT count(*) FROM residents").fetchone()[0] == 1
    assert _outbox(store) == [("households", hid, "upsert", 1, {"phone": "0905 222 333", "note": "nhà góc"}),
                              ("residents", rid, "upsert", 1, {"full_name": "Tạ Thị Ngân", "has_smartphone": True})]
    assert _ids(store, "ta thi ngan") == [hid] and _ids(store, "ta thi ngoc") == []  # the resident's household


def test_deleting_a_resident_queues_a_delete_beside_its_pending_edit(store):
    hid = store.save_household({"village_id": VILLAGE, "address": "1", "head_name": "A"})
    rid = store.save_resident({"household_id": hid, "full_name": "Châu Văn Liêm"})
    _acknowledge(store)
    store.save_resident({"phone": "0905 444 555"}, id=rid)
    store.delete_resident(rid)
    assert _outbox(store) == [("residents", rid, "upsert", 1, {"phone": "0905 444 555"}),
                              ("residents", rid, "delete", 1, {})]
    assert store.household(hid)["residents"] == [] and _ids(store, "chau van liem") == []
    store.delete_resident("no-such-resident")
    assert len(_outbox(store)) == 2


def test_a_visit_keeps_everything_logged_and_queues_it_at_version_0(store):
    store.set_account(user={"id": 7, "full_name": "Cán bộ"})
    hid = store.save_household({"village_id": VILLAGE, "address": "1", "head_name": "A"})
    rid = store.save_resident({"household_id": hid, "full_name": "B"})
    _acknowledge(store)
    vid = store.log_visit(hid, assists=[{"resident_id": rid, "topic": "vneid_account", "outcome": "done"},
                                        {"topic": "scam_awareness", "outcome": "partial", "note": "cả nhà"}],
                          duration_min=25, location={"lat": 16.1, "lon": 108.2, "accuracy_m": 9.5},
                          follow_up_on="2026-12-24", started_at="2026-11-20T09:00:00+07:00")
    sent = {"household_id": hid, "started_at": "2026-11-20T09:00:00+07:00", "duration_min": 25, "status": "met",
            "notes": "", "follow_up_on": "2026-12-24", "lat": 16.1, "lon": 108.2, "accuracy_m": 9.5,
            "replaces_id": None, "assists": [
                {"resident_id": rid, "topic": "vneid_account", "outcome": "done", "note": ""},
                {"resident_id": None, "topic": "scam_awareness", "outcome": "partial", "note": "cả nhà"}]}
    assert _outbox(store) == [("visits", vid, "upsert", 0, sent)]
    saved = store.visit(vid)
    assert saved == {**sent, "id": vid, "official_id": 7, "voided": False, "received_at": None, "version": 0,
                     "pending": True}
    stored = store.db.execute("SELECT started_utc FROM visits WHERE id = ?", (vid,)).fetchone()[0]
    assert stored == "2026-11-20T02:00:00"


def test_the_account_keeps_only_its_known_keys(store):
    store.set_account(server_url="http://s", username="u", user={"id": 1}, scope={"village_ids": [VILLAGE]},
                      device_id="d", token="t", needs_login=True)
    assert store.account() == {"server_url": "http://s", "username": "u", "user": {"id": 1},
                               "scope": {"village_ids": [VILLAGE]}, "device_id": "d", "logged_in": True,
                               "needs_login": True}
    assert store.sync_status() == {"last_sync_at": None, "pending": 0, "problems": 0, "needs_login": True}
    with pytest.raises(TypeError, match=r"unknown account keys: \['password', 'pin'\]"):
        store.set_account(password="x", pin="1")
    store.set_account(token=None, needs_login=None)  # None forgets a key
    assert not store.account()["logged_in"] and not store.account()["needs_login"]
    assert store.get_meta("token", "gone") == "gone"


def test_clearing_keeps_the_device_and_the_server_but_nothing_else(store):
    store.set_account(server_url="http://s", username="u", device_id="d", token="t", user={"id": 1})
    hid = store.save_household({"village_id": VILLAGE, "address": "1", "head_name": "A"})
    store.save_resident({"household_id": hid, "full_name": "B"})
    store.log_visit(hid, assists=[{"topic": "vneid_account", "outcome": "done"}])
    store.apply_pull([{"table": "areas", "id": "1", "version": 1, "data": {"level": "village", "name": "Thôn"}}], 3)
    batch = store.next_batch()
    store.apply_push_results(batch, [{"id": c["id"], "status": "rejected", "errors": {}} for c in batch["changes"]])
    store.clear_all()
    for table in ("areas", "households", "residents", "visits", "assists", "outbox", "problems", "household_search"):
        assert store.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0, table
    assert {r[0] for r in store.db.execute("SELECT key FROM meta")} == {"server_url", "username", "device_id"}


def test_invalid_data_names_its_fields(monkeypatch):
    monkeypatch.setattr(edits, "_SCHEMAS", {})  # the schemas are made at the first check
    with pytest.raises(InvalidData) as err:
        edits.check("households", {"phone": "gọi sau", "village_id": 1})
    assert set(err.value.errors) == {"phone", "address", "head_name"}  # a new record needs its required fields
    assert str(err.value) == f"invalid fields: {', '.join(err.value.errors)}"
    edits.check("households", {"phone": "0905"}, partial=True)
    for table, field in (("residents", "full_name"), ("visits", "started_at")):  # each table has its own schema
        monkeypatch.setattr(edits, "_SCHEMAS", {})
        with pytest.raises(InvalidData) as err:
            edits.check(table, {"household_id": "x"})
        assert field in err.value.errors


def test_a_closed_store_opens_again_on_use(store):
    store.set_account(username="u")
    store.close()
    assert store.account()["username"] == "u"
