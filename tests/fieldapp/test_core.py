"""Core, the screens' entry point, without any window: login, auto-sync on its worker thread, offline backoff."""
import socket
import threading
import time

from fieldapp import core as core_module
from fieldapp.core import Core


def _wait(predicate, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return False


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
    core.stop()
    # a new Core opens the last user's store: offline work can go on after a restart
    again = Core(tmp_path / "data", auto_sync=False)
    assert again.store.households("ho thi lan")[0]["id"] == hid
    again.stop()


def test_offline_backs_off_then_delivers_when_the_server_returns(server, proxy, tmp_path, monkeypatch):
    monkeypatch.setattr(core_module, "FIRST_BACKOFF", 0.1)
    core = Core(tmp_path / "data")
    done = []
    core.login(proxy.url, server.world.official, server.password, on_done=done.append)
    assert _wait(lambda: done and done[0]["ok"])
    proxy.close()  # the server is unreachable from now on
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    core.engine.client.base_url = dead
    core.engine.client.retries = 0
    hid = core.store.save_household({"village_id": server.world.a1, "address": "7", "head_name": "Vũ Văn Nam"})
    core.log_visit(hid, status="not_home")
    assert _wait(lambda: core.status()["online"] is False and core._fails >= 2)
    assert core.status()["pending"] == 2 and core.status()["error"] == "offline"
    core.engine.client.base_url = server.url  # the signal is back
    assert _wait(lambda: core.status()["pending"] == 0 and core.status()["online"] is True)
    assert server.count("visits") == 1
    core.stop()
