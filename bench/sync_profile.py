"""Where a push's time goes, in process: the bench's world and batches pushed through Flask's test client, with the
statements each batch sends counted, the database backend's CPU (PostgreSQL) measured, and cProfile's top entries.
Prints figures, not pass/fail.

    .venv/bin/python bench/sync_profile.py --db sqlite --visits 20000
    BENCH_PG_URL=postgresql+psycopg://postgres@127.0.0.1:5432/perf_p1 .venv/bin/python bench/sync_profile.py --db postgresql

A *statement* is one call of the driver's execute or executemany (executemany counted once, with its rows beside).
"""
import argparse
import collections
import cProfile
import gzip
import io
import os
import pstats
import sys
import time

import orjson
import psutil

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench import sync_world as world_mod  # noqa: E402
from bench.sync_bench import gzipped_batches  # noqa: E402
from server.extensions import db  # noqa: E402
from shared.ids import new_id  # noqa: E402


class Statements:
    """Counts the driver's statements by their first words while on."""

    def __init__(self):
        self.counts, self.seconds, self.on = collections.Counter(), collections.Counter(), False

    def note(self, sql, seconds: float = 0.0) -> None:
        if self.on:
            sql = sql if isinstance(sql, str) else str(sql)
            key = " ".join(sql.split()[:4])[:60]
            self.counts[key] += 1
            self.seconds[key] += seconds


def watch(kind: str, statements: Statements) -> None:
    if kind == "postgresql":
        import psycopg
        for name in ("execute", "executemany"):
            original = getattr(psycopg.Cursor, name)

            def wrapped(self, query, *args, _original=original, **kwargs):
                start = time.perf_counter()
                try:
                    return _original(self, query, *args, **kwargs)
                finally:  # the statement's round trip: sent, run by the server, answered
                    statements.note(query if isinstance(query, str) else query.decode() if isinstance(query, bytes)
                                    else query.as_string(self.connection), time.perf_counter() - start)
            setattr(psycopg.Cursor, name, wrapped)
    else:
        from sqlalchemy import event

        @event.listens_for(db.engine, "connect")
        def _trace(dbapi_connection, _record):
            dbapi_connection.set_trace_callback(statements.note)


def backend_cpu() -> float:
    """CPU seconds of this session's PostgreSQL backend so far."""
    pid = db.session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar()
    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


def explain(app, world: dict, count: int) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of the push's two inserts on PostgreSQL, for `count` new visits: the statements
    as server/ledger/visits.py sends them, in a transaction rolled back afterwards. Shows where the database's own
    time goes: the insert, each index, each foreign key's check (its trigger)."""
    import orjson as json_
    from server.ledger import visits as writer
    rows, assists = world_mod.stored_rows(world_mod.visits(world["residents_of"], count, seed=99), world, new_id())
    with app.app_context():
        seq = db.session.connection().exec_driver_sql("SELECT v FROM sync_counter").scalar() + 1
        for n, row in enumerate(rows):
            row.update(seq=seq + n, device_id=None)
        cursor = db.session.connection().connection.driver_connection.cursor()
        for table, columns, values in (("visits", writer.VISIT_COLUMNS, rows),
                                       ("assists", writer.ASSIST_COLUMNS, [a for g in assists for a in g])):
            names = ", ".join(columns)
            body = json_.dumps(values, default=writer._pg_json, option=json_.OPT_PASSTHROUGH_DATETIME).decode()
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) INSERT INTO {table} ({names}) SELECT {names} FROM "
                           f"json_populate_recordset(NULL::{table}, %s)", [body])
            print(f"\nEXPLAIN (ANALYZE, BUFFERS) of the insert of {len(values)} {table}:")
            print("\n".join("  " + line for (line,) in cursor.fetchall()))
        db.session.rollback()


def print_profile(profile, args) -> None:
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats(args.sort).print_stats(args.top)
    print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:12000])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--visits", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--limit", type=int, default=1000, help="pull page size")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--no-count", action="store_true", help="do not count statements (on SQLite the count is "
                        "a Python call per row that executemany inserts, which inflates the inserts' time)")
    args = parser.parse_args()
    database = world_mod.Database(args.db)
    try:
        world = world_mod.populate(database.url, 10, 5000, seed=0)
        bodies = gzipped_batches(world_mod.visits(world["residents_of"], args.visits, seed=0), args.batch)
        app = world_mod.app_for(database.url)
        client = app.test_client()
        device_id = new_id()
        reply = client.post("/api/v1/auth/login", json={"username": world_mod.USERNAME, "password": world_mod.PASSWORD,
                                                        "device_id": device_id, "device_label": "bench",
                                                        "app_version": "bench"})
        headers = {"Authorization": "Bearer " + reply.get_json()["token"], "X-Device-Id": device_id,
                   "X-App-Version": "bench", "X-Schema-Version": "1", "Accept-Encoding": "gzip",
                   "Content-Type": "application/json", "Content-Encoding": "gzip"}
        statements = Statements()
        if not args.no_count:
            with app.app_context():
                watch(args.db, statements)
                db.engine.dispose()
        profile = cProfile.Profile()
        cpu0, wall0 = time.process_time(), time.perf_counter()
        pg_cpu = 0.0
        for body in bodies:
            statements.on = True
            profile.enable()
            reply = client.post("/api/v1/sync/push", data=body, headers=headers)
            profile.disable()
            statements.on = False
            assert reply.status_code == 200, reply.data[:300]
            results = orjson.loads(gzip.decompress(reply.data) if reply.headers.get("Content-Encoding") == "gzip"
                                   else reply.data)
            assert all(r["status"] == "applied" for r in results["results"]), results["results"][:1]
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        if args.db == "postgresql":
            with app.app_context():
                pg_cpu = backend_cpu()  # the pool's one connection: the pushes' backend, from its start
                db.session.rollback()
        n, batches = args.visits, len(bodies)
        print(f"{args.db}: {n:,} visits in {batches} batches of {args.batch}, in process (test client)")
        print(f"  wall {wall / n * 1e6:.0f} µs/visit, Python CPU {cpu / n * 1e6:.0f} µs/visit (cProfile on: "
              f"inflated), {n / wall:,.0f} visits/s")
        if pg_cpu:
            print(f"  PostgreSQL backend CPU {pg_cpu / n * 1e6:.0f} µs/visit (whole session, the world's reads "
                  f"included)")
        print(f"  statements per batch (SQLite: executemany counted per row): "
              f"{sum(statements.counts.values()) / batches:.1f} (PostgreSQL: and the ms "
              f"per batch of each, sent to answered)")
        for sql, count in statements.counts.most_common():
            print(f"    {count / batches:6.2f}  {statements.seconds[sql] / batches * 1000:6.2f}  {sql}")
        print_profile(profile, args)
        if args.db == "postgresql":
            explain(app, world, args.batch)
        # A fresh tablet's full pull, pages of --limit, profiled apart.
        profile, since, records, pages = cProfile.Profile(), 0, 0, 0
        statements.counts.clear()
        statements.seconds.clear()
        wall0 = time.perf_counter()
        while True:
            statements.on = True
            profile.enable()
            reply = client.get(f"/api/v1/sync/pull?since={since}&limit={args.limit}", headers=headers)
            profile.disable()
            statements.on = False
            page = orjson.loads(gzip.decompress(reply.data) if reply.headers.get("Content-Encoding") == "gzip"
                                else reply.data)
            records, pages, since = records + len(page["changes"]), pages + 1, page["cursor"]
            if not page["has_more"]:
                break
        wall = time.perf_counter() - wall0
        print(f"\npull: {records:,} records in {pages} pages, {records / wall:,.0f} records/s (cProfile on), "
              f"{sum(statements.counts.values()) / pages:.1f} statements per page")
        for sql, count in statements.counts.most_common(12):
            print(f"    {count / pages:6.2f}  {statements.seconds[sql] / pages * 1000:6.2f}  {sql}")
        print_profile(profile, args)
    finally:
        with world_mod.app_for(database.url).app_context():
            db.engine.dispose()
        database.drop()


if __name__ == "__main__":
    main()
