"""A ledger: the writes to synced rows of one transaction (the package's docstring defines the terms)."""
from sqlalchemy import insert, update

from shared import wire
from sqlalchemy.orm.exc import StaleDataError

from ..extensions import db
from ..models import Conflict, Household, Resident, Visit, utcnow
from . import moves, visits
from .counter import take_seq
from .stale import mark_stale

StaleRow = StaleDataError
"""Raised by Ledger.write when a household or resident changed after it was read: merge again from fresh reads."""

WIRE_FIELDS = {Household: wire.HOUSEHOLD_FIELDS, Resident: wire.RESIDENT_FIELDS}
"""The fields of a household or resident that a device writes, each with its own version."""


class Ledger:
    """Collects one transaction's writes to synced rows; `write()` then writes them all, late, before commit."""

    def __init__(self, by_user_id: int | None):
        self.by = by_user_id
        self.rows: list = []  # ORM households and residents, new or changed: each takes a seq
        self.plain: dict = {Household: [], Resident: []}  # new rows as dicts, inserted in bulk
        self.visits: list[dict] = []  # new visits: the columns of `visits`, plus their `assists`
        self.voids: dict[str, str] = {}  # ids of the visits to void -> their household
        self.moved: dict[str, tuple] = {}  # households whose village changed -> (village, commune) they left
        self.inserted: set[str] = set()  # after write(): the ids of the new visits stored (not taken before)

    def create(self, model, row_id: str, data: dict, village_id: int, commune_id: int):
        """A new household or resident, as an ORM row at version 1."""
        row = model(**{**data, "village_id": village_id}, id=row_id, commune_id=commune_id, version=1,
                    field_versions=dict.fromkeys(WIRE_FIELDS[model], 1), updated_by=self.by, deleted=False)
        db.session.add(row)
        self.rows.append(row)
        return row

    def create_plain(self, model, row: dict) -> None:
        """A new household or resident as a plain dict of columns (bulk imports): its bookkeeping is filled in."""
        self.plain[model].append({**row, "version": 1, "field_versions": dict.fromkeys(WIRE_FIELDS[model], 1),
                                  "updated_by": self.by, "deleted": False})

    def change(self, row, updates: dict, conflicts=(), commune_id: int | None = None) -> None:
        """Write `updates` into a stored household or resident, as its next version.

        `conflicts` are (field, overwritten value) pairs: values another writer had set since the version the
        change was made against. A household's new village needs its `commune_id`."""
        if not updates:
            return
        version = row.version + 1
        for name, lost in conflicts:
            db.session.add(Conflict(table_name=row.__tablename__, row_id=row.id, field=name,
                                    kept_value=updates[name], lost_value=lost, kept_by=self.by,
                                    lost_by=row.updated_by, commune_id=row.commune_id))
        if isinstance(row, Household) and updates.get("village_id", row.village_id) != row.village_id:
            self.moved.setdefault(row.id, (row.village_id, row.commune_id))
            row.commune_id = commune_id
        for name, value in updates.items():
            setattr(row, name, value)
        row.field_versions = {**(row.field_versions or {}), **dict.fromkeys(updates, version)}
        row.version, row.updated_by, row.updated_at = version, self.by, utcnow()
        self.rows.append(row)

    def delete(self, row) -> None:
        row.deleted, row.version = True, row.version + 1
        row.updated_by, row.updated_at = self.by, utcnow()
        self.rows.append(row)

    def add_visit(self, row: dict) -> None:
        """A new visit: every column of `visits` but seq, and its `assists` (resident_id, topic, outcome, note)."""
        self.visits.append(row)

    def void(self, visit_id: str, household_id: str) -> None:
        self.voids[visit_id] = household_id

    def keep_visit(self, visit_id: str, data: dict, commune_id: int) -> None:
        """A visit pushed under a stored id with other content: kept for review, as the stored one stays."""
        db.session.add(Conflict(table_name="visits", row_id=visit_id, field="visit", kept_value=None,
                                lost_value=data, kept_by=None, lost_by=self.by, commune_id=commune_id))

    def write(self, mark: bool = True) -> None:
        """Take the seq numbers, late, and write every row; raises StaleRow (see above). With `mark` false, the
        caller marks `touched()` stale itself before commit (the push sends it with its last statements)."""
        count = len(self.rows) + len(self.visits) + len(self.voids) + sum(map(len, self.plain.values()))
        if not count:
            return
        seq = take_seq(count)
        for row in self.rows:
            row.seq, seq = seq, seq + 1
        if self.rows:
            db.session.flush()
        for model, rows in self.plain.items():
            for row in rows:
                row["seq"], seq = seq, seq + 1
            if rows:
                db.session.execute(insert(model), rows)
        if self.visits:
            seq = self._insert_visits(seq)
        for visit_id in self.voids:
            db.session.execute(update(Visit).where(Visit.id == visit_id)
                               .values(voided=True, version=Visit.version + 1, seq=seq))
            seq += 1
        if self.moved:
            db.session.flush()  # new residents of a moved household move with it
            moves.move_members(self.moved)
        if mark:
            # Under the counter lock, so that the next reader of the coverage facts refreshes them (stats/facts.py).
            mark_stale(self.touched())

    def _insert_visits(self, seq: int) -> int:
        assists = [row.pop("assists") for row in self.visits]
        for row in self.visits:
            row["seq"], seq = seq, seq + 1
        # The assists of every visit: those of a visit a concurrent push stored first are not inserted.
        self.inserted = visits.insert_visits(self.visits, [
            {"visit_id": row["id"], "resident_id": a["resident_id"] and str(a["resident_id"]), "topic": a["topic"],
             "outcome": a["outcome"], "note": a["note"], "household_id": row["household_id"],
             "commune_id": row["commune_id"]}
            for row, some in zip(self.visits, assists) for a in some])
        return seq

    def touched(self) -> set:
        """The households whose own row, residents or visits this ledger wrote."""
        ids = {row["household_id"] for row in self.visits}
        ids.update(self.voids.values())
        ids.update(row["id"] for row in self.plain[Household])
        ids.update(row["household_id"] for row in self.plain[Resident])
        ids.update(row.id if isinstance(row, Household) else row.household_id for row in self.rows)
        return ids
