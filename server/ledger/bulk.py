"""Bulk writing of new synced rows (the demo, a province's import): millions of rows in minutes.

It fills in the same bookkeeping as a ledger (rows.py): seq, version 1, every field at version 1, not deleted.
Whoever uses it refreshes the coverage facts afterwards (stats.facts.rebuild)."""
from datetime import datetime, timezone

from ..extensions import db
from ..models import Assist, Household, Resident, Visit
from .counter import take_seq
from .rows import WIRE_FIELDS

CHUNK = 20_000
"""Rows buffered before they are written and committed."""


class Writer:
    """Buffers rows per table and writes them in bulk, parents first, taking their seq as it goes.

    Rows skip SQLAlchemy's per-row statement work, the slow part at this size: each value goes through its
    column type's own bind processor, then to the driver at once (COPY on PostgreSQL, executemany on SQLite).
    """
    ORDER = (Household, Resident, Visit, Assist)

    def __init__(self):
        self.rows = {model: [] for model in self.ORDER}
        self.size = 0
        self.now = datetime.now(timezone.utc)
        dialect = db.engine.dialect
        # Every column but the assists' own id, which the database numbers.
        self.columns = {model: [c for c in model.__table__.columns if not (model is Assist and c.name == "id")]
                        for model in self.ORDER}
        self.processors = {model: [c.type.dialect_impl(dialect).bind_processor(dialect) for c in columns]
                           for model, columns in self.columns.items()}

    def add(self, model, rows: list[dict]) -> None:
        self.rows[model] += rows
        self.size += len(rows)
        if self.size >= CHUNK:
            self.flush()

    def flush(self) -> None:
        count = sum(len(self.rows[m]) for m in (Household, Resident, Visit))
        seq = take_seq(count) if count else 0
        for model in self.ORDER:
            rows = self.rows[model]
            for row in rows:
                if model is not Assist:
                    row["seq"] = seq
                    seq += 1
                if model in (Household, Resident):
                    row["created_at"] = row["updated_at"] = self.now
                    row.update(version=1, field_versions=dict.fromkeys(WIRE_FIELDS[model], 1), deleted=False)
            if rows:
                self._insert(model, rows)
            self.rows[model] = []
        self.size = 0
        db.session.commit()

    def _insert(self, model, rows: list[dict]) -> None:
        dialect = db.engine.dialect.name
        if dialect not in ("postgresql", "sqlite"):
            db.session.execute(model.__table__.insert(), rows)  # slower, but any database SQLAlchemy knows
            return
        names = [c.name for c in self.columns[model]]
        columns = [[row.get(name) for row in rows] for name in names]
        for i, process in enumerate(self.processors[model]):
            if process is not None:
                columns[i] = _processed(columns[i], process)
        values = list(zip(*columns))
        driver = db.session.connection().connection.driver_connection
        table = model.__tablename__
        if dialect == "postgresql":
            with driver.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
                for value in values:
                    copy.write_row(value)
        else:
            marks = ", ".join("?" * len(names))
            driver.cursor().executemany(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})", values)


def _processed(values: list, process) -> list:
    """`values` through a bind processor, each distinct value once: visit times repeat, for instance."""
    done, out = {None: None}, []
    for value in values:
        try:
            out.append(done[value])
        except KeyError:
            done[value] = process(value)
            out.append(done[value])
        except TypeError:  # a dict for a JSON column: not hashable
            out.append(process(value))
    return out
