"""A plain store from before encryption is encrypted in place the first time the official sets a PIN: every record,
the outbox, the problems and the login go across; a kill -9 at any moment leaves the plain store or the encrypted one
whole, and the app finds its way from either.

The plain store is made by today's code path: Store(path) without a key (stdlib sqlite3, the same schema), logged in
and synced through the real server, with changes waiting in its outbox.
"""
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from fieldapp import config
from fieldapp.core import Core
from fieldapp.store import Store, cipher
from fieldapp.sync import ApiClient, SyncEngine
from shared.ids import new_id
from tests.fieldapp.test_core import PIN, _wait, set_pin, unlock

ROOT = Path(__file__).resolve().parents[2]
TABLES = ("households", "residents", "visits", "assists", "outbox", "problems", "meta", "areas")


def plain_store(server, data: Path, extra_households: int = 0) -> dict:
    """A plain store of the official in `data`, as the app before encryption left it; returns its contents."""
    data.mkdir(parents=True, exist_ok=True)
    path = config.db_path(server.world.official, data)
    store = Store(path)
    assert not store.encrypted
    engine = SyncEngine(store, ApiClient(server.url, retries=0))
    engine.login(server.url, server.world.official, server.password)
    engine.run()
    store.save_household({"village_id": server.world.b1, "address": "1", "head_name": "Lê Thị Bé"})
    engine.run()  # refused: a problem
    hid = store.save_household({"village_id": server.world.a1, "address": "5 Kiệt 1", "head_name": "Hồ Thị Lan"})
    store.save_resident({"household_id": hid, "full_name": "Hồ Văn Tư", "birth_year": 1950})
    for _ in range(3):
        store.log_visit(hid, status="not_home")
    # Many pulled rows, so that the encryption takes long enough to be cut at many points.
    page = []
    for i in range(extra_households):
        page.append({"table": "households", "id": new_id(), "version": 1, "deleted": False,
                     "data": {"village_id": server.world.a2, "address": f"{i} Lê Lợi", "head_name": f"Chủ hộ {i}",
                              "phone": f"09{i:08d}", "note": "ghi chú " * 10}})
    for start in range(0, len(page), 500):
        store.apply_pull(page[start:start + 500], store.cursor())
    (data / "last_user.txt").write_text(server.world.official, encoding="utf-8")
    contents = snapshot(store)
    store.close()
    assert cipher.is_plain(path)
    return contents


def snapshot(store) -> dict:
    return {t: sorted(tuple(r) for r in store.db.execute(f"SELECT * FROM {t}")) for t in TABLES}


def test_setting_the_pin_encrypts_a_plain_store_keeping_outbox_problems_and_login(server, tmp_path):
    data = tmp_path / "data"
    before = plain_store(server, data)
    assert len(before["outbox"]) == 5 and len(before["problems"]) == 1
    core = Core(data, auto_sync=False, client_factory=lambda url: ApiClient(url, retries=0))
    assert core.state == "set_pin" and not core.store.encrypted
    assert set_pin(core)["ok"] and core.state == "open" and core.store.encrypted
    path = config.db_path(server.world.official, data)
    assert not cipher.is_plain(path) and not Path(str(path) + ".enc-tmp").exists()
    assert snapshot(core.store) == before
    assert [h["head_name"] for h in core.store.households("ho thi lan")] == ["Hồ Thị Lan"]  # the search index too
    assert core.store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    # Set offline from a plain store, the key has only its PIN wrap; the next sync adds the device's.
    assert not core.pin_state()["has_device"]
    core._sync_once()
    assert core.store.pending() == 0 and server.count("visits") == 3
    assert core.pin_state()["has_device"]
    core.stop()
    # The forgotten-PIN way now works for this store too.
    again = Core(data, auto_sync=False)
    assert again.state == "locked"
    done = []
    again.login(server.url, server.world.official, server.password, on_done=done.append)
    assert _wait(lambda: done) and done[0]["ok"] and again.state == "set_pin"
    assert len(again.store.problems()) == 1
    again.stop()


def _migrate(data: Path, kill_after: float | None) -> str:
    """Run migrate_child.py on `data`; kill -9 it `kill_after` seconds after START (None: let it finish)."""
    child = subprocess.Popen([sys.executable, str(ROOT / "tests/fieldapp/migrate_child.py"), str(data), PIN],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert child.stdout.readline().strip() == "START"
    if kill_after is None:
        out, err = child.communicate(timeout=120)
        assert "DONE" in out, err
        return "done"
    time.sleep(kill_after)
    child.kill()
    child.wait(10)
    return "killed"


def test_a_kill_9_at_any_moment_of_the_encryption_leaves_one_whole_store(server, tmp_path):
    original = tmp_path / "original"
    before = plain_store(server, original, extra_households=6000)
    trial = tmp_path / "timing"
    shutil.copytree(original, trial)
    started = time.monotonic()
    _migrate(trial, None)
    took = time.monotonic() - started
    outcomes = set()
    # Cut points spread over the timed run, and past it: under load a run may take twice as long as the timed one.
    for n, fraction in enumerate((0.02, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0, 1.3, 2.0, 3.0)):
        data = tmp_path / f"cut-{n}"
        shutil.copytree(original, data)
        _migrate(data, took * fraction)
        path = config.db_path(server.world.official, data)
        core = Core(data, auto_sync=False)
        if core.state == "set_pin":  # cut before the key file: the plain store is the store, whole
            assert cipher.is_plain(path) and not config.key_path(server.world.official, data).exists()
            outcomes.add("plain")
            assert set_pin(core)["ok"]  # and the official can set the PIN again
        else:  # the key file was written: the PIN opens the store, finishing the encryption if it was cut
            assert core.state == "locked", core.state
            outcomes.add("plain, key file written" if cipher.is_plain(path) else "encrypted")
            assert unlock(core)["ok"]
        assert core.store.encrypted and not cipher.is_plain(path)
        assert core.store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert snapshot(core.store) == before, fraction
        core.stop()
    assert "plain" in outcomes and outcomes - {"plain"}, outcomes  # cut before the key file, and after it
