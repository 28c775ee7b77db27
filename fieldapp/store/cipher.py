"""SQLCipher under the Store: opening a file with its data key, and encrypting a plain store in place.

Terms:
- a *plain store* is a database file of the app before encryption (stdlib sqlite3): it starts with the 16 bytes
  PLAIN_HEADER. An encrypted file starts with its random salt, so nothing in it reads as SQLite;
- the *raw key* form of SQLCipher's key pragma (x'<64 hex digits>') uses the 32 bytes as the AES key directly, so an
  open costs no key derivation (the PIN's scrypt is in lock.py, once per unlock);
- *encrypt in place* (`encrypt_plain`) is SQLCipher's documented migration: attach a new encrypted file and
  `sqlcipher_export` into it, then rename it over the plain one. Every row (outbox and problems included) and the
  schema version go across. Order, so that a crash at any point leaves one whole store: (1) the plain file's WAL is
  checkpointed into it and truncated; (2) the copy is written to `<db>.enc-tmp` and checked; (3) the caller has
  written the key file before (the copy is worth nothing without it); (4) the plain -wal/-shm, now empty, go;
  (5) the copy is renamed over the plain file and the folder synced. Before (5) the plain file is the store (a
  leftover copy is deleted and made again); after it, the encrypted one is.
The sqlcipher3 package (sqlcipher3-binary on PyPI, built with FTS5; on Android a local python-for-android recipe, see
docs/android.md) is imported on first use.
"""
import os
from pathlib import Path

PLAIN_HEADER = b"SQLite format 3\x00"
CACHE_KIB = 16_000


def driver():
    """The DB-API module of SQLCipher."""
    from sqlcipher3 import dbapi2
    return dbapi2


def key_pragma(key: bytes) -> str:
    if len(key) != 32:
        raise ValueError("a data key is 32 bytes")
    return f"\"x'{key.hex()}'\""


def connect(path: str, key: bytes, **options):
    """A SQLCipher connection to `path` opened with `key`; DatabaseError when the key does not open it."""
    conn = driver().connect(path, **options)
    conn.execute(f"PRAGMA key = {key_pragma(key)}")
    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # the first read checks the key
    return conn


def is_plain(path: str | Path) -> bool:
    """True when the file at `path` is a plain (unencrypted) SQLite database."""
    try:
        with open(path, "rb") as fh:
            return fh.read(16) == PLAIN_HEADER
    except FileNotFoundError:
        return False


def side_files(path: str | Path) -> list[Path]:
    """The files SQLite and this module may put beside a database file."""
    path = Path(path)
    return [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal", ".enc-tmp",
                                                                ".enc-tmp-journal", ".enc-tmp-wal")]


def encrypt_plain(path: str | Path, key: bytes, before_rename=None) -> None:
    """Encrypt the plain store at `path` with `key`, in place (see the module's docstring for the order).

    `before_rename()` is called once the encrypted copy is checked, before the plain file is replaced: the caller
    writes the key file there. Nobody may have the plain file open."""
    path = Path(path)
    tmp = path.with_name(path.name + ".enc-tmp")
    for leftover in (tmp, *side_files(tmp)):
        leftover.unlink(missing_ok=True)
    conn = driver().connect(str(path), isolation_level=None)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        counts = _counts(conn, "main")
        conn.execute(f"ATTACH DATABASE ? AS enc KEY {key_pragma(key)}", (str(tmp),))
        conn.execute("SELECT sqlcipher_export('enc')")
        conn.execute(f"PRAGMA enc.user_version = {int(version)}")
        if _counts(conn, "enc") != counts:
            raise RuntimeError("the encrypted copy does not hold every row")
        conn.execute("DETACH DATABASE enc")
    finally:
        conn.close()
    check = connect(str(tmp), key)
    try:
        if check.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise RuntimeError("the encrypted copy is damaged")
    finally:
        check.close()
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    if before_rename:
        before_rename()
    for name in ("-wal", "-shm"):
        path.with_name(path.name + name).unlink(missing_ok=True)
    os.replace(tmp, path)
    sync_dir(path.parent)


def sync_dir(folder: Path) -> None:
    """fsync the folder, so a rename survives a power cut (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _counts(conn, schema: str) -> dict:
    # Virtual tables are counted through their shadow tables (household_search_data, ...), which are plain ones.
    tables = [r[0] for r in conn.execute(f"SELECT name FROM {schema}.sqlite_master WHERE type = 'table' "
                                         "AND name NOT LIKE 'sqlite_%' AND sql NOT LIKE 'CREATE VIRTUAL%'")]
    return {t: conn.execute(f'SELECT count(*) FROM {schema}."{t}"').fetchone()[0] for t in tables}
