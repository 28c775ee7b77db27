"""Keep each household's search text and coverage marks in step with its residents and visits.

Terms (the same definitions as the dashboard's figures, shared/coverage.py):
- *reached*: the household has a met visit that is not voided;
- *topics done*: topics that the household has: the status (latest outcome over visits not voided, by start time in
  UTC, then visit id, then place in the visit) of the household as a whole or of one of its live residents is done
  or already_had. Stored comma-joined (",vneid_account,cashless_payment,") so that "topic not done" is one LIKE;
- *open follow-up*: the household's latest visit (by started time) has a follow_up_on date; a later visit closes it.
They are columns rather than computed per search, so listing 10,000 households stays one indexed query.
"""
from shared.sorting import address_key, key_bytes, name_key
from shared.text import digits, fold

from shared.vocab import HAS_IT as _HAS

CHUNK = 500  # ids per statement, under SQLite's limit of bound parameters
HAS_IT = ", ".join(f"'{o}'" for o in _HAS)
LATEST = """SELECT a.topic AS topic, a.outcome AS outcome, row_number() OVER (
                PARTITION BY coalesce(a.resident_id, ''), a.topic
                ORDER BY v.started_utc DESC, v.id DESC, a.rowid DESC) AS rank
            FROM assists a JOIN visits v ON v.id = a.visit_id LEFT JOIN residents r ON r.id = a.resident_id
            WHERE v.household_id = households.id AND v.voided = 0
              AND (a.resident_id IS NULL OR (r.deleted = 0 AND r.household_id = households.id))"""
"""Each subject's (the household's, or a live resident's) assists per topic, latest first: rank 1 is its status."""


def refresh(db, household_ids, search: bool = True, coverage: bool = True) -> None:
    """Recompute the search text and/or the coverage marks of these households (inside the caller's write)."""
    ids = list(dict.fromkeys(household_ids))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        marks = ",".join("?" * len(chunk))
        if search:
            _refresh_search(db, chunk, marks)
        if coverage:
            _refresh_coverage(db, chunk, marks)


def _refresh_coverage(db, chunk: list, marks: str) -> None:
    db.execute(f"""
            UPDATE households SET
              reached = EXISTS (SELECT 1 FROM visits v WHERE v.household_id = households.id
                                AND v.status = 'met' AND v.voided = 0),
              topics_done = coalesce((SELECT ',' || group_concat(topic, ',') || ',' FROM (
                  SELECT DISTINCT topic FROM ({LATEST}) WHERE rank = 1 AND outcome IN ({HAS_IT}))), ''),
              follow_up_on = (SELECT v.follow_up_on FROM visits v WHERE v.household_id = households.id
                              AND v.voided = 0 ORDER BY v.started_utc DESC, v.id DESC LIMIT 1)
            WHERE id IN ({marks})""", chunk)


def _refresh_search(db, chunk: list, marks: str) -> None:
    names: dict[str, list[str]] = {hid: [] for hid in chunk}
    for row in db.execute(f"SELECT household_id, full_name, phone FROM residents "
                          f"WHERE household_id IN ({marks}) AND deleted = 0", chunk):
        names[row[0]] += [row[1], digits(row[2])]
    rows = db.execute(f"SELECT id, head_name, address, phone, rowid FROM households WHERE id IN ({marks})", chunk)
    updates = [(search_text([r[1], r[2], digits(r[3]), *names[r[0]]]), sort_key(r[2], r[1]), r[0], r[4])
               for r in rows.fetchall()]
    db.executemany("UPDATE households SET search = ?, sort_key = ? WHERE id = ?", [u[:3] for u in updates])
    db.executemany("DELETE FROM household_search WHERE rowid = ?", [(u[3],) for u in updates])
    db.executemany("INSERT INTO household_search (rowid, search) VALUES (?, ?)", [(u[3], u[0]) for u in updates])


def sort_key(address: str, head_name: str) -> bytes:
    """A household's street order within its village: the walk order of shared/sorting.py, as bytes for SQLite."""
    return key_bytes((address_key(address), name_key(head_name)))


def fill_sort_keys(db) -> int:
    """Give their sort key to the households that have none (a store migrated to schema 5); returns how many."""
    rows = db.execute("SELECT id, address, head_name FROM households WHERE length(sort_key) = 0").fetchall()
    db.executemany("UPDATE households SET sort_key = ? WHERE id = ?", [(sort_key(r[1], r[2]), r[0]) for r in rows])
    return len(rows)


def drop_stale(db) -> None:
    """Remove index entries of households that were deleted from the table."""
    db.execute("DELETE FROM household_search WHERE rowid NOT IN (SELECT rowid FROM households)")


def search_text(parts) -> str:
    """The folded words a household is found by, separated by " | " so a query never matches across two fields."""
    return fold(" | ".join(p for p in parts if p))  # one fold of the whole: a third of the time of one per part
