"""`doorstep purge`: tombstones and batch receipts past the horizon go (docs/deploy.md, "Tombstones").

Terms:
- a *tombstone* is a deleted household or resident: tablets pull it so that they drop the row;
- a tombstone is *purgeable* when it was deleted longer ago than the horizon and nothing refers to it: no visit (a
  visit is kept forever, so a deleted household with visits stays), no assist (a resident an assist names stays),
  no conflict (the record of an overwritten value names its row), no resident that stays (a household);
- `sync_counter.purged_through` is the highest seq of a purged tombstone: a device whose cursor is below it has not
  pulled that tombstone and never will, so its next pull gets 410 and it pulls its scope again from zero.

The order keeps every tablet right: purged_through is advanced and committed first, then, after a pause longer than
a pull page takes, the rows go, in chunks, each chunk's DELETE under the counter lock (no push is between its first
write and its commit meanwhile), never a row whose seq is above purged_through. A pull that read the old
purged_through has ended before a row it could miss is deleted. Running it again, or after a crash, purges what is
left.
"""
import time
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import and_, delete, exists, func, not_, select, update
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import Assist, Conflict, Household, Resident, SyncBatch, SyncCounter, Visit, utcnow
from .counter import hold

CHUNK = 500
"""Rows deleted per transaction: a purge never holds the counter lock, which every push waits for, for long."""
PAUSE_SECONDS = 5
"""Between advancing purged_through and deleting: far longer than one pull page takes to read."""


@dataclass
class Purged:
    households: int = 0
    residents: int = 0
    receipts: int = 0
    purged_through: int = 0
    advanced: bool = False  # whether this run moved purged_through


def purge(days: int, chunk: int = CHUNK, pause=lambda: time.sleep(PAUSE_SECONDS)) -> Purged:
    """Purge the tombstones deleted more than `days` days ago that nothing refers to, and the batch receipts older
    than that; `pause` runs between advancing purged_through and the first delete."""
    cutoff = utcnow() - timedelta(days=days)
    done = Purged()
    done.purged_through, done.advanced = _advance(cutoff)
    if done.advanced:
        pause()
    done.residents = _delete_chunks(Resident, [*_resident_purgeable(Resident, cutoff)], chunk)
    households = [*_household_purgeable(cutoff), ~exists().where(Resident.household_id == Household.id)]
    done.households = _delete_chunks(Household, households, chunk)
    done.receipts = _delete_receipts(cutoff, chunk)
    return done


def _resident_purgeable(model, cutoff) -> list:
    # An assist names only a resident of its visit's household (a push checks it, and a resident never changes
    # household): looked for among that household's visits, through indexes, not through every assist.
    assisted = (select(Assist.id).join(Visit, Visit.id == Assist.visit_id)
                .where(Visit.household_id == model.household_id, Assist.resident_id == model.id))
    return [model.deleted.is_(True), model.updated_at < cutoff, ~assisted.exists(),
            ~exists().where(Conflict.table_name == "residents", Conflict.row_id == model.id)]


def _household_purgeable(cutoff) -> list:
    return [Household.deleted.is_(True), Household.updated_at < cutoff,
            ~exists().where(Visit.household_id == Household.id),
            ~exists().where(Conflict.table_name == "households", Conflict.row_id == Household.id)]


def _advance(cutoff) -> tuple[int, bool]:
    """Raise purged_through to the highest seq of what is purgeable now, committed; returns it and whether it
    moved."""
    # Read without the counter lock, which pushes wait for: a row that changes after this read has a higher seq,
    # and no row above purged_through is deleted.
    resident = aliased(Resident)
    staying = ~exists().where(resident.household_id == Household.id,
                              not_(and_(*_resident_purgeable(resident, cutoff))))
    highest = max(
        db.session.execute(select(func.max(Resident.seq)).where(*_resident_purgeable(Resident, cutoff))).scalar() or 0,
        db.session.execute(select(func.max(Household.seq)).where(*_household_purgeable(cutoff), staying)).scalar()
        or 0)
    counter = SyncCounter.__table__
    moved = db.session.execute(update(counter).where(counter.c.id == 1, counter.c.purged_through < highest)
                               .values(purged_through=highest)).rowcount
    through = db.session.execute(select(counter.c.purged_through).where(counter.c.id == 1)).scalar_one()
    db.session.commit()
    return through, bool(moved)


def _delete_chunks(model, purgeable: list, chunk: int) -> int:
    """Delete the purgeable rows of `model` up to purged_through, `chunk` per transaction. The rows are found
    without the counter lock; the DELETE checks them again under it, so pushes wait only for the DELETE."""
    total = 0
    through = select(SyncCounter.purged_through).where(SyncCounter.id == 1).scalar_subquery()
    while True:
        ids = db.session.execute(select(model.id).where(*purgeable, model.seq <= through).limit(chunk)).scalars().all()
        db.session.rollback()
        if not ids:
            return total
        hold()
        deleted = db.session.execute(delete(model).where(model.id.in_(ids), *purgeable, model.seq <= through)
                                     .execution_options(synchronize_session=False)).rowcount
        db.session.commit()
        if not deleted:  # all written meanwhile: the next run looks at them again
            return total
        total += deleted


def _delete_receipts(cutoff, chunk: int) -> int:
    """No lock: a batch retried after the horizon is applied as a new one (its visits are then duplicates)."""
    total = 0
    while True:
        old = select(SyncBatch.batch_id).where(SyncBatch.received_at < cutoff).limit(chunk)
        # The time again beside batch_id: the statement stays right whatever identifies a receipt.
        statement = delete(SyncBatch).where(SyncBatch.batch_id.in_(old), SyncBatch.received_at < cutoff)
        deleted = db.session.execute(statement.execution_options(synchronize_session=False)).rowcount
        db.session.commit()
        if not deleted:
            return total
        total += deleted
