"""How the coverage figures' cost grows: a province of 30k, 100k, 300k and 1M households on PostgreSQL, and a country
of 3,321 communes read from the village roll-ups.

    .venv/bin/python bench/stats_growth.py [--sizes 3,10,30,100] [--runs 3] [--country 3321]

The bench commune of stats_bench.py (10,000 households, 60,000 visits) is built once, then its facts are copied
under more communes of the same province (stats_province.copy_facts) until the province holds each size's number
of communes. At each size it times, beside a baseline (a count of visit_facts): the catch-up after one pushed
visit (one household refreshed and its village rolled up), the commune page's coverage(), the province's
coverage() and what the province comparison page asks of the database. Then, for the country, the village
roll-ups of the bench commune are copied under --country communes (roll-up rows only: a country's facts would not
fit this machine) and the roll-up read of all of them is timed, added up per commune. Works in a schema of its
own at BENCH_DATABASE_URL, dropped at the end.
"""
import argparse
import random
import sys
import time
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, func, select, text  # noqa: E402

from bench.stats_bench import PG_URL, build_commune, timed  # noqa: E402
from bench.stats_province import copy_facts  # noqa: E402
from server import create_app  # noqa: E402
from server.cli import ensure_counter  # noqa: E402
from server.extensions import db  # noqa: E402
from server.ledger.stale import mark_stale  # noqa: E402
from server.models import Area, Household, HouseholdFacts, VillageTotals, VisitFact  # noqa: E402
from server.stats import facts, rollups, service  # noqa: E402
from server.stats.queries import Selection  # noqa: E402

ROLLUP_COLUMNS = [c.name for c in VillageTotals.__table__.columns if c.name not in ("village_id", "commune_id")]


def copy_rollups(commune: int, communes: int) -> list[int]:
    """`communes` made-up communes, each with the village roll-ups of `commune` (village ids far above real ones)."""
    names = ", ".join(ROLLUP_COLUMNS)
    db.session.execute(text(
        f"INSERT INTO village_totals (village_id, commune_id, {names}) "
        f"SELECT 10000000 + k * 100 + row_number() OVER (PARTITION BY k ORDER BY village_id), 20000000 + k, {names} "
        f"FROM village_totals, generate_series(1, {communes}) AS k WHERE commune_id = {commune}"))
    db.session.commit()
    db.session.execute(text("ANALYZE village_totals"))
    return [20000000 + k for k in range(1, communes + 1)]


def country(communes: list[int]) -> int:
    """The country's figures per commune from the roll-ups (rollups.per_commune); returns the households counted."""
    return sum(t.households_total for t in rollups.per_commune(communes, service.Tally).values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="3,10,30,100", help="communes of 10,000 households at each step")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--country", type=int, default=3321)
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    schema = "bench_growth_" + uuid.uuid4().hex[:8]
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"{PG_URL}?options=-csearch_path%3D{schema}", "TESTING": True})
        with app.app_context():
            db.create_all()
            ensure_counter()
            commune = build_commune(random.Random(1))
            facts.rebuild()
            db.session.commit()
            province = db.session.get(Area, commune).parent_id
            processes = [psutil.Process(),
                         psutil.Process(db.session.execute(text("SELECT pg_backend_pid()")).scalar())]
            today = datetime.now(ZoneInfo(facts.FACTS_TZ)).date()
            one = db.session.execute(select(Household.id).where(Household.commune_id == commune).limit(1)).scalar()
            have = 1
            for size in sizes:
                copy_facts(commune, size - have, start=have - 1)
                have = size
                start = time.perf_counter()
                rollups.roll_up(None)
                db.session.commit()
                whole = (time.perf_counter() - start) * 1000
                households = db.session.execute(select(func.count()).select_from(HouseholdFacts)).scalar()
                visits = db.session.execute(select(func.sum(VisitFact.visits))).scalar()
                print(f"{size} communes, {households} households, {visits} counted visits "
                      f"(every village rolled up in {whole:.0f} ms)")

                def catch_up_one():
                    mark_stale([one])
                    db.session.commit()
                    facts.catch_up()

                for name, call in (("baseline: SELECT count(*) FROM visit_facts",
                                    lambda: db.session.execute(select(func.count()).select_from(VisitFact)).scalar()),
                                   ("catch-up after one push (1 household)", catch_up_one),
                                   ("coverage(commune)", lambda: service.coverage(commune)),
                                   ("coverage(province)", lambda: service.coverage(province))):
                    wall, cpu = timed(call, args.runs, processes)
                    print(f"  {name:<44} median {wall:8.1f} ms   CPU {cpu:7.1f} ms")
            if args.country:
                communes = copy_rollups(commune, args.country)
                counted = country(communes)
                wall, cpu = timed(lambda: country(communes), args.runs, processes)
                print(f"country: {args.country} communes, {counted} households from the roll-ups: "
                      f"median {wall:.1f} ms   CPU {cpu:.1f} ms")
            db.session.remove()
            db.engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


if __name__ == "__main__":
    main()
