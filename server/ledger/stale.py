"""Coverage facts made out of date by a write (stats/facts.py refreshes them at the next read)."""
from ..extensions import db


def mark_stale(household_ids) -> None:
    """Mark these households' facts as out of date, in the caller's transaction (one statement, with the driver:
    through the ORM it cost a push as much as its visits' insert)."""
    ids = sorted({str(i) for i in household_ids if i is not None})
    if not ids:
        return
    cursor = db.session.connection().connection.driver_connection.cursor()
    if db.engine.dialect.name == "postgresql":
        cursor.execute("INSERT INTO stale_households (household_id) SELECT unnest(%s::uuid[]) ON CONFLICT DO NOTHING",
                       [ids], binary=True)
    else:  # SQLite holds an id as its 32 hex digits, as the Uuid type writes it
        cursor.executemany("INSERT OR IGNORE INTO stale_households (household_id) VALUES (?)",
                           [(i.replace("-", ""),) for i in ids])
