"""The one write path of synced rows: households, residents, visits and their assists.

Terms:
- a *synced row* is a row a device may pull: it carries `seq`, its village and commune, and (households and
  residents) a `version` and the version that last changed each field (`field_versions`);
- a *ledger* (rows.Ledger) collects the writes of one transaction, then writes them at once, late: it takes their
  seq numbers from the counter (counter.py), which holds the counter lock until commit, so seq follows commit order;
- a change to a stored household or resident names the version it was merged against: if another writer committed
  in between, the write fails (StaleDataError) and the caller merges again from fresh reads, under the counter lock;
- every value a write overwrites that another writer had set is kept in `conflicts`, and so is a visit pushed again
  under a stored id with other content;
- a write marks the households it touched stale (stale.py), so the coverage facts are refreshed at the next read;
- a household that changes village takes its residents and visits along (moves.py);
- a *scope* (scope.py) says which rows a caller may read and write.

Nothing else writes synced rows: the push, the dashboard's conflict resolution, the importer, the admin commands and
the demo all go through here.
"""
from .counter import ensure_counter, hold, take_seq  # noqa: F401
from .rows import Ledger, StaleRow  # noqa: F401
from .scope import Scope  # noqa: F401
