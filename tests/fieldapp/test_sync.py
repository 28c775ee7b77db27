"""The sync client against a real server over HTTP: push, pull, lost replies, 401, 410, problems, merges."""
import json
import socket

import pytest

from fieldapp.sync import ApiClient, AuthError, EraseRequired, Retryable


def _dead_url() -> str:
    """A URL where nothing listens: the server is 'down'."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def _household(store, server, name="Nguyễn Văn Ánh", village=None):
    hid = store.save_household({"village_id": village or server.world.a1, "address": "12 Kiệt 3", "head_name": name,
                                "phone": "0912 345 678"})
    rid = store.save_resident({"household_id": hid, "full_name": "Trần Thị Hoa", "birth_year": 1980, "sex": "f"})
    return hid, rid


def test_offline_visits_arrive_after_sync(server, tablet):
    store, engine = tablet(server.world.official)
    engine.run()
    assert {v["id"] for v in store.villages()} == {server.world.a1, server.world.a2}
    engine.client.base_url = _dead_url()
    hid, rid = _household(store, server)
    for outcome in ("done", "partial", "follow_up"):
        store.log_visit(hid, assists=[{"resident_id": rid, "topic": "vneid_account", "outcome": outcome}])
    with pytest.raises(Retryable):
        engine.run()
    assert store.sync_status()["pending"] == 5
    engine.client.base_url = server.url
    result = engine.run()
    assert result["pushed"] == {"applied": 5}
    assert store.sync_status()["pending"] == 0 and store.sync_status()["last_sync_at"]
    assert server.count("visits") == 3 and server.count("assists") == 3 and server.count("residents") == 1
    assert store.household(hid)["version"] == 1
    assert result["bytes_up"] > 0 and result["bytes_down"] > 0


def test_lost_reply_is_resent_with_same_batch_and_lands_once(server, proxy, tablet):
    store, engine = tablet(server.world.official, url=proxy.url)
    hid, rid = _household(store, server)
    visit = store.log_visit(hid, assists=[{"resident_id": rid, "topic": "cashless_payment", "outcome": "done"}])
    proxy.drop_next_reply()
    with pytest.raises(Retryable):
        engine.run()
    assert proxy.dropped == 1
    # The server committed the batch though the tablet never heard back; the entries keep their batch_id.
    assert server.count("visits") == 1 and server.count("sync_batches") == 1
    assert store.sync_status()["pending"] == 3
    result = engine.run()
    assert result["pushed"] == {"applied": 3}  # the stored reply, not a second write
    assert server.count("visits") == 1 and server.count("households") == 1 and server.count("sync_batches") == 1
    assert store.sync_status()["pending"] == 0 and store.visit(visit)["version"] == 1


def test_401_mid_sync_keeps_outbox_and_relogin_delivers_everything(server, tablet):
    store, engine = tablet(server.world.official)
    hid, rid = _household(store, server)
    for _ in range(248):
        store.log_visit(hid, status="not_home")
    reset = []

    def reset_password_after_first_batch(phase, done, total):
        if phase == "push" and done == 100 and not reset:
            server.reset_password(server.world.official, "một-mật-khẩu-mới-7")
            reset.append(True)
    with pytest.raises(AuthError) as err:
        engine.run(progress=reset_password_after_first_batch)
    assert not isinstance(err.value, EraseRequired) and err.value.code == "unauthorized"
    assert store.sync_status()["pending"] == 150
    assert store.account()["needs_login"] and not store.account()["logged_in"]
    engine.login(server.url, server.world.official, "một-mật-khẩu-mới-7")
    assert engine.run()["pushed"] == {"applied": 150}
    assert server.count("visits") == 248 and server.count("households") == 1
    assert store.sync_status() == {**store.sync_status(), "pending": 0, "needs_login": False}


@pytest.mark.parametrize("how", ["revoked", "disabled"])
def test_an_erase_order_mid_sync_stops_the_push_at_once(server, tablet, how):
    store, engine = tablet(server.world.official)
    hid, _ = _household(store, server)
    for _ in range(248):
        store.log_visit(hid, status="not_home")
    ordered = []

    def order_after_first_batch(phase, done, total):
        if phase == "push" and done == 100 and not ordered:
            (server.revoke if how == "revoked" else server.disable)(server.world.official)
            ordered.append(True)
    with pytest.raises(EraseRequired) as err:
        engine.run(progress=order_after_first_batch)
    assert err.value.reason == how and err.value.status == 401
    assert server.count("visits") == 98  # the first batch (a household, a resident, 98 visits), nothing after
    assert store.pending() == 150 and engine.client.token  # the core erases; the engine only stops


def test_rejections_and_conflicts_are_kept_per_record(server, tablet):
    store, engine = tablet(server.world.official)
    engine.run()
    good, rid = _household(store, server)
    outside, _ = _household(store, server, name="Lê Thị Bé", village=server.world.b1)
    store.log_visit(good, status="not_home")
    other, other_engine = tablet(server.world.official)
    taken = store.log_visit(good, assists=[{"resident_id": rid, "topic": "digital_skills", "outcome": "done"}])
    engine.run()
    # Another tablet pushes a different visit under an id the server already holds.
    with other.write() as db:
        other._queue(db, "visits", taken, {"household_id": good, "started_at": "2026-01-02T09:00:00+07:00",
                                           "status": "not_home", "assists": []}, 0)
    other_engine.run()
    problems = store.problems("en")  # newest first
    assert [(p["table"], p["status"]) for p in problems] == [("residents", "rejected"), ("households", "rejected")]
    # The reason comes from the result's code; a server without codes yet gives the fallback "invalid".
    assert problems[1]["code"] in ("outside_scope", "invalid") and "Lê Thị Bé" in problems[1]["label"]
    assert "village" in problems[1]["fields"]
    assert problems[0]["code"] in ("not_found", "invalid") and "household" in problems[0]["fields"]
    assert store.household(outside)["head_name"] == "Lê Thị Bé"  # the local data is kept
    assert store.sync_status()["pending"] == 0 and store.sync_status()["problems"] == 2
    conflict = other.problems("vi")
    assert [(p["table"], p["status"], p["row_id"]) for p in conflict] == [("visits", "conflict", taken)]
    assert conflict[0]["code"] in ("id_taken", "invalid") and conflict[0]["action"]
    assert server.count("visits") == 2


def test_two_tablets_editing_one_household_converge(server, tablet):
    a, engine_a = tablet(server.world.official)
    b, engine_b = tablet(server.world.leader)
    hid, _ = _household(a, server)
    engine_a.run()
    engine_b.run()
    assert b.household(hid)["head_name"] == "Nguyễn Văn Ánh"
    a.save_household({"phone": "0987 000 111"}, id=hid)
    b.save_household({"address": "14 Kiệt 3", "note": "cổng xanh"}, id=hid)
    a.save_household({"note": "nhà có chó"}, id=hid)
    engine_a.run()
    result = engine_b.run()
    assert result["pushed"] == {"merged": 1}
    engine_a.run()
    fields = ("phone", "address", "note", "version")
    assert {f: a.household(hid)[f] for f in fields} == {f: b.household(hid)[f] for f in fields} == {
        "phone": "0987 000 111", "address": "14 Kiệt 3", "note": "cổng xanh", "version": 3}
    # the note changed on both sides: the later-received value won, the other is kept on the server for review
    rows = server.query("SELECT field, lost_value FROM conflicts")
    assert [(field, json.loads(lost)) for field, lost in rows] == [("note", "nhà có chó")]


def test_local_edit_survives_a_pull_and_reset(server, tablet):
    a, engine_a = tablet(server.world.official)
    b, engine_b = tablet(server.world.leader)
    hid, _ = _household(a, server)
    engine_a.run()
    engine_b.run()
    b.save_household({"phone": "0900 000 001"}, id=hid)
    engine_b.run()
    a.save_household({"address": "99 Lê Lợi"}, id=hid)
    engine_a._pull(lambda *args: None)  # a pull while the edit waits in the outbox
    assert a.household(hid)["address"] == "99 Lê Lợi" and a.household(hid)["phone"] == "0900 000 001"
    server.set_villages(server.world.official, [server.world.a1])  # scope change: the next pull gets 410
    a.save_household({"note": "sau khi đổi thôn"}, id=hid)
    engine_a.run()
    assert server.count("households", "address = '99 Lê Lợi' AND note = 'sau khi đổi thôn'") == 1
    assert {v["id"] for v in a.villages()} >= {server.world.a1}
    assert a.household(hid)["address"] == "99 Lê Lợi" and a.sync_status()["pending"] == 0


def test_a_household_moved_to_another_village_leaves_the_tablets_that_no_longer_serve_it(server, tablet):
    a, engine_a = tablet(server.world.official)  # villages A1 and A2
    c, engine_c = tablet(server.world.official2)  # village A3
    b, engine_b = tablet(server.world.leader)
    hid, rid = _household(a, server)
    a.log_visit(hid, status="met", assists=[{"resident_id": rid, "topic": "vneid_account", "outcome": "done"}])
    engine_a.run()
    engine_c.run()
    engine_b.run()
    assert c.household(hid) is None
    b.save_household({"village_id": server.world.a3}, id=hid)
    engine_b.run()
    engine_a.run()  # 410: its scope is pulled again from zero, without the household
    engine_c.run()
    assert a.household(hid) is None and a.db.execute("SELECT count(*) FROM residents").fetchone()[0] == 0
    moved = c.household(hid)
    assert moved["village_id"] == server.world.a3 and [r["id"] for r in moved["residents"]] == [rid]
    assert len(moved["visits"]) == 1 and moved["topics_done"] == ["vneid_account"]


def test_client_counts_bytes_and_gzips_large_bodies(server):
    client = ApiClient(server.url, device_id=None, retries=0)
    with pytest.raises(AuthError):
        client.pull(0)
    assert client.bytes_down > 0 and client.bytes_up == 0
    assert client.probe() and not ApiClient(_dead_url()).probe()
