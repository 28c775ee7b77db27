"""Three tablets (the real field-app Store and SyncEngine) and a real server on 127.0.0.1, driven by hypothesis.

The tablets create and edit households, residents and visits offline, edit the same field of a household on two
tablets, sync alone or together (concurrent pushes), lose the reply of a push the server committed, crash in the
middle of a local write, and the server restarts on the same database. After every step:
- every change the server acknowledged is on the server exactly once (a visit with its assists, a new row);
- every value a tablet sent and the server acknowledged is in the row, in `conflicts`, or was replaced by a later
  change made by a tablet that had seen it (its base_version is at least the version that value was written at);
- the versions answered are consistent: no two writes of a row answered `applied` with the same version, and none
  answered above the version the server holds.
At the end of each example every tablet syncs until quiet, and each holds exactly the server's rows.
DESIGN.md, sync contract: "every change that was answered applied or merged is in the row or its value is in
conflicts"; "every change takes effect exactly once".
"""
import sys
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from fieldapp.sync import Retryable
from shared.ids import new_id
from shared.vocab import OUTCOMES, TOPICS

from .site import Log, Site, Tablet

# Fields whose every value in a run is distinct, so that each value says which write it came from.
TRACKED = {"households": ("address", "head_name", "phone", "note"), "residents": ("full_name", "birth_year", "phone")}
TABLET = st.integers(0, 2)
PAIR = st.lists(TABLET, min_size=2, max_size=2, unique=True)
ACCEPTED = ("applied", "merged", "duplicate")

# About 2 minutes per database on a quiet 2-core machine. derandomize: the same examples on every run, so a green
# run means the same thing each time. No shrinking: replaying a race to shrink it would outlast the test's timeout,
# and the failing example is printed step by step as it is.
SETTINGS = settings(max_examples=int(__import__("os").environ.get("SM_EX", 40)), stateful_step_count=25, deadline=None, derandomize=True, database=None,
                    phases=(Phase.explicit, Phase.generate), report_multiple_bugs=False,
                    suppress_health_check=list(HealthCheck))


class NothingLost(RuleBasedStateMachine):
    def __init__(self, site: Site, folder: Path):
        super().__init__()
        self.site = site
        self.world = world = site.reset()
        folder = folder / new_id()
        folder.mkdir()
        self.log = Log()
        self.tablets = [Tablet(site, "A", world.official, folder / "a.sqlite3", self.log),
                        Tablet(site, "B", world.official, folder / "b.sqlite3", self.log),
                        Tablet(site, "C", world.leader, folder / "c.sqlite3", self.log)]
        self.n = self.restarts = 0
        self.years = iter(range(1901, 2020))
        # Two households every tablet already has, so that edits on two tablets can meet from the first step.
        for village in ("a1", "a2"):
            self.create_household(0, village)
        for tablet in self.tablets:
            tablet.sync()

    def value(self, name: str):
        """A value of field `name` never used before in this run."""
        if name == "birth_year":
            return next(self.years)
        self.n += 1
        return {"address": f"Số {self.n}, kiệt 3", "head_name": f"Chủ hộ {self.n}", "phone": f"09{self.n:08d}",
                "note": f"ghi chú {self.n}", "full_name": f"Người {self.n}"}[name]

    def pick(self, data, tablet: Tablet, table: str):
        return choose(data, tablet.ids(table))

    # --- offline work on one tablet ---
    @rule(t=TABLET, village=st.sampled_from(["a1", "a2"]))
    def create_household(self, t, village):
        self.tablets[t].store.save_household(
            {"village_id": getattr(self.world, village), **{f: self.value(f) for f in TRACKED["households"]}})

    @rule(t=TABLET, name=st.sampled_from(TRACKED["households"]), data=st.data())
    def edit_household(self, t, name, data):
        tablet = self.tablets[t]
        if household := self.pick(data, tablet, "households"):
            tablet.store.save_household({name: self.value(name)}, id=household)

    @rule(pair=PAIR, name=st.sampled_from(TRACKED["households"]), race=st.booleans(), data=st.data())
    def edit_one_field_on_two_tablets(self, pair, name, race, data):
        """Two tablets change the same field of a household; with `race`, both sync at once right after."""
        a, b = (self.tablets[i] for i in pair)
        both = sorted(set(a.ids("households")) & set(b.ids("households")))
        if household := choose(data, both):
            a.store.save_household({name: self.value(name)}, id=household)
            b.store.save_household({name: self.value(name)}, id=household)
            if race:
                self.sync_together(pair)

    @rule(t=TABLET, sex=st.sampled_from(["f", "m", None]), data=st.data())
    def create_resident(self, t, sex, data):
        tablet = self.tablets[t]
        if household := self.pick(data, tablet, "households"):
            tablet.store.save_resident({"household_id": household, "sex": sex,
                                        **{f: self.value(f) for f in TRACKED["residents"]}})

    @rule(t=TABLET, name=st.sampled_from(TRACKED["residents"]), data=st.data())
    def edit_resident(self, t, name, data):
        tablet = self.tablets[t]
        if resident := self.pick(data, tablet, "residents"):
            tablet.store.save_resident({name: self.value(name)}, id=resident)

    @rule(t=TABLET, met=st.booleans(), data=st.data())
    def log_visit(self, t, met, data):
        tablet = self.tablets[t]
        household = self.pick(data, tablet, "households")
        if household is None:
            return
        assists = []
        if met:
            people = [None] + [r["id"] for r in tablet.store.household(household)["residents"]]
            for _ in range(data.draw(st.integers(0, 2))):
                assists.append({"resident_id": choose(data, people), "topic": data.draw(st.sampled_from(sorted(TOPICS))),
                                "outcome": data.draw(st.sampled_from(sorted(OUTCOMES)))})
        self.n += 1
        tablet.store.log_visit(household, status="met" if met else "not_home", assists=assists,
                               notes=f"lượt thăm {self.n}")

    # --- the network, the tablets and the server misbehaving ---
    @rule(t=TABLET)
    def sync(self, t):
        self.tablets[t].sync()

    @rule(together=st.lists(TABLET, min_size=2, max_size=3, unique=True))
    def sync_together(self, together):
        """Two or three tablets sync at the same instant: their pushes race on the server."""
        barrier, errors = threading.Barrier(len(together)), []

        def run(tablet):
            barrier.wait(30)
            try:
                tablet.sync()
            except Exception as exc:  # re-raised below, in the test's thread
                errors.append(exc)
        threads = [threading.Thread(target=run, args=(self.tablets[i],)) for i in together]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        if errors:
            raise errors[0]

    @rule(t=TABLET)
    def lose_a_reply(self, t):
        """The server commits a push, and the connection breaks before its reply reaches the tablet."""
        tablet = self.tablets[t]
        pending = tablet.store.pending()
        if not pending:
            return
        lost = tablet.client.adapter.lost
        tablet.lose_next_reply()
        with pytest.raises(Retryable):
            tablet.sync()
        assert tablet.client.adapter.lost == lost + 1
        assert tablet.store.pending() == pending, "an entry left the outbox though no reply named it"

    @rule(t=TABLET, what=st.sampled_from(["edit", "visit", "household"]), data=st.data())
    def crash_mid_write(self, t, what, data):
        """The tablet dies in the middle of a save, before its COMMIT; the app starts again on the same file."""
        tablet = self.tablets[t]
        before, pending = tablet.rows(), tablet.store.pending()
        household = self.pick(data, tablet, "households")
        tablet.store.db.execute("BEGIN IMMEDIATE")  # the save below runs inside it and never commits
        if what == "edit" and household:
            tablet.store.save_household({"note": "chưa lưu"}, id=household)
        elif what == "visit" and household:
            tablet.store.log_visit(household, status="not_home", notes="chưa lưu")
        else:
            tablet.store.save_household({"village_id": self.world.a1, "address": "chưa lưu", "head_name": "chưa lưu"})
        tablet.store.close()  # the connection goes away with its transaction open
        tablet.reopen()
        assert tablet.rows() == before, "a save that never committed is on the tablet after the restart"
        assert tablet.store.pending() == pending

    @precondition(lambda self: self.restarts < 2)  # a restart costs a new app's start: twice a run is plenty
    @rule()
    def restart_server(self):
        self.site.restart()
        self.restarts += 1

    # --- what must hold after every step ---
    @invariant()
    def acknowledged_changes_are_on_the_server_once(self):
        broken = check_server(self.site.snapshot(), self.log.all())
        assert broken == [], "\n".join(broken)

    def teardown(self):
        try:
            if sys.exc_info()[0] is None:  # not after a failed step: its error is the one to read
                self.converge()
        finally:
            for tablet in self.tablets:
                tablet.close()

    def converge(self):
        """Every tablet syncs (twice round, so each pulls what the others pushed): all hold the server's rows."""
        for _ in range(2):
            for tablet in self.tablets:
                tablet.sync()
        snapshot, sent = self.site.snapshot(), self.log.all()
        broken = check_server(snapshot, sent) + check_settled(snapshot, sent)
        server = {"households": snapshot.households, "residents": snapshot.residents, "visits": snapshot.visits,
                  "assists": sorted(snapshot.assists, key=repr)}
        for tablet in self.tablets:
            status = tablet.store.sync_status()
            if status["pending"] or status["problems"]:
                broken.append(f"tablet {tablet.name}: {status['pending']} pending, problems {tablet.store.problems('en')}")
            rows = tablet.rows()
            rows["assists"] = sorted(rows["assists"], key=repr)
            for table in server:
                if rows[table] != server[table]:
                    broken.append(f"tablet {tablet.name} differs from the server in {table}: "
                                  f"{diff(rows[table], server[table])}")
        assert broken == [], "\n".join(broken)


def choose(data, items: list):
    """One of `items`, or None when there are none. The draw is the same whatever `items` holds: which rows a tablet
    has can differ between two runs of one example (a pull racing a push), and hypothesis needs the same draws."""
    index = data.draw(st.integers(0, 63))
    return items[index % len(items)] if items else None


def check_server(snapshot, sent: list) -> list[str]:
    """What breaks the invariants of the module docstring, in words."""
    broken = []
    by_row: dict = {}
    for s in sent:
        by_row.setdefault((s.change["table"], s.change["id"]), []).append(s)
    for (table, row_id), changes in by_row.items():
        acked = [s for s in changes if s.acked]
        for s in acked:
            if s.result["status"] not in ACCEPTED:
                broken.append(f"{s.tablet}: {table} {row_id} answered {s.result['status']}: {s.result.get('errors')}")
        if table == "visits":
            broken += _check_visits(snapshot, row_id, [s for s in acked if s.result["status"] in ACCEPTED])
            continue
        row = snapshot.row(table, row_id)
        if row is None:
            if any(s.result["status"] in ACCEPTED for s in acked):
                broken.append(f"{table} {row_id} was acknowledged but is not on the server")
            continue
        applied = sorted(s.result["version"] for s in acked if s.result["status"] == "applied")
        if len(set(applied)) != len(applied):
            broken.append(f"{table} {row_id}: writes answered `applied` with the same version: {applied}")
        if (top := max((s.result["version"] or 0 for s in acked), default=0)) > row["version"]:
            broken.append(f"{table} {row_id}: answered version {top}, the server holds version {row['version']}")
        for s in acked:
            if s.result["status"] not in ACCEPTED:
                continue
            for name in TRACKED[table]:
                if name in s.change["data"] and not _accounted(snapshot, table, row_id, row, name, s, changes):
                    broken.append(f"{table} {row_id}: {name} = {s.change['data'][name]!r} sent by {s.tablet} "
                                  f"(answered {s.result['status']} at version {s.result['version']}) is neither in "
                                  f"the row ({row[name]!r}) nor in conflicts, and nobody who saw it replaced it")
    seen = set()
    for conflict in snapshot.conflicts:
        if repr(conflict) in seen:
            broken.append(f"the conflict {conflict} is stored twice")
        seen.add(repr(conflict))
    return broken


def _accounted(snapshot, table, row_id, row, name, s, changes) -> bool:
    value = s.change["data"][name]
    if row[name] == value or repr(value) in snapshot.conflict_values(row_id, name):
        return True
    # Replaced by a change made on top of the version that wrote it (sent, acknowledged or not): that tablet saw it.
    return any(o is not s and name in o.change["data"] and o.change["base_version"] >= s.result["version"]
               for o in changes)


def _check_visits(snapshot, visit_id: str, acked: list) -> list[str]:
    broken = []
    stored = snapshot.visits.get(visit_id)
    for s in acked:
        if s.change["op"] == "delete":
            continue
        data = s.change["data"]
        if stored is None:
            broken.append(f"visit {visit_id} acknowledged ({s.result['status']}) but not on the server")
            continue
        if (stored["household_id"], stored["status"], stored["notes"]) != (
                data["household_id"], data["status"], data["notes"]):
            broken.append(f"visit {visit_id}: stored {stored}, sent {data}")
        assists = sorted((a[1], a[2], a[3]) for a in snapshot.assists if a[0] == visit_id)
        if assists != sorted((a["resident_id"], a["topic"], a["outcome"]) for a in data["assists"]):
            broken.append(f"visit {visit_id}: assists stored {assists}, sent {data['assists']}")
    return broken


def check_settled(snapshot, sent: list) -> list[str]:
    """Once every tablet has synced: each change sent was answered (its batch resent after a lost reply), and each
    row's version is the highest answered for it, so none was written more times than answered."""
    broken = []
    answered = {(s.tablet, s.batch_id, s.change["id"]) for s in sent if s.acked}
    for s in sent:
        if (s.tablet, s.batch_id, s.change["id"]) not in answered:
            broken.append(f"{s.tablet}: batch {s.batch_id} never answered for {s.change['table']} {s.change['id']}")
    top: dict = {}
    for s in sent:
        if s.acked and s.change["table"] != "visits":
            key = (s.change["table"], s.change["id"])
            top[key] = max(top.get(key, 0), s.result["version"] or 0)
    for (table, row_id), version in top.items():
        row = snapshot.row(table, row_id)
        if row is not None and row["version"] != version:
            broken.append(f"{table} {row_id}: the server holds version {row['version']}, the highest answered "
                          f"is {version}")
    return broken


def diff(mine: dict | list, theirs: dict | list) -> str:
    if isinstance(mine, list):
        return f"tablet {[a for a in mine if a not in theirs]}, server {[a for a in theirs if a not in mine]}"
    lines = []
    for key in sorted(set(mine) | set(theirs)):
        if mine.get(key) != theirs.get(key):
            lines.append(f"{key}: tablet {mine.get(key)}, server {theirs.get(key)}")
    return "; ".join(lines[:5])


def test_nothing_is_lost(database_url, tmp_path):
    site = Site(database_url)
    try:
        run_state_machine_as_test(lambda: NothingLost(site, tmp_path), settings=SETTINGS)
    finally:
        site.stop()
