"""kill -9 while the store writes visits: the file stays sound and every confirmed save is there."""
import os
import signal
import subprocess
import sys
from pathlib import Path

from fieldapp.store import Store

ROOT = Path(__file__).resolve().parents[2]


def test_kill_9_loses_no_confirmed_visit(tmp_path):
    path = tmp_path / "tablet.sqlite3"
    store = Store(path)
    hid = store.save_household({"village_id": 1, "address": "1", "head_name": "A"})
    store.close()
    child = subprocess.Popen([sys.executable, str(ROOT / "tests/fieldapp/crash_writer.py"), str(path)],
                             stdout=subprocess.PIPE, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    confirmed = []
    for line in child.stdout:
        confirmed.append(line.strip())
        if len(confirmed) == 60:
            break
    child.send_signal(signal.SIGKILL)
    child.wait(10)
    confirmed += [line.strip() for line in child.stdout.read().splitlines() if line.strip()]
    assert len(confirmed) >= 60
    store = Store(path)
    assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    visits = {v["id"] for v in store.household(hid)["visits"]}
    queued = {r[0] for r in store.db.execute("SELECT row_id FROM outbox WHERE table_name = 'visits'")}
    assert set(confirmed) <= visits
    assert visits == queued  # each visit has its outbox entry, and no entry lacks its visit
    store.close()
