"""The store's side of a server restore (fieldapp/store/restoring.py), on a sqlite file without a server: the
digest it lists, and how `requeue` puts what the server lacks first in the outbox. The whole recovery against a real
server is in tests/e2e/test_restore.py."""
import json

from tests.fieldapp.test_syncing import VILLAGE, _acknowledged, _outbox, _pulled_household, _pulled_visit

from shared.ids import new_id


def test_the_digest_lists_every_record_in_pages_but_those_waiting_for_their_user(store):
    ids = [store.save_household({"village_id": VILLAGE, "address": f"Số {n}", "head_name": "Lê Văn An"})
           for n in range(5)]
    refused = ids[0]
    batch = store.next_batch()
    store.apply_push_results(batch, [{"id": c["id"], "status": "rejected" if c["id"] == refused else "applied",
                                      "version": 1, "code": "invalid", "errors": {"address": ["x"]}}
                                     for c in batch["changes"]])
    store.apply_pull([_pulled_visit(new_id(), ids[1], deleted=True)], 9)
    pages = list(store.digest_pages(size=2))
    listed = [h["id"] for page in pages for h in page["households"]]
    assert sorted(listed) == sorted(ids[1:]) and len(pages) == 2  # 4 households in pages of 2
    assert all(h["version"] == 1 and h["deleted"] is False for page in pages for h in page["households"])
    assert [v["deleted"] for v in pages[0]["visits"]] == [True] and "visits" not in pages[1]  # a table once done


def test_requeue_puts_the_resent_records_first_whole_and_frees_the_batches_in_flight(store):
    old = store.save_household({"village_id": VILLAGE, "address": "Số 1", "head_name": "Lê Văn An"})
    _acknowledged(store, old, version=3)
    resident = store.save_resident({"household_id": old, "full_name": "Lê Thị Bình", "has_smartphone": True})
    in_flight = store.next_batch()["batch_id"]
    store.save_household({"phone": "0905123456"}, id=old)  # an edit not yet sent, on top of version 3
    other = new_id()
    store.apply_pull([_pulled_household(other, version=2),
                      _pulled_visit(later := new_id(), other, started_at="2026-11-21T09:00:00+07:00"),
                      _pulled_visit(earlier := new_id(), other, deleted=True)], 12)
    store.log_visit(other)  # a visit of this tablet, waiting in the outbox: it stays, after the resent ones
    waiting = _outbox(store)[-1]

    added = store.requeue([{"table": "visits", "id": later, "base_version": 0},
                           {"table": "residents", "id": resident, "base_version": 0},
                           {"table": "visits", "id": earlier, "base_version": 0},
                           {"table": "households", "id": old, "base_version": 2},
                           {"table": "households", "id": other, "base_version": 0}])
    outbox = _outbox(store)
    assert added == 6 and len(outbox) == 7
    assert [(t, i, op, base) for t, i, op, base, _data, _batch in outbox[:6]] == [
        ("households", old, "upsert", 2), ("households", other, "upsert", 0), ("residents", resident, "upsert", 0),
        ("visits", earlier, "upsert", 0), ("visits", earlier, "delete", 0), ("visits", later, "upsert", 0)]
    assert outbox[0][4] == {"village_id": VILLAGE, "address": "Số 1", "head_name": "Lê Văn An",
                            "phone": "0905123456", "note": ""}  # whole, with the edit that was waiting
    assert outbox[2][4]["has_smartphone"] is True and outbox[2][4]["household_id"] == old
    assert outbox[5][4]["household_id"] == other and outbox[5][4]["started_at"] == "2026-11-21T09:00:00+07:00"
    assert outbox[6][:5] == waiting[:5]
    assert all(batch is None for *_rest, batch in outbox) and in_flight not in json.dumps(outbox)
    assert store.next_batch()["changes"][0]["id"] == old


def test_a_deleted_record_is_resent_as_its_delete_only_when_the_server_holds_it(store):
    hid = new_id()
    store.apply_pull([_pulled_household(hid, version=4)], 5)
    store.db.execute("UPDATE households SET deleted = 1 WHERE id = ?", (hid,))
    assert store.requeue([{"table": "households", "id": hid, "base_version": 0}]) == 0
    assert store.requeue([{"table": "households", "id": hid, "base_version": 3}]) == 1
    assert [(t, op, base) for t, _i, op, base, _d, _b in _outbox(store)] == [("households", "delete", 3)]


def test_a_login_to_another_server_forgets_the_database_id(store):
    from fieldapp.sync import ApiClient, SyncEngine

    engine = SyncEngine(store, ApiClient("http://127.0.0.1:9"))
    reply = {"token": "t", "user": {"id": 1}, "scope": {"commune_id": 2, "village_ids": [3]}}
    engine.accept_login("http://127.0.0.1:9", "canbo1", reply)
    store.set_meta(database_id="0193a000-0000-7000-8000-00000000000a")
    engine.accept_login("http://127.0.0.1:9/", "canbo1", reply)  # the same server again
    assert store.database_id() == "0193a000-0000-7000-8000-00000000000a"
    engine.accept_login("http://127.0.0.2:5000", "canbo1", reply)
    assert store.database_id() is None
