"""The connection side of the Store: one connection per thread over one file, and write transactions.

Terms:
- the *key*: the store's 32-byte data key (lock.py). With a key the file is a SQLCipher database (cipher.py): every
  page, of the file and of its WAL, is encrypted with AES-256 and checked with an HMAC. Without one (key=None) it
  is a plain sqlite3 file, as before encryption: the benchmarks' baseline and the stores that wait for migration;
- a *write* is `with self.write() as db:` — BEGIN IMMEDIATE .. COMMIT, rolled back on any error. Every local change
  and its outbox entry are written in one write, so a crash keeps both or neither.
WAL lets the sync thread write a page while the screen thread reads; synchronous=FULL makes a committed save
survive a power cut, which matters more here than a few milliseconds per save.
"""
import json
import threading
from contextlib import contextmanager
from pathlib import Path

from . import cipher, marks
from .schema import migrate


class StoreClosed(RuntimeError):
    """The encrypted store was closed (locked or erased): it has forgotten its key."""


class Base:
    def __init__(self, path: str | Path, key: bytes | None = None):
        """Open (creating and migrating if needed) the database file at `path`, encrypted with `key` when given.

        A key that does not open the file raises the driver's DatabaseError ("file is not a database")."""
        self.path = str(path)
        self.encrypted = key is not None
        self._key = key
        self._local = threading.local()
        self._all: list = []
        self._lock = threading.Lock()
        try:
            migrate(self.db)
            if self.db.execute("SELECT 1 FROM households WHERE length(sort_key) = 0 LIMIT 1").fetchone():
                with self.write() as db:
                    marks.fill_sort_keys(db)
        except Exception:
            self.close()
            raise

    @property
    def db(self):
        """This thread's connection (opened on first use)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            if self.encrypted and self._key is None:  # close(forget=True)
                raise StoreClosed()  # locked or erased: never reopen it (a missing file would come back empty)
            options = {"isolation_level": None, "check_same_thread": False, "timeout": 30}
            if self._key is None:
                import sqlite3
                conn = sqlite3.connect(self.path, **options)
                conn.row_factory = sqlite3.Row
            else:
                conn = cipher.connect(self.path, self._key, **options)
                conn.row_factory = cipher.driver().Row
                # A page read from the file costs a decryption and an HMAC check: keep up to 16 MB of decrypted pages
                # (a commune's whole store) in SQLite's cache instead of SQLite's 2 MB default.
                conn.execute(f"PRAGMA cache_size = -{cipher.CACHE_KIB}")
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

    def release(self) -> None:
        """Close this thread's connection only (the others may be in use on their threads)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            with self._lock:
                self._all.remove(conn)
            conn.close()
            self._local.conn = None

    def close(self, forget: bool = False) -> None:
        """Close every thread's connection; it opens again on next use, unless `forget` drops the key for good."""
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()
        if forget:
            self._key = None

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
