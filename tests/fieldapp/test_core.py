"""Core, the screens' entry point, without any window: login, auto-sync on its worker thread, offline backoff."""
import socket
import threading
import time

from fieldapp import core as core_module
from fieldapp.core import Core
from fieldapp.sync import ApiClient


def _wait(predicate, timeout=15.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return False


PIN = "428613"


def set_pin(core, pin=PIN):
    """core.set_pin on its worker, waited for; returns the outcome."""
    done = []
    core.set_pin(pin, on_done=done.append)
    assert _wait(lambda: done, timeout=30), "set_pin did not finish"
    return done[0]


def unlock(core, pin=PIN):
    """core.unlock on its worker, waited for; returns the outcome."""
    done = []
    core.unlock(pin, on_done=done.append)
    assert _wait(lambda: done, timeout=30), "unlock did not finish"
    return done[0]


def test_login_then_visit_syncs_on_the_worker_thread(server, tmp_path):
    core = Core(tmp_path / "data")
    threads, outcomes = set(), []
    core.on_sync_done = lambda outcome: (outcomes.append(outcome), threads.add(threading.current_thread().name))
    logins = []
    core.login(server.url, server.world.official, "wrong password", on_done=logins.append)
    assert _wait(lambda: logins)
    assert logins[0]["ok"] is False and logins[0]["kind"] == "bad_credentials"
    core.login(server.url, server.world.official, server.password, on_done=logins.append)
    assert _wait(lambda: len(logins) == 2) and logins[1]["ok"]
    assert _wait(lambda: outcomes and core.store.villages())
    hid = core.store.save_household({"village_id": server.world.a1, "address": "5 Kiệt 1", "head_name": "Hồ Thị Lan"})
    core.log_visit(hid, status="not_home")
    assert _wait(lambda: server.count("visits") == 1 and core.status()["pending"] == 0)
    assert threads == {"doorstep-sync"}
    assert core.status()["online"] is True
    assert set_pin(core)["ok"] and core.state == "open"
    core.stop()
    # a new Core starts on the last user's store, locked; the PIN opens it: offline work goes on after a restart
    again = Core(tmp_path / "data", auto_sync=False)
    assert again.state == "locked" and again.store is None
    assert unlock(again)["ok"] and again.state == "open"
    assert again.store.households("ho thi lan")[0]["id"] == hid
    again.stop()


def test_a_login_shut_by_the_server_says_for_how_long_at_once(server, tmp_path):
    core = Core(tmp_path / "data", auto_sync=False)
    logins = []
    for n in range(6):
        core.login(server.url, server.world.official, "wrong password", on_done=logins.append)
        assert _wait(lambda: len(logins) == n + 1)
    started = time.monotonic()
    core.login(server.url, server.world.official, server.password, on_done=logins.append)
    assert _wait(lambda: len(logins) == 7, timeout=5)
    assert time.monotonic() - started < 5  # not slept on and retried: the server asked for minutes
    assert [o["kind"] for o in logins] == ["bad_credentials"] * 5 + ["too_many_logins"] * 2
    assert logins[-1]["minutes"] == 15 and not logins[-1]["ok"]
    core.stop()


def test_offline_backs_off_then_delivers_when_the_server_returns(server, tmp_path):
    core = Core(tmp_path / "data", first_backoff=0.1, client_factory=lambda url: ApiClient(url, retries=0))
    done = []
    core.login(server.url, server.world.official, server.password, on_done=done.append)
    assert _wait(lambda: done and done[0]["ok"] and core.status()["last_sync_at"] and not core.syncing)
    server.pause()  # the server is unreachable from now on
    hid = core.save_household({"village_id": server.world.a1, "address": "7", "head_name": "Vũ Văn Nam"})
    core.log_visit(hid, status="not_home")
    assert _wait(lambda: core.status()["online"] is False and core._fails >= 2)
    assert core.status()["pending"] == 2 and core.status()["error"] == "offline"
    server.resume()  # the signal is back: the worker's probe finds it by itself
    assert _wait(lambda: core.status()["pending"] == 0 and core.status()["online"] is True)
    assert server.count("visits") == 1
    core.stop()


def test_login_starts_a_sync_at_once(server, tmp_path):
    core = Core(tmp_path / "data")
    # Nobody is logged in yet: the worker has put its next try PULL_EVERY (600 s) away.
    assert _wait(lambda: core._next_tick - time.monotonic() > core_module.PULL_EVERY - 60)
    done = []
    core.login(server.url, server.world.official, server.password, on_done=done.append)
    assert _wait(lambda: done and core.store.villages() and core.status()["last_sync_at"]), "no sync after login"
    assert done[0]["ok"]
    core.stop()


def test_saving_a_household_or_resident_asks_for_a_sync(server, tmp_path):
    core = Core(tmp_path / "data")
    core.login(server.url, server.world.official, server.password)
    assert _wait(lambda: core.status()["last_sync_at"] and not core.syncing)
    hid = core.save_household({"village_id": server.world.a1, "address": "9 Kiệt 2", "head_name": "Lê Văn Tám"})
    assert _wait(lambda: server.count("households", "head_name = 'Lê Văn Tám'") == 1), "the household was not sent"
    rid = core.save_resident({"household_id": hid, "full_name": "Lê Thị Chín", "birth_year": 1990})
    assert _wait(lambda: server.count("residents", "full_name = 'Lê Thị Chín' AND NOT deleted") == 1), (
        "the resident was not sent")
    core.delete_resident(rid)
    assert _wait(lambda: server.count("residents", "full_name = 'Lê Thị Chín' AND deleted") == 1), (
        "the deletion was not sent")
    assert _wait(lambda: core.status()["pending"] == 0)
    core.stop()


def test_set_server_keeps_the_address_and_syncs_there_at_once(server, tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    # A backoff of a minute: only set_server itself can make the next try come soon.
    core = Core(tmp_path / "data", first_backoff=60, client_factory=lambda url: ApiClient(url, retries=0))
    core.login(server.url, server.world.official, server.password)
    assert _wait(lambda: core.status()["last_sync_at"] and not core.syncing)
    assert core.set_server(dead + "/") == dead
    assert core.store.account()["server_url"] == dead and core.engine.client.base_url == dead
    core.save_household({"village_id": server.world.a1, "address": "3", "head_name": "Phan Văn Út"})
    assert _wait(lambda: core.status()["online"] is False)
    try:
        core.set_server("ftp://127.0.0.1")
        raise AssertionError("ftp accepted")
    except ValueError:
        pass
    assert core.store.account()["server_url"] == dead
    core.set_server(server.url)
    assert _wait(lambda: server.count("households", "head_name = 'Phan Văn Út'") == 1), "no sync after set_server"
    # a restart talks to the saved address
    assert set_pin(core)["ok"]
    core.stop()
    again = Core(tmp_path / "data", auto_sync=False)
    assert unlock(again)["ok"]
    assert again.engine.client.base_url == server.url
    again.stop()
