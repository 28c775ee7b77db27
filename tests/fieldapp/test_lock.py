"""The PIN lock and the remote erase through Core, against a real server on 127.0.0.1 (no window).

The wrong-PIN waits are read on a clock the test moves (Core(clock=...)): the waits are real, only time is not.
"""
import json

import pytest

from fieldapp import config, lock
from fieldapp.core import Core
from fieldapp.store import cipher
from fieldapp.sync import ApiClient
from tests.fieldapp.test_core import PIN, _wait, set_pin, unlock

NEW_PIN = "907152"


def login(core, server, password=None):
    done = []
    core.login(server.url, server.world.official, password or server.password, on_done=done.append)
    assert _wait(lambda: done, timeout=30), "no login outcome"
    return done[0]


def user_files(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("user-") or p.name == "last_user.txt")


class Clock:
    def __init__(self):
        self.now = 1_900_000_000.0

    def __call__(self):
        return self.now


def test_set_pin_refuses_anything_but_six_plain_digits():
    for bad in ("", "12345", "1234567", "12a456", "١٢٣٤٥٦", "12 456"):
        assert lock.pin_problem(bad) == "length", bad
    for simple in ("000000", "777777", "123456", "456789", "987654"):
        assert lock.pin_problem(simple) == "simple", simple
    assert lock.pin_problem(PIN) is None and lock.pin_problem("120000") is None


def test_wrong_pins_wait_longer_and_the_tenth_needs_the_password_online_keeping_outbox_and_problems(server,
                                                                                                      tmp_path):
    clock, data = Clock(), tmp_path / "data"
    core = Core(data, auto_sync=False, clock=clock, client_factory=lambda url: ApiClient(url, retries=0))
    assert core.state == "login"
    assert login(core, server)["ok"] and core.state == "set_pin"
    with pytest.raises(ValueError):
        core.set_pin("123456")
    assert set_pin(core)["ok"] and core.state == "open"
    core.engine.run()
    # One refused household (outside the official's villages) becomes a problem; three changes wait in the outbox.
    core.save_household({"village_id": server.world.b1, "address": "1", "head_name": "Lê Thị Bé"})
    core.engine.run()
    assert len(core.store.problems()) == 1
    hid = core.save_household({"village_id": server.world.a1, "address": "12 Kiệt 3", "head_name": "Hồ Văn Nam"})
    core.log_visit(hid, status="not_home")
    core.log_visit(hid, status="not_home")
    outbox = [tuple(r) for r in core.store.db.execute("SELECT seq, table_name, row_id, data FROM outbox")]
    assert len(outbox) == 3

    assert core.lock() and core.state == "locked"
    assert _wait(lambda: core.store is None), "lock did not close the store"
    outcomes = [unlock(core, "111000") for _ in range(3)]
    assert [(o["kind"], o["left"], o["wait"]) for o in outcomes] == [("wrong_pin", 9, 0), ("wrong_pin", 8, 0),
                                                                     ("wrong_pin", 7, 0)]
    fourth = unlock(core, "111000")
    assert fourth["kind"] == "wrong_pin" and fourth["wait"] == 30 and "30" in fourth["message"]
    assert unlock(core, PIN)["kind"] == "wait"  # even the right PIN waits: it is not tried
    core.stop()

    # A restart does not reset the count nor the wait: both are in the key file.
    core = Core(data, auto_sync=False, clock=clock, client_factory=lambda url: ApiClient(url, retries=0))
    assert core.state == "locked" and core.pin_state()["fails"] == 4 and core.pin_state()["wait"] == 30
    assert unlock(core, PIN)["kind"] == "wait"
    waits = []
    for _ in range(5):
        clock.now += core.pin_state()["wait"] + 1
        waits.append(unlock(core, "111000")["wait"])
    assert waits == [60, 120, 240, 480, 960]
    clock.now += 961
    tenth = unlock(core, "111000")
    assert tenth["kind"] == "locked_out" and core.state == "locked_out"
    assert json.loads(config.key_path(server.world.official, data).read_text())["pin"] is None
    clock.now += 10 ** 6
    assert unlock(core, PIN)["kind"] == "locked_out"  # the right PIN no longer opens it, however long one waits
    core.stop()

    core = Core(data, auto_sync=False, clock=clock, client_factory=lambda url: ApiClient(url, retries=0))
    assert core.state == "locked_out"
    assert login(core, server, "sai-mật-khẩu")["kind"] == "bad_credentials" and core.state == "locked_out"
    assert login(core, server)["ok"] and core.state == "set_pin"  # the device key opened it
    assert [tuple(r) for r in core.store.db.execute("SELECT seq, table_name, row_id, data FROM outbox")] == outbox
    assert len(core.store.problems()) == 1
    assert set_pin(core, NEW_PIN)["ok"] and core.lock()
    assert unlock(core, PIN)["kind"] == "wrong_pin"  # the old PIN is gone with its wrap
    assert unlock(core, NEW_PIN)["ok"] and core.pin_state()["fails"] == 0
    result = core.engine.run()
    assert result["pushed"] == {"applied": 3} and server.count("visits") == 2
    core.stop()


def test_forgot_pin_login_without_any_wrong_pin_resets_it(server, tmp_path):
    core = Core(tmp_path / "data", auto_sync=False)
    assert login(core, server)["ok"] and set_pin(core)["ok"]
    hid = core.save_household({"village_id": server.world.a1, "address": "3", "head_name": "Đỗ Thị Mai"})
    core.lock()
    assert login(core, server)["ok"] and core.state == "set_pin"
    assert core.store.household(hid)["head_name"] == "Đỗ Thị Mai" and core.store.pending() == 1
    assert set_pin(core, NEW_PIN)["ok"]
    core.stop()


def test_lock_forgets_the_key_and_the_store_cannot_be_used_until_unlocked(server, tmp_path):
    core = Core(tmp_path / "data", auto_sync=False)
    assert login(core, server)["ok"] and set_pin(core)["ok"]
    store = core.store
    assert core.lock()
    assert _wait(lambda: core.store is None)
    with pytest.raises(Exception):
        store.households()  # the closed store has forgotten its key: no connection opens again
    assert not core.lock() and core.state == "locked"
    core.stop()


@pytest.mark.parametrize("how", ["revoked", "disabled"])
def test_an_erase_order_erases_every_file_of_the_user_and_the_server_hears_of_it(server, tmp_path, how):
    data = tmp_path / "data"
    core = Core(data, first_backoff=0.1, client_factory=lambda url: ApiClient(url, retries=0))
    outcomes = []
    core.on_sync_done = outcomes.append
    assert login(core, server)["ok"] and set_pin(core)["ok"]
    assert _wait(lambda: core.status()["last_sync_at"] and not core.syncing)
    hid = core.save_household({"village_id": server.world.a1, "address": "9", "head_name": "Phan Thị Gái"})
    assert _wait(lambda: server.count("households") == 1 and core.status()["pending"] == 0)
    assert user_files(data) == sorted([f"user-{server.world.official}.sqlite3", f"user-{server.world.official}"
                                       ".sqlite3-shm", f"user-{server.world.official}.sqlite3-wal",
                                       f"user-{server.world.official}.sqlite3.key", "last_user.txt"])
    (server.revoke if how == "revoked" else server.disable)(server.world.official)
    core.log_visit(hid, status="not_home")  # asks for a sync: the server answers with the erase order
    assert _wait(lambda: [o for o in outcomes if o["kind"] == "erased"]), "no erase"
    assert core.state == "erased" and user_files(data) == []
    assert core.store is None and core.erased == {"reason": how, "lost": 1}
    assert [o["reason"] for o in outcomes if o["kind"] == "erased"] == [how]
    assert server.count("visits") == 0  # the visit made after the order never left
    assert server.count("devices", "erased_at IS NOT NULL AND token_hash IS NULL") == 1
    core.stop()
    assert Core(data, auto_sync=False).state == "login"


def test_a_locked_tablet_revoked_while_away_starts_a_new_store_at_its_next_login(server, tmp_path):
    data = tmp_path / "data"
    core = Core(data, auto_sync=False)
    assert login(core, server)["ok"] and set_pin(core)["ok"]
    core.save_household({"village_id": server.world.a1, "address": "2", "head_name": "Ngô Thị Lụa"})
    old_key = config.key_path(server.world.official, data).read_bytes()
    core.lock()
    server.revoke(server.world.official)  # the tablet was away: it never heard of the order
    # The official logs in again: the server clears the order and gives a new device key, which opens nothing.
    assert login(core, server)["ok"] and core.state == "set_pin"
    assert core.store.households() == [] and core.store.pending() == 0
    assert config.key_path(server.world.official, data).read_bytes() != old_key
    assert not cipher.is_plain(config.db_path(server.world.official, data))
    core.stop()
