"""The change numbers (`seq`) of the single `sync_counter` row: every synced row takes its own when written."""
from sqlalchemy import bindparam, update

from ..extensions import db
from ..models import SyncCounter

# Built once: building it cost more than running it.
_TAKE_SEQ = (update(SyncCounter).where(SyncCounter.id == 1).values(v=SyncCounter.v + bindparam("count"))
             .returning(SyncCounter.v))


def ensure_counter() -> None:
    """Create the counter row of a new database."""
    if db.session.get(SyncCounter, 1) is None:
        db.session.add(SyncCounter(id=1, v=0, purged_through=0))
        db.session.commit()


def take_seq(count: int) -> int:
    """Reserve `count` change numbers and return the first. Call it late: it holds the counter lock until commit."""
    # On the session's connection: an UPDATE through the ORM session also looks for the row among its objects.
    last = db.session.connection().execute(_TAKE_SEQ, {"count": count}).scalar_one()
    return last - count + 1


def hold() -> None:
    """Take the counter row's lock until commit without taking a number: meanwhile no writer is between its first
    write and its commit, and what is read after it is the latest committed state."""
    take_seq(0)
