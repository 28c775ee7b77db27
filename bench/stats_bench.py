"""Coverage statistics: how long coverage() takes for one commune of 10,000 households, 35,000 residents and
60,000 visits, on PostgreSQL and SQLite, beside a baseline (a plain count of the visits) timed in the same run.

    .venv/bin/python bench/stats_bench.py [--db postgresql|sqlite|both] [--runs 15]

The overview (no start day, no official) reads the coverage facts (server/stats/facts.py), which the bench rebuilds
after its bulk load; "from the visits" is the same call over the visits, as before the facts.

PostgreSQL is found at BENCH_DATABASE_URL (default: the local server, database `test`); the bench works in a schema
of its own there and drops it at the end. SQLite works in a temporary file. Each figure is the median of --runs
calls after one warm-up call, with the mean CPU time per call of this process plus the PostgreSQL backend (the
machine is shared: CPU time says more than wall time when it is busy).
"""
import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, func, select, text  # noqa: E402

from server import create_app  # noqa: E402
from server.admin.service import create_area  # noqa: E402
from server.cli import ensure_counter  # noqa: E402
from server.extensions import db  # noqa: E402
from server.models import Assist, Device, Household, Resident, User, Visit  # noqa: E402
from server.stats import fact_queries, facts, queries, rules, service  # noqa: E402
from shared.vocab import OUTCOMES, TOPICS  # noqa: E402

PG_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
HOUSEHOLDS, RESIDENTS, VISITS, VILLAGES, OFFICIALS = 10_000, 35_000, 60_000, 12, 20
CHUNK = 5_000
NOW = datetime.now(timezone.utc)


def build_commune(rng: random.Random) -> int:
    """Write the commune with Core executemany inserts and return its id."""
    province = create_area("province", "Tỉnh thử", commit=False)
    commune = create_area("commune", "Xã thử", province.id, commit=False)
    villages = [create_area("village", f"Thôn {i + 1}", commune.id, commit=False).id for i in range(VILLAGES)]
    officials = []
    for i in range(OFFICIALS):
        user = User(username=f"bench{i}", full_name=f"Cán bộ {i}", role="official", commune_id=commune.id,
                    active=True, password_hash="-")
        db.session.add(user)
        db.session.flush()
        officials.append(user.id)
        db.session.add(Device(id=str(uuid.UUID(int=rng.getrandbits(128))), user_id=user.id, label=f"Tab {i}",
                              last_sync_at=NOW - timedelta(hours=rng.randint(1, 24 * 6))))
    new_id = lambda: str(uuid.UUID(int=rng.getrandbits(128), version=4))  # noqa: E731
    households = [(new_id(), rng.choice(villages)) for _ in range(HOUSEHOLDS)]
    write(Household, ({"id": hid, "village_id": village, "commune_id": commune.id, "address": f"Số {i}",
                       "head_name": "Nguyễn Văn An", "seq": 0, "field_versions": {}, "deleted": rng.random() < 0.01}
                      for i, (hid, village) in enumerate(households)))
    # Three residents in half the households and four in the other half: 35,000 in all.
    residents = {hid: [new_id() for _ in range(3 + i % 2)] for i, (hid, _) in enumerate(households)}
    assert sum(map(len, residents.values())) == RESIDENTS
    # Born 1940-2020 (children below every minimum age among them), 3% with no birth year.
    write(Resident, ({"id": rid, "household_id": hid, "village_id": village, "commune_id": commune.id,
                      "full_name": "Trần Thị Bình", "seq": 0, "field_versions": {}, "deleted": rng.random() < 0.01,
                      "birth_year": None if rng.random() < 0.03 else rng.randint(1940, 2020)}
                     for hid, village in households for rid in residents[hid]))
    visits, assists = [], []
    topics, outcomes = list(TOPICS), list(OUTCOMES)
    for i in range(VISITS):
        # Most visits go to the first 85% of households, so some households are never reached.
        hid, village = households[int(rng.random() ** 1.3 * HOUSEHOLDS * 0.85)]
        met = rng.random() < 0.8
        vid = new_id()
        visits.append({"id": vid, "household_id": hid, "village_id": village, "commune_id": commune.id,
                       "official_id": rng.choice(officials), "started_at": NOW - timedelta(minutes=rng.randrange(
                           60 * 24 * 7 * 16)), "duration_min": rng.choice((None, 10, 20, 30)),
                       "status": "met" if met else "not_home", "voided": rng.random() < 0.02,
                       "follow_up_on": (date.today() + timedelta(days=rng.randint(-20, 20)))
                       if rng.random() < 0.1 else None, "payload_hash": "0" * 64, "seq": i})
        for _ in range(rng.randint(1, 2) if met else 0):
            assists.append({"visit_id": vid, "household_id": hid, "commune_id": commune.id,
                            "resident_id": rng.choice([None, *residents[hid]]), "topic": rng.choice(topics),
                            "outcome": rng.choices(outcomes, (6, 4, 2, 1, 1, 1))[0]})
    write(Visit, visits)
    write(Assist, assists)
    db.session.commit()
    started = time.perf_counter()
    facts.rebuild()  # as `doorstep rebuild-stats` does after a bulk load
    db.session.commit()
    print(f"  facts.rebuild(): {time.perf_counter() - started:.1f} s")
    db.session.execute(text("ANALYZE"))  # the planner statistics autovacuum would have gathered by now
    db.session.commit()
    return commune.id


def write(model, rows) -> None:
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            db.session.execute(model.__table__.insert(), chunk)
            chunk = []
    if chunk:
        db.session.execute(model.__table__.insert(), chunk)


def timed(call, runs: int, processes: list) -> tuple[float, float]:
    """Median wall time of `call` and its mean CPU time in `processes` (this one, and the database server's backend
    if there is one), in ms, after one warm-up call. CPU time stays meaningful when the machine is busy."""
    call()  # warm-up: plans, caches, pool
    times, cpu_before = [], cpu_seconds(processes)
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    cpu = (cpu_seconds(processes) - cpu_before) / runs * 1000
    db.session.rollback()
    return statistics.median(times), cpu


def cpu_seconds(processes: list) -> float:
    return sum(sum(p.cpu_times()[:2]) for p in processes)


def measure(url: str, runs: int) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        db.create_all()
        ensure_counter()
        started = time.perf_counter()
        commune = build_commune(random.Random(1))
        load_s = time.perf_counter() - started
        count = lambda model: db.session.execute(select(func.count()).select_from(model)).scalar()  # noqa: E731
        figures = service.coverage(commune)
        print(f"\n{db.engine.dialect.name}: {count(Household)} households, {count(Resident)} residents, "
              f"{count(Visit)} visits, {count(Assist)} assists (loaded in {load_s:.1f} s); "
              f"{figures['households_reached']} reached, {figures['follow_ups_open']} follow-ups open")
        _, sel = service.select_area(commune)
        today = date.today()
        live = lambda: service.gather_live(sel, today)  # noqa: E731
        same = service.gather_facts(sel, today, None) == live()
        print(f"  figures from the facts equal those from the visits: {same}")
        rows = [
            ("baseline: SELECT count(*) FROM visits", lambda: count(Visit)),
            ("coverage(commune)", lambda: service.coverage(commune)),
            ("coverage(commune, to: 4 weeks ago)",
             lambda: service.coverage(commune, date_to=today - timedelta(weeks=4))),
            ("coverage(commune, last 4 weeks)", lambda: service.coverage(commune, today - timedelta(weeks=4), today)),
            ("  facts: households, residents, reached", lambda: fact_queries.households(sel, None)),
            ("  facts: statuses per village and topic", lambda: fact_queries.statuses(sel, None)),
            ("  facts: status changes per day (weeks)", lambda: fact_queries.status_changes(sel)),
            ("  facts: follow-ups per village", lambda: fact_queries.follow_ups(sel, today)),
            ("  facts: visits per official and day", lambda: fact_queries.visits(sel, None)),
            ("  all queries over the visits (before)", live),
            ("  households, reached, first reached", lambda: queries.households_and_first_reached(sel)),
            ("  residents per village", lambda: queries.residents_per_village(sel, today.year, rules.min_ages())),
            ("  statuses per village and topic", lambda: fact_queries.status_counts(
                queries.segments_of(sel, today.year, rules.min_ages()), [], None, None)),
            ("  follow-ups per village", lambda: queries.follow_ups_per_village(sel, today)),
            ("  visits per official and day", lambda: queries.visits_per_official_and_day(sel)),
            ("  households per official", lambda: queries.households_per_official(sel)),
            ("never_reached(commune)", lambda: service.never_reached(commune)),
            ("follow_ups(commune)", lambda: service.follow_ups(commune)),
        ]
        processes = [psutil.Process()]
        if db.engine.dialect.name == "postgresql":
            processes.append(psutil.Process(db.session.execute(text("SELECT pg_backend_pid()")).scalar()))
        for name, call in rows:
            wall, cpu = timed(call, runs, processes)
            print(f"  {name:<40} median {wall:8.1f} ms   CPU {cpu:7.1f} ms")
        db.session.remove()
        db.engine.dispose()


def on_postgresql(runs: int) -> None:
    schema = "bench_stats_" + uuid.uuid4().hex[:8]
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        measure(f"{PG_URL}{'&' if '?' in PG_URL else '?'}options=-csearch_path%3D{schema}", runs)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def on_sqlite(runs: int) -> None:
    folder = tempfile.mkdtemp(prefix="doorstep-bench-")
    try:
        measure(f"sqlite:///{folder}/bench.db", runs)
    finally:
        shutil.rmtree(folder)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("postgresql", "sqlite", "both"), default="both")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    print(f"coverage() of one commune: {HOUSEHOLDS} households, {RESIDENTS} residents, {VISITS} visits; "
          f"median of {args.runs} runs after a warm-up")
    if args.db in ("postgresql", "both"):
        on_postgresql(args.runs)
    if args.db in ("sqlite", "both"):
        on_sqlite(args.runs)


if __name__ == "__main__":
    main()
