"""What SQLite itself needs for the sync bench's visits: the same rows inserted with raw sqlite3, in batches of 100
with their counter update, into the server's schema with the server's settings. Prints figures, not pass/fail.

    .venv/bin/python bench/sqlite_floor.py
    .venv/bin/python bench/sqlite_floor.py --drop ix_visits_seq ix_visits_official_id   # without some indexes
"""
import argparse
import os
import sqlite3
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench import sync_world as world_mod  # noqa: E402
from server.ledger import visits as writer  # noqa: E402
from shared.ids import new_id  # noqa: E402

PRAGMAS = ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "wal_autocheckpoint=10000")  # the server's


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--drop", nargs="*", default=[], help="indexes to drop first")
    args = parser.parse_args()
    database = world_mod.Database("sqlite")
    try:
        world = world_mod.populate(database.url, 10, 5_000, seed=0)
        rows, assists = world_mod.stored_rows(world_mod.visits(world["residents_of"], args.visits, 0), world,
                                              new_id())
        connection = sqlite3.connect(database.url.removeprefix("sqlite:///"))
        for pragma in PRAGMAS:
            connection.execute("PRAGMA " + pragma)
        for index in args.drop:
            connection.execute(f"DROP INDEX {index}")
        connection.commit()
        insert_visits = writer._sqlite_statement("INSERT INTO visits", writer.VISIT_COLUMNS)
        insert_assists = writer._sqlite_statement("INSERT INTO assists", writer.ASSIST_COLUMNS)
        convert = insert = commit = 0.0
        seq = 1_000_000
        for start in range(0, args.visits, args.batch):
            began = time.perf_counter()
            visit_values = writer._sqlite_values([{**row, "seq": seq + n}
                                                  for n, row in enumerate(rows[start:start + args.batch])],
                                                 writer.VISIT_COLUMNS)
            assist_values = writer._sqlite_values([a for group in assists[start:start + args.batch] for a in group],
                                                  writer.ASSIST_COLUMNS)
            seq += args.batch
            converted = time.perf_counter()
            connection.execute("UPDATE sync_counter SET v = v + ? WHERE id = 1", (args.batch,))
            connection.executemany(insert_visits, visit_values)
            connection.executemany(insert_assists, assist_values)
            inserted = time.perf_counter()
            connection.commit()
            convert, insert = convert + converted - began, insert + inserted - converted
            commit += time.perf_counter() - inserted
        connection.close()
    finally:
        database.drop()
    batches = args.visits / args.batch
    print(f"{args.visits:,} visits in batches of {args.batch}, indexes dropped: {', '.join(args.drop) or 'none'}")
    print(f"  per batch: values {convert / batches * 1e3:.2f} ms, inserts {insert / batches * 1e3:.2f} ms, "
          f"commit {commit / batches * 1e3:.2f} ms")
    print(f"  visits/s, database only (inserts + commit): {args.visits / (insert + commit):,.0f}")
    print(f"  visits/s, with the values' conversion: {args.visits / (convert + insert + commit):,.0f}")


if __name__ == "__main__":
    main()
