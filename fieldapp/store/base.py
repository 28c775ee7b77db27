"""The connection side of the Store: one sqlite3 connection per thread over one file, and write transactions.

Terms:
- a *write* is `with self.write() as db:` — BEGIN IMMEDIATE .. COMMIT, rolled back on any error. Every local change
  and its outbox entry are written in one write, so a crash keeps both or neither.
WAL lets the sync thread write a page while the screen thread reads; synchronous=FULL makes a committed save
survive a power cut, which matters more here than a few milliseconds per save.
"""
import json
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path

from .schema import migrate


class Base:
    def __init__(self, path: str | Path):
        """Open (creating and migrating if needed) the database file at `path`."""
        self.path = str(path)
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        migrate(self.db)

    @property
    def db(self) -> sqlite3.Connection:
        """This thread's connection (opened on first use)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=OFF")
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    @contextmanager
    def write(self):
        """A write transaction on this thread's connection: committed at the end, rolled back on error."""
        db = self.db
        if db.in_transaction:  # nested: the outer write commits
            yield db
            return
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def close(self) -> None:
        """Close every thread's connection."""
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()

    # The account and sync state live in `meta` as JSON values.
    def get_meta(self, key: str, default=None):
        """One value of `meta`, or `default`."""
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    def set_meta(self, **values) -> None:
        """Set values of `meta` (None deletes the key), in one write."""
        with self.write() as db:
            for key, value in values.items():
                if value is None:
                    db.execute("DELETE FROM meta WHERE key = ?", (key,))
                else:
                    db.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE "
                               "SET value = excluded.value", (key, json.dumps(value)))
