"""kill -9 while the store writes visits: the file stays sound and every confirmed save is there, on the plain store
and on the encrypted (SQLCipher) one the app uses."""
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from fieldapp.lock import new_data_key
from fieldapp.store import Store

ROOT = Path(__file__).resolve().parents[2]


def kill_9_while_writing(path: Path, key: bytes | None, household: str, after: int = 60) -> list[str]:
    """Run crash_writer.py on the store, kill -9 it after `after` confirmed visits; returns the confirmed ids."""
    args = [sys.executable, str(ROOT / "tests/fieldapp/crash_writer.py"), str(path)] + ([key.hex()] if key else [])
    child = subprocess.Popen(args, stdout=subprocess.PIPE, text=True, cwd=ROOT,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
    confirmed = []
    for line in child.stdout:
        confirmed.append(line.strip())
        if len(confirmed) == after:
            break
    child.send_signal(signal.SIGKILL)
    child.wait(10)
    confirmed += [line.strip() for line in child.stdout.read().splitlines() if line.strip()]
    assert len(confirmed) >= after
    return confirmed


@pytest.mark.parametrize("encrypted", [True, False], ids=["sqlcipher", "plain"])
def test_kill_9_loses_no_confirmed_visit(tmp_path, encrypted):
    path = tmp_path / "tablet.sqlite3"
    key = new_data_key() if encrypted else None
    store = Store(path, key=key)
    hid = store.save_household({"village_id": 1, "address": "1", "head_name": "A"})
    store.close()
    confirmed = kill_9_while_writing(path, key, hid)
    assert Path(str(path) + "-wal").exists()  # the kill left a WAL behind, which the next open must replay
    store = Store(path, key=key)
    assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    visits = {v["id"] for v in store.household(hid)["visits"]}
    queued = {r[0] for r in store.db.execute("SELECT row_id FROM outbox WHERE table_name = 'visits'")}
    assert set(confirmed) <= visits
    assert visits == queued  # each visit has its outbox entry, and no entry lacks its visit
    store.close()
