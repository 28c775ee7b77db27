"""The field app's local database (one sqlite3 file per user): records, outbox, account and sync problems.

`Store(path)` is all a caller needs; its methods return plain dicts and lists. See schema.py for the tables,
edits.py for local changes and their outbox, syncing.py for what the sync engine calls, restoring.py for
what it sends after a server restore, reads.py for the screens.
"""
from .base import Base
from .edits import Edits, InvalidData
from .problems import Problems
from .reads import Reads
from .restoring import Restoring
from .syncing import Syncing
from .undo import Undo


class Store(Base, Reads, Edits, Syncing, Problems, Undo, Restoring):
    """The local database of one user. Thread-safe: each thread gets its own connection to the file."""


__all__ = ["Store", "InvalidData"]
