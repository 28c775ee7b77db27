"""A restore from a backup loses nothing: two real tablets send back what the backup lacks (docs/protocol.md,
"Restore"; docs/deploy.md, "Restore from a backup").

The run: the tablets sync; the database is backed up; both tablets push more (new households, a resident, visits,
an edit, a visit of one official at a household of the other's pulls); the server is stopped, the backup restored,
the server started again; a third device adds a household. Then the tablets sync. The server must hold every record
it held before the restore, with the same content, once each (no visit or assist twice), and the tablets must hold
the household added after the restore. The first tablet's recovery is cut short once (a lost reply) and runs again.
- on PostgreSQL: pg_dump and pg_restore (/usr/bin), then `doorstep renew-identity` as the runbook runs it; and
  without it, when the server notices the restore by the new OIDs of the tables that pg_restore made;
- on SQLite: the database file copied back, and no renew-identity: the server notices the tablets' cursors ahead of
  its counter and renews its identity by itself.
"""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote

import pytest

from server.extensions import db
from server.identity import service as identity
from tests.conftest import PG_URL, _empty_database
from tests.server.live import Device
from tests.conftest import household_change

from fieldapp.sync import Retryable

from .harness import Log, Site, Tablet

ROOT = Path(__file__).resolve().parents[2]
DOORSTEP = Path(sys.executable).with_name("doorstep")


@pytest.fixture(params=[("sqlite", "cursor"), ("postgresql", "renew-identity"), ("postgresql", "table-oid")],
                ids=lambda p: "-".join(p))
def site(request, tmp_path):
    """The server, and how its restore is noticed: the runbook's command, the new table OIDs of a pg_restore, or
    the tablets' cursors ahead of the counter (a SQLite file copied back)."""
    kind, request.noticed = request.param
    url, drop = _empty_database(kind, tmp_path)
    site = Site(url)
    site.kind, site.noticed = kind, request.noticed
    yield site
    site.stop()
    drop()


def _schema(url: str) -> str:
    return re.search(r"search_path%3D(\w+)", url).group(1)


def _pg_args() -> list[str]:
    return ["-h", "127.0.0.1", "-p", "5432", "-U", "postgres", "-d", PG_URL.rsplit("/", 1)[1].split("?")[0]]


def backup(site: Site, folder: Path) -> Path:
    if site.kind == "sqlite":
        dump = folder / "backup.db"
        with site.app.app_context():  # a consistent copy of a live WAL database, as sqlite3 .backup makes it
            raw = db.engine.raw_connection()
            try:
                import sqlite3
                target = sqlite3.connect(dump)
                raw.driver_connection.backup(target)
                target.close()
            finally:
                raw.close()
        return dump
    dump = folder / "backup.dump"
    subprocess.run(["/usr/bin/pg_dump", *_pg_args(), "-n", _schema(site.url), "-Fc", "-f", str(dump)], check=True)
    return dump


def restore(site: Site, dump: Path) -> None:
    """Stop the server, put the backup back, start the server (the runbook, with or without renew-identity)."""
    site.stop()
    if site.kind == "sqlite":
        path = Path(unquote(site.url[len("sqlite:///"):]))
        for extra in ("-wal", "-shm"):
            Path(str(path) + extra).unlink(missing_ok=True)
        shutil.copy(dump, path)
    else:
        subprocess.run(["/usr/bin/pg_restore", *_pg_args(), "--clean", "--if-exists", "--single-transaction",
                        str(dump)], check=True)
    if site.noticed == "renew-identity":
        env = {**os.environ, "DATABASE_URL": site.url, "SECRET_KEY": "test-secret", "PYTHONPATH": str(ROOT)}
        done = subprocess.run([str(DOORSTEP), "renew-identity"], env=env, cwd=ROOT, capture_output=True, text=True)
        assert done.returncode == 0 and "renewed" in done.stdout, done.stderr
    site.restart()


def content(snapshot) -> dict:
    """The server's records without their versions (a record sent again gets a new one)."""
    def strip(rows):
        return {k: {f: v for f, v in row.items() if f != "version"} for k, row in rows.items()}
    return {"households": strip(snapshot.households), "residents": strip(snapshot.residents),
            "visits": strip(snapshot.visits), "assists": sorted(snapshot.assists, key=repr)}


def test_a_restore_loses_nothing(site, tmp_path):
    world = site.reset()
    log = Log()
    official = Tablet(site, "official", world.official, tmp_path / "a.db", log)
    leader = Tablet(site, "leader", world.leader, tmp_path / "b.db", log)
    try:
        first = official.store.save_household({"village_id": world.a1, "address": "Số 1", "head_name": "Lê Văn An"})
        official.store.save_resident({"household_id": first, "full_name": "Lê Thị Bình", "birth_year": 1980})
        official.store.log_visit(first, assists=[{"topic": "vneid_account", "outcome": "done"}])
        official.sync(), leader.sync()
        before_identity = official.store.database_id()
        assert before_identity and leader.store.database_id() == before_identity

        dump = backup(site, tmp_path)

        # After the backup: acknowledged by the server, then lost by the restore.
        second = official.store.save_household({"village_id": world.a2, "address": "Số 2", "head_name": "Hồ Thị Cúc"})
        official.store.save_resident({"household_id": second, "full_name": "Hồ Văn Dũng", "phone": "0905123456"})
        official.store.save_household({"address": "Số 1A"}, id=first)
        official.store.log_visit(second, status="not_home")
        official.sync()
        leader.sync()  # pulls the official's: the leader's tablet now holds another official's visit
        third = leader.store.save_household({"village_id": world.a3, "address": "Số 3", "head_name": "Phan Văn Em"})
        leader.store.log_visit(second, assists=[{"topic": "cashless_payment", "outcome": "partial"}])
        leader.store.save_household({"phone": "0234567890"}, id=first)
        leader.sync()
        official.sync()  # its copy of the first household now has the leader's phone, at the newest version
        held = content(site.snapshot())
        assert len(held["households"]) == 3 and len(held["visits"]) == 3
        assert official.store.pending() == leader.store.pending() == 0

        restore(site, dump)
        assert len(site.snapshot().households) == 1  # the backup's
        newcomer = Device(site.base, world.official)  # a household added after the restore
        added = household_change(world.a1, head_name="Võ Thị Giang")
        assert newcomer.push(added).json()["results"][0]["status"] == "applied"
        newcomer.close()
        with site.app.app_context():  # by the command, or at the newcomer's push by the tables' OIDs: not yet by
            renewed = identity.current() != before_identity  # the cursors, which only a pull shows
            db.session.remove()
        assert renewed == (site.noticed != "cursor")

        # The first recovery is cut short: the server commits the first batch it sent again, and the reply is lost.
        official.lose_next_reply()
        with pytest.raises(Retryable):
            official.sync()
        assert official.store.database_id() == before_identity  # not kept: the next sync recovers again
        official.sync()
        assert official.engine.last_recovery["resent"] >= 1  # what that lost batch did not bring
        leader.sync()
        official.sync()  # pulls what the leader sent again
        after = content(site.snapshot())
        assert {k: v for k, v in after["households"].items() if k != added["id"]} == held["households"]
        assert added["id"] in after["households"]
        assert (after["residents"], after["visits"], after["assists"]) == \
            (held["residents"], held["visits"], held["assists"])  # nothing lost, nothing twice
        with site.app.app_context():
            new_identity = identity.current()
            db.session.remove()
        assert new_identity != before_identity
        for tablet in (official, leader):
            assert tablet.store.database_id() == new_identity and tablet.store.pending() == 0
            assert tablet.store.problems() == []
            assert added["id"] in tablet.ids("households")
        # Both tablets now hold what the server holds in their scope.
        assert set(leader.ids("households")) == set(after["households"])
        assert set(official.ids("visits")) == set(after["visits"])
    finally:
        official.close()
        leader.close()
