"""The pieces of the end-to-end tests: a restartable server on 127.0.0.1, and tablets made of the real field-app code.

- `Site(url)`: the Flask app on the database at `url`, served by werkzeug threads on an ephemeral port that stays
  the same across `restart()` (a new app object on the same database: nothing survives in memory). `reset()`
  empties the tables and seeds a World (tests/conftest.py). `snapshot()` reads the server's rows for the checks.
- `Tablet`: a real `Store` on a file and a real `SyncEngine`, whose `ApiClient` records what it sends and what the
  server answers, and can lose the reply of its next push after the server committed it (`lose_next_reply()`).
"""
import threading
from dataclasses import dataclass, field

import requests
from requests.adapters import HTTPAdapter

from fieldapp.store import Store
from fieldapp.sync import ApiClient, SyncEngine
from server.extensions import db
from server.ledger import ensure_counter
from server.models import Assist, Conflict, Household, Resident, Visit
from shared.wire import HOUSEHOLD_FIELDS, RESIDENT_FIELDS
from tests.conftest import World, make_app
from tests.fieldapp.conftest import Listener

VISIT_FIELDS = ("household_id", "status", "notes", "voided")


class Site:
    """The server of a run: see the module's docstring."""

    def __init__(self, url: str):
        self.url = url
        self.app = make_app(url)
        with self.app.app_context():
            db.create_all()
        self.listener = Listener(self.app)
        self.port = self.listener.port
        self.base = f"http://127.0.0.1:{self.port}"

    def reset(self) -> World:
        """Empty every table and seed areas and users again."""
        with self.app.app_context():
            for table in reversed(db.metadata.sorted_tables):
                db.session.execute(table.delete())
            db.session.commit()
            ensure_counter()
            db.session.remove()
        return World(self.app)

    def restart(self) -> None:
        """Stop the server, connections and all, and start a new one on the same database and port."""
        self.listener.stop()
        self._close_app()
        self.app = make_app(self.url)
        self.listener = Listener(self.app, self.port)

    def stop(self) -> None:
        self.listener.stop()
        self._close_app()

    def _close_app(self) -> None:
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()

    def snapshot(self) -> "Snapshot":
        """The server's synced rows and conflicts, read directly from its database."""
        with self.app.app_context():
            try:
                return Snapshot(
                    households={r.id: {**{f: getattr(r, f) for f in HOUSEHOLD_FIELDS}, "version": r.version,
                                       "deleted": bool(r.deleted)}
                                for r in db.session.execute(db.select(Household)).scalars()},
                    residents={r.id: {**{f: getattr(r, f) for f in RESIDENT_FIELDS}, "version": r.version,
                                      "deleted": bool(r.deleted)}
                               for r in db.session.execute(db.select(Resident)).scalars()},
                    visits={r.id: {**{f: getattr(r, f) for f in VISIT_FIELDS}, "version": r.version}
                            for r in db.session.execute(db.select(Visit)).scalars()},
                    assists=[(a.visit_id, a.resident_id, a.topic, a.outcome) for a in db.session.execute(
                        db.select(Assist.visit_id, Assist.resident_id, Assist.topic, Assist.outcome))],
                    conflicts=[(c.row_id, c.field, c.kept_value, c.lost_value) for c in db.session.execute(
                        db.select(Conflict.row_id, Conflict.field, Conflict.kept_value, Conflict.lost_value))])
            finally:
                db.session.remove()


@dataclass
class Snapshot:
    households: dict
    residents: dict
    visits: dict
    assists: list
    conflicts: list

    def row(self, table: str, row_id: str) -> dict | None:
        return getattr(self, table).get(row_id)

    def conflict_values(self, row_id: str, name: str) -> set:
        return {repr(v) for c in self.conflicts if (c[0], c[1]) == (row_id, name) for v in (c[2], c[3])}

    def lost_values(self, row_id: str, name: str) -> set:
        return {repr(c[3]) for c in self.conflicts if (c[0], c[1]) == (row_id, name)}


@dataclass
class Sent:
    """One change a tablet sent, and the result the server answered for it (None while no reply arrived)."""
    tablet: str
    batch_id: str
    change: dict
    result: dict | None = None

    @property
    def acked(self) -> bool:
        return self.result is not None


@dataclass
class Log:
    """Every change sent by every tablet, in the order sent; thread-safe (tablets may sync at once)."""
    sent: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def acked(self) -> list:
        with self.lock:
            return [s for s in self.sent if s.acked]

    def all(self) -> list:
        with self.lock:
            return list(self.sent)


class LoseReply(HTTPAdapter):
    """Lets a push reach the server and be answered, then throws the reply away: the tablet never hears back."""

    def __init__(self):
        super().__init__()
        self.armed, self.lost = False, 0

    def send(self, request, **kwargs):
        reply = super().send(request, **kwargs)
        if self.armed and request.url.endswith("/sync/push"):
            self.armed = False
            self.lost += 1
            reply.close()
            raise requests.ConnectionError("the connection broke before the reply arrived")
        return reply


class RecordingClient(ApiClient):
    """The field app's ApiClient, unchanged, with what it pushes and what it hears back written to a Log."""

    def __init__(self, base: str, name: str, log: Log):
        super().__init__(base, retries=0)
        self.name, self.log, self.adapter = name, log, LoseReply()

    @property
    def session(self):
        if self._session is None:
            self._session = requests.Session()
            self._session.mount("http://", self.adapter)
        return self._session

    def push(self, batch_id: str, changes: list[dict]) -> dict:
        sent = [Sent(self.name, batch_id, change) for change in changes]
        with self.log.lock:
            self.log.sent.extend(sent)
        reply = super().push(batch_id, changes)
        with self.log.lock:
            for entry, result in zip(sent, reply["results"]):
                entry.result = result
        return reply


class Tablet:
    def __init__(self, site: Site, name: str, username: str, path, log: Log):
        self.site, self.name, self.path, self.log = site, name, path, log
        self.store = Store(path)
        self.client = RecordingClient(site.base, name, log)
        self.engine = SyncEngine(self.store, self.client)
        self.engine.login(site.base, username, World.PASSWORD)

    def reopen(self) -> None:
        """The app starts again on its file: a new Store, client and engine; the login is read from the file."""
        self.client.close()
        self.store = Store(self.path)
        self.client = RecordingClient(self.site.base, self.name, self.log)
        self.engine = SyncEngine(self.store, self.client)

    def close(self) -> None:
        self.client.close()
        self.store.close()

    def sync(self) -> dict:
        return self.engine.run()

    def lose_next_reply(self) -> None:
        self.client.adapter.armed = True

    def ids(self, table: str) -> list[str]:
        where = " WHERE deleted = 0" if table != "visits" else ""
        return [r[0] for r in self.store.db.execute(f"SELECT id FROM {table}{where} ORDER BY id")]

    def rows(self) -> dict:
        """The tablet's records as the server's snapshot has them."""
        db = self.store.db
        out = {"households": {}, "residents": {}, "visits": {}}
        for r in db.execute("SELECT * FROM households"):
            out["households"][r["id"]] = {**{f: r[f] for f in HOUSEHOLD_FIELDS}, "version": r["version"],
                                          "deleted": bool(r["deleted"])}
        for r in db.execute("SELECT * FROM residents"):
            row = {**{f: r[f] for f in RESIDENT_FIELDS}, "version": r["version"], "deleted": bool(r["deleted"])}
            row["has_smartphone"] = None if row["has_smartphone"] is None else bool(row["has_smartphone"])
            out["residents"][r["id"]] = row
        for r in db.execute("SELECT * FROM visits"):
            out["visits"][r["id"]] = {**{f: r[f] for f in VISIT_FIELDS}, "version": r["version"]}
            out["visits"][r["id"]]["voided"] = bool(r["voided"])
        out["assists"] = sorted((tuple(a) for a in db.execute(
            "SELECT visit_id, resident_id, topic, outcome FROM assists")), key=repr)  # resident_id may be None
        return out
