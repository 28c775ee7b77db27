"""The local database's tables and their forward migrations.

Terms:
- the *schema version* is SQLite's `PRAGMA user_version`: 0 for a new file, then the number of migration steps run;
- a *migration step* is one SQL script of MIGRATIONS; step i takes a database from version i to i + 1. Steps are
  only ever appended, never edited, so every tablet reaches the same schema whatever version it starts from.
Record tables mirror the server's wire records (shared/schemas.py) plus local columns:
- households.search: the folded head name, address, residents' names and phone digits, for LIKE search;
- households.reached / topics_done / follow_up_on: coverage marks, kept up to date when visits arrive (marks.py);
- household_search: the same text in an FTS5 trigram index, for words of 3 letters or more;
- visits.started_utc: started_at in UTC, so that visits sort and filter by day whatever offset they carry;
- households.sort_key: the household's street order within its village (shared/sorting.py's address then head's
  name, as key_bytes), so that SQLite sorts lists in Vietnamese order with an index (marks.py keeps it).
"""
MIGRATIONS = [
    # 1: the records, the outbox, the account and the sync problems.
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
    CREATE TABLE areas (id INTEGER PRIMARY KEY, parent_id INTEGER, level TEXT, code TEXT, name TEXT,
                        version INTEGER NOT NULL DEFAULT 0);
    CREATE TABLE households (
        id TEXT PRIMARY KEY, village_id INTEGER, address TEXT NOT NULL DEFAULT '', head_name TEXT NOT NULL DEFAULT '',
        phone TEXT NOT NULL DEFAULT '', note TEXT NOT NULL DEFAULT '', version INTEGER NOT NULL DEFAULT 0,
        deleted INTEGER NOT NULL DEFAULT 0, search TEXT NOT NULL DEFAULT '',
        reached INTEGER NOT NULL DEFAULT 0, topics_done TEXT NOT NULL DEFAULT '', follow_up_on TEXT);
    CREATE INDEX households_village ON households (village_id, head_name);
    CREATE TABLE residents (
        id TEXT PRIMARY KEY, household_id TEXT NOT NULL, full_name TEXT NOT NULL DEFAULT '', birth_year INTEGER,
        sex TEXT, phone TEXT NOT NULL DEFAULT '', has_smartphone INTEGER, version INTEGER NOT NULL DEFAULT 0,
        deleted INTEGER NOT NULL DEFAULT 0);
    CREATE INDEX residents_household ON residents (household_id);
    CREATE TABLE visits (
        id TEXT PRIMARY KEY, household_id TEXT NOT NULL, official_id INTEGER, started_at TEXT NOT NULL,
        started_utc TEXT NOT NULL, duration_min INTEGER, status TEXT NOT NULL, notes TEXT NOT NULL DEFAULT '',
        follow_up_on TEXT, lat REAL, lon REAL, accuracy_m REAL, replaces_id TEXT, voided INTEGER NOT NULL DEFAULT 0,
        received_at TEXT, version INTEGER NOT NULL DEFAULT 0);
    CREATE INDEX visits_household ON visits (household_id, started_utc);
    CREATE INDEX visits_started ON visits (started_utc);
    CREATE TABLE assists (visit_id TEXT NOT NULL, resident_id TEXT, topic TEXT NOT NULL, outcome TEXT NOT NULL,
                          note TEXT NOT NULL DEFAULT '');
    CREATE INDEX assists_visit ON assists (visit_id);
    CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, table_name TEXT NOT NULL, row_id TEXT NOT NULL,
        op TEXT NOT NULL DEFAULT 'upsert', base_version INTEGER NOT NULL DEFAULT 0, data TEXT NOT NULL,
        batch_id TEXT, created_at TEXT NOT NULL);
    CREATE INDEX outbox_row ON outbox (table_name, row_id);
    CREATE INDEX outbox_batch ON outbox (batch_id);
    CREATE TABLE problems (
        id INTEGER PRIMARY KEY AUTOINCREMENT, table_name TEXT NOT NULL, row_id TEXT NOT NULL, status TEXT NOT NULL,
        errors TEXT, current TEXT, data TEXT, at TEXT NOT NULL, dismissed INTEGER NOT NULL DEFAULT 0);
    """,
    # 2: a trigram full-text index of households.search (row id = the household's rowid): substring search over
    # 10,000 households without reading every row.
    """
    CREATE VIRTUAL TABLE household_search USING fts5(search, tokenize = 'trigram');
    INSERT INTO household_search (rowid, search) SELECT rowid, search FROM households;
    CREATE INDEX households_head ON households (head_name);
    """,
    # 3: what a problem needs to be fixed or discarded on purpose: the server's reason code, the change's op and
    # base_version, and when it was dealt with. `dismissed` becomes the resolution: 0 open, 1 discarded, 2 fixed.
    """
    ALTER TABLE problems ADD COLUMN code TEXT;
    ALTER TABLE problems ADD COLUMN op TEXT NOT NULL DEFAULT 'upsert';
    ALTER TABLE problems ADD COLUMN base_version INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE problems ADD COLUMN resolved_at TEXT;
    CREATE INDEX problems_row ON problems (table_name, row_id, dismissed);
    """,
    # 4: the indicators of issue 11. Outcomes already_had and not_applicable may now be stored (the columns are
    # free text: nothing to alter, and visits logged before keep their outcomes, synced or waiting in the outbox).
    # topics_done now means "has it": the latest outcome (not any `done` ever) of the household or of a live
    # resident is done or already_had. Recomputed here for every household, with the SQL of marks.py as it was
    # written for this step (a step is never edited, so it is copied rather than imported).
    """
    UPDATE households SET topics_done = coalesce((SELECT ',' || group_concat(topic, ',') || ',' FROM (
        SELECT DISTINCT topic FROM (
            SELECT a.topic AS topic, a.outcome AS outcome, row_number() OVER (
                PARTITION BY coalesce(a.resident_id, ''), a.topic
                ORDER BY v.started_utc DESC, v.id DESC, a.rowid DESC) AS rank
            FROM assists a JOIN visits v ON v.id = a.visit_id LEFT JOIN residents r ON r.id = a.resident_id
            WHERE v.household_id = households.id AND v.voided = 0
              AND (a.resident_id IS NULL OR (r.deleted = 0 AND r.household_id = households.id)))
        WHERE rank = 1 AND outcome IN ('done', 'already_had'))), '');
    """,
    # 5: Vietnamese street order (issue 11): the key is computed in Python (marks.py), so the rows of an older
    # store get theirs when the store opens (marks.fill_sort_keys), not here.
    """
    ALTER TABLE households ADD COLUMN sort_key BLOB NOT NULL DEFAULT x'';
    CREATE INDEX households_sort ON households (village_id, sort_key);
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)


def migrate(conn) -> int:
    """Run the missing migration steps, each in its own transaction with its new user_version; return the version."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise RuntimeError(f"This database is from a newer app (schema {version} > {SCHEMA_VERSION}): update the app.")
    for step in range(version, SCHEMA_VERSION):
        # executescript commits first; the step then runs inside one BEGIN..COMMIT together with its user_version,
        # so a crash mid-step leaves the previous version, and the step runs again from the start.
        conn.executescript(f"BEGIN; {MIGRATIONS[step]}; PRAGMA user_version = {step + 1}; COMMIT;")
    return SCHEMA_VERSION
