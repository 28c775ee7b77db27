"""Pull: one page of the caller's scope after its cursor, in seq order (docs/protocol.md, "Pull").

Rows are read only up to the committed counter: every row below it has committed (a writer takes its seq numbers
late and holds the counter until commit), so none can appear later below a cursor handed out.
"""
from ..extensions import db
from ..ledger import Scope
from ..models import SyncCounter, utcnow
from . import page as pages, records


class ResetRequired(Exception):
    """The caller must pull its scope from zero (410)."""


def pull(device, scope: Scope, since: int, limit: int, older: bool = False) -> bytes:
    """One page of the caller's scope after `since`, in seq order (see the module's terms), as the reply's JSON.
    `older`: for an app of wire schema 1 (page.OLDER_OUTCOMES)."""
    counter = db.session.get(SyncCounter, 1)
    current = scope.digest()
    if since > 0 and (device.scope_hash != current or since < counter.purged_through):
        raise ResetRequired()
    if since == 0 and device.scope_hash != current:
        device.scope_hash = current
    # Only rows up to the committed counter: every one of them has committed, so none can appear later below it.
    horizon = counter.v
    # First the seq numbers of up to `limit` rows of each table, then whole rows only up to the page's last seq:
    # reading `limit` whole rows of every table to keep `limit` of them in all cost three times the work. Once
    # `limit` seq numbers are known, the next table is read only below the highest that can still be on the page.
    seqs, ordered, bound = {}, [], horizon
    for table in records.MODELS:
        seqs[table] = pages.page_seqs(table, scope, since, limit, bound)
        ordered = sorted(ordered + seqs[table])[:limit]
        if len(ordered) >= limit:
            bound = ordered[limit - 1]
    # A full page may have more after it: tables read below `bound` or up to `limit` say nothing of what follows.
    has_more = len(ordered) >= limit
    last = ordered[-1] if ordered else since
    rows = []
    for table, found in seqs.items():
        if found and found[0] <= last:
            rows.extend(pages.page_records(table, scope, since, last, older))
    rows.sort(key=lambda r: r[0])
    page = rows[:limit]
    # A row changed between the two reads has a seq above the horizon now: it comes in a later page.
    cursor = (page[-1][0] if page else last) if has_more else horizon
    if not has_more:
        device.last_sync_at = utcnow()  # a pull is a sync once it has reached the end: a page less to write
    db.session.commit()
    return pages.reply([record for _, record in page], cursor, has_more)
