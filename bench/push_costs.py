"""Where a push's cost lies, in three figures. Prints them.

    .venv/bin/python bench/push_costs.py [--db sqlite|postgresql|both] [--rounds 2]

- *fixed and per visit*: the real server (gunicorn, as the side-by-side run serves it) gets batches of 1 visit and
  of 100 visits, alternately; its CPU per request at both sizes gives the cost of a request whatever it carries
  (authentication, identity, scope, receipt, commit, the log line, gunicorn and Flask) and the cost of one more visit;
- *statements* (PostgreSQL): the wall time of each statement of a push of 100 visits, in process (the Flask test
  client), the driver's execute and commit timed: the insert of the visits and assists, the commit, the small ones;
- *indexes* (PostgreSQL): the insert statement of the push (ledger.visits.insert_visits) and its commit for batches
  of 100 visits with their assists, with every index, then with the secondary indexes dropped one after another.

PostgreSQL is found at BENCH_PG_URL (bench/sync_world.py). Figures are medians of --rounds.
"""
import argparse
import collections
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench import sync_server, sync_world as world_mod  # noqa: E402
from bench.sync_bench import Tablet, gzipped_batches  # noqa: E402
from shared.ids import new_id  # noqa: E402

INDEXES = ["ix_visits_seq", "ix_visits_official_id", "ix_visits_commune_started", "ix_visits_household_id",
           "ix_assists_commune_topic_outcome", "ix_visits_village_seq", "ix_visits_commune_seq",
           "ix_assists_visit_id"]


def fixed_and_per_visit(kind: str, rounds: int) -> None:
    database = world_mod.Database(kind)
    world = world_mod.populate(database.url, 10, 5000, seed=0)
    server = sync_server.Server(database.url, 1, 4, os.path.join(tempfile.mkdtemp(), "gunicorn.log"))
    try:
        tablet, pid = Tablet(server.base), server.process.pid
        changes = world_mod.visits(world["residents_of"], 20_000, seed=0)
        cpu = collections.defaultdict(list)
        for _ in range(rounds):
            for size, requests in ((1, 300), (100, 60)):
                bodies, changes = gzipped_batches(changes[:size * requests], size), changes[size * requests:]
                before = sync_server.cpu_seconds(pid)
                for body in bodies:
                    tablet.push(body)
                cpu[size].append((sync_server.cpu_seconds(pid) - before) / requests * 1e3)
        one, hundred = statistics.median(cpu[1]), statistics.median(cpu[100])
        per_visit = (hundred - one) / 99
        print(f"{kind}: server CPU per request {one:.2f} ms (1 visit), {hundred:.2f} ms (100 visits) "
              f"{cpu[1]} {cpu[100]}")
        print(f"{kind}:   fixed per request {one - per_visit:.2f} ms, per visit {per_visit * 1e3:.0f} µs; at 100 "
              f"visits the fixed part is {(one - per_visit) / hundred:.0%}")
    finally:
        server.stop()
        database.drop()


def _app(url: str):
    from server import create_app
    from server.config import Config
    import logging
    app = create_app({**{k: getattr(Config, k) for k in dir(Config) if k.isupper()},
                      "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    logging.disable(logging.INFO)  # the request log's lines would be timed too
    return app


def statements() -> None:
    import psycopg
    database = world_mod.Database("postgresql")
    world = world_mod.populate(database.url, 10, 5000, seed=0)
    spent, count = collections.Counter(), collections.Counter()
    execute, commit = psycopg.Cursor.execute, psycopg.Connection.commit

    def timed_execute(cursor, query, params=None, **options):
        started = time.perf_counter()
        try:
            return execute(cursor, query, params, **options)
        finally:
            key = " ".join(str(query).split())[:80]
            spent[key] += time.perf_counter() - started
            count[key] += 1

    def timed_commit(connection):
        started = time.perf_counter()
        try:
            return commit(connection)
        finally:
            spent["COMMIT"] += time.perf_counter() - started
            count["COMMIT"] += 1

    try:
        app = _app(database.url)
        client, device = app.test_client(), new_id()
        token = client.post("/api/v1/auth/login", json={
            "username": world_mod.USERNAME, "password": world_mod.PASSWORD, "device_id": device,
            "device_label": "Tab", "app_version": "bench"}).get_json()["token"]
        headers = {"Authorization": "Bearer " + token, "X-Device-Id": device, "X-App-Version": "bench",
                   "X-Schema-Version": "2", "Content-Type": "application/json", "Content-Encoding": "gzip"}
        bodies = gzipped_batches(world_mod.visits(world["residents_of"], 12_000, seed=0), 100)
        for body in bodies[:20]:  # warm: prepared statements, caches
            client.post("/api/v1/sync/push", data=body, headers=headers)
        psycopg.Cursor.execute, psycopg.Connection.commit = timed_execute, timed_commit
        started, n = time.perf_counter(), len(bodies) - 20
        for body in bodies[20:]:
            client.post("/api/v1/sync/push", data=body, headers=headers)
        wall = (time.perf_counter() - started) / n * 1e3
        print(f"postgresql: a push of 100 visits in process, {wall:.2f} ms wall; its statements, ms per push:")
        for key, seconds in spent.most_common(12):
            print(f"  {seconds / n * 1e3:6.2f} ms  x{count[key] / n:.0f}  {key}")
    finally:
        psycopg.Cursor.execute, psycopg.Connection.commit = execute, commit
        database.drop()


def indexes(rounds: int) -> None:
    import random
    from sqlalchemy import text
    from server.extensions import db
    from server.ledger import visits as ledger_visits
    database = world_mod.Database("postgresql")
    rng, seq, homes = random.Random(1), [1], [new_id() for _ in range(5000)]

    def batch():
        rows, assists = [], []
        for _ in range(100):
            visit, home = new_id(), rng.choice(homes)
            rows.append({"id": visit, "household_id": home, "village_id": rng.randint(1, 10), "commune_id": 1,
                         "official_id": 3, "device_id": new_id(), "duration_min": 20, "status": "met",
                         "started_at": datetime.now(timezone.utc) - timedelta(days=rng.randint(1, 300)),
                         "notes": "Hướng dẫn cài VNeID, hẹn quay lại", "follow_up_on": None, "lat": 16.5,
                         "lon": 107.4, "accuracy_m": 8.0, "replaces_id": None, "voided": False,
                         "payload_hash": "a" * 64, "version": 1, "received_at": datetime.now(timezone.utc),
                         "seq": seq[0]})
            seq[0] += 1
            assists += [{"visit_id": visit, "resident_id": new_id(), "topic": "vneid_account", "outcome": "done",
                         "note": "", "household_id": home, "commune_id": 1} for _ in range(rng.randint(2, 3))]
        return rows, assists

    def timed(batches: int) -> float:
        times = []
        for _ in range(batches):
            rows, assists = batch()
            started = time.perf_counter()
            ledger_visits.insert_visits(rows, assists)
            db.session.commit()
            times.append(time.perf_counter() - started)
        return statistics.median(times) * 1e3

    try:
        app = _app(database.url)
        with app.app_context():
            db.create_all()
            timed(300)  # 30,000 visits first: indexes of some depth
            print("postgresql: insert of 100 visits with their assists and its commit, median ms per batch")
            print(f"  every index: {statistics.median(timed(60) for _ in range(rounds)):.2f}")
            for name in INDEXES:
                db.session.execute(text(f"DROP INDEX {name}"))
                db.session.commit()
                print(f"  without {name} (and those above): "
                      f"{statistics.median(timed(60) for _ in range(rounds)):.2f}")
    finally:
        database.drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    for kind in (["sqlite", "postgresql"] if args.db == "both" else [args.db]):
        fixed_and_per_visit(kind, args.rounds)
    if args.db != "sqlite":
        statements()
        indexes(args.rounds)


if __name__ == "__main__":
    main()
