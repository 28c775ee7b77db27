"""A lost tablet gives away nothing: after a working session, a copy of the data folder holds no resident's name or
phone, nor the token, nor the data key, in any file (database, WAL, key file, error log, prefs, last_user.txt),
also after a kill -9 in the middle of writes; and the database does not open without its key.

The values searched for are the bytes of what was typed and pulled (UTF-8, as SQLite stores text) and of their
folded forms (the search column and its FTS index hold "nguyen van anh"). As a control, the same search on the
store decrypted with its key finds them: the search can fail.
"""
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fieldapp import config
from fieldapp.core import Core
from fieldapp.lock import KeyFile
from fieldapp.store import cipher
from fieldapp.sync import ApiClient, SyncEngine
from fieldapp.store import Store
from shared.text import fold
from tests.fieldapp.test_core import PIN, _wait, set_pin

ROOT = Path(__file__).resolve().parents[2]
PEOPLE = [("Nguyễn Văn Ánh", "0905123456"), ("Lê Thị Hồng Nhung", "0935777888"), ("Hoàng Quốc Việt", "0388123123")]
PULLED = [("Đặng Thị Mỹ Duyên", "0977000111"), ("Võ Thành Trung", "0914222333")]


def needles(people, token, key) -> dict[str, bytes]:
    found = {}
    for name, phone in people:
        found[name] = name.encode()
        found[f"folded {name}"] = fold(name).encode()
        found[phone] = phone.encode()
    found["token"] = token.encode()
    found["data key"], found["data key (hex)"] = key, key.hex().encode()
    return found


def leaks(folder: Path, wanted: dict[str, bytes]) -> dict[str, list[str]]:
    """{what: [files holding its bytes]} over every file under `folder`."""
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            for what, needle in wanted.items():
                if needle in data:
                    out.setdefault(what, []).append(path.name)
    return out


def decrypted(path: Path, key: bytes, into: Path) -> bytes:
    """The store at `path` exported to a plain file with its key: the control that the values are really in it."""
    conn = cipher.connect(str(path), key, isolation_level=None)
    conn.execute("ATTACH DATABASE ? AS plain KEY ''", (str(into),))
    conn.execute("SELECT sqlcipher_export('plain')")
    conn.close()
    return into.read_bytes()


def working_session(server, data: Path) -> Core:
    """Login, PIN, a pull of another device's households, visits with notes, edits, a refused record: all synced."""
    other = Store(data.parent / "other.sqlite3")
    other_engine = SyncEngine(other, ApiClient(server.url))
    other_engine.login(server.url, server.world.official, server.password)
    for name, phone in PULLED:
        hid = other.save_household({"village_id": server.world.a2, "address": "Tổ 4", "head_name": name,
                                    "phone": phone})
        other.save_resident({"household_id": hid, "full_name": name, "phone": phone, "birth_year": 1970})
    other_engine.run()
    other.close()

    core = Core(data, first_backoff=0.1, client_factory=lambda url: ApiClient(url, retries=0))
    done = []
    core.login(server.url, server.world.official, server.password, on_done=done.append)
    assert _wait(lambda: done) and done[0]["ok"]
    assert set_pin(core)["ok"]
    assert _wait(lambda: len(core.store.households()) == len(PULLED) and not core.syncing), "no pull"
    for name, phone in PEOPLE:
        hid = core.save_household({"village_id": server.world.a1, "address": "12 Kiệt 3", "head_name": name,
                                   "phone": phone})
        rid = core.save_resident({"household_id": hid, "full_name": name, "phone": phone, "birth_year": 1961})
        core.log_visit(hid, notes=f"Đã giúp {name} cài VNeID",
                       assists=[{"resident_id": rid, "topic": "vneid_account", "outcome": "done"}])
        core.save_household({"address": "Số 14, Kiệt 3"}, id=hid)  # an edit
    core.save_household({"village_id": server.world.b1, "address": "1", "head_name": PEOPLE[0][0],
                         "phone": PEOPLE[0][1]})  # outside the official's villages: a sync problem
    assert _wait(lambda: core.status()["pending"] == 0 and core.store.problems() and not core.syncing), "no sync"
    return core


def test_a_copied_data_folder_gives_away_no_name_phone_token_or_key(server, tmp_path):
    data = tmp_path / "data"
    core = working_session(server, data)
    token, key = core.store.get_meta("token"), core._data_key
    db = config.db_path(server.world.official, data)
    wanted = needles(PEOPLE + PULLED, token, key)
    # A thief copies the folder while the app runs (the WAL holds the latest pages) and after it stopped.
    shutil.copytree(data, tmp_path / "running")
    assert Path(str(db) + "-wal").stat().st_size > 0
    core.stop()
    shutil.copytree(data, tmp_path / "stopped")
    for copy in ("running", "stopped"):
        assert leaks(tmp_path / copy, wanted) == {}, copy
        names = {p.name for p in (tmp_path / copy).iterdir()}
        assert {db.name, db.name + ".key", "last_user.txt"} <= names
    # Control: decrypted with its key, the same database holds every value searched for.
    plain = decrypted(tmp_path / "stopped" / db.name, key, tmp_path / "control.sqlite3")
    assert [w for w, needle in wanted.items() if needle not in plain and not w.startswith("data key")] == []

    # Without the key, nothing opens it: not SQLite, not SQLCipher without a key or with another one.
    import sqlite3
    copied = str(tmp_path / "stopped" / db.name)
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(copied).execute("SELECT * FROM households").fetchall()
    with pytest.raises(cipher.driver().DatabaseError):
        cipher.driver().connect(copied).execute("SELECT * FROM households").fetchall()
    with pytest.raises(cipher.driver().DatabaseError):
        cipher.connect(copied, os.urandom(32))
    with pytest.raises(Exception):
        KeyFile(tmp_path / "stopped" / (db.name + ".key")).try_pin("000001", time.time())
    # The key file holds wraps, the device id, the server's address and counters: nothing that opens the store.
    values = KeyFile(tmp_path / "stopped" / (db.name + ".key")).read()
    assert set(values) == {"v", "device_id", "pin", "device", "fails", "wait_until", "kdf", "server_url"}


def test_no_name_phone_or_token_after_a_kill_9_in_the_middle_of_writes(server, tmp_path):
    data = tmp_path / "data"
    core = working_session(server, data)
    token, key = core.store.get_meta("token"), core._data_key
    core.stop()
    child = subprocess.Popen([sys.executable, str(ROOT / "tests/fieldapp/lost_tablet_writer.py"), str(data), PIN],
                             stdout=subprocess.PIPE, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    written = []
    for line in child.stdout:
        written.append(line.strip())
        if len(written) == 40:
            break
    child.send_signal(signal.SIGKILL)
    child.wait(10)
    db = config.db_path(server.world.official, data)
    assert Path(str(db) + "-wal").stat().st_size > 0  # killed with pages in the WAL
    shutil.copytree(data, tmp_path / "killed")
    typed = [(f"Phạm Thị Bí Mật {n}", f"0987{n:06d}") for n in range(40)]
    wanted = needles(PEOPLE + PULLED + typed, token, key)
    assert leaks(tmp_path / "killed", wanted) == {}
    plain = decrypted(tmp_path / "killed" / db.name, key, tmp_path / "control.sqlite3")
    assert all(f"Phạm Thị Bí Mật {n}".encode() in plain for n in range(40))
