"""Coverage of a whole province read from the facts: the bench commune of stats_bench.py (10,000 households,
60,000 visits) and 29 copies of its facts under 29 more communes, for 300,000 households and 1.74 M counted visits.

    .venv/bin/python bench/stats_province.py [--runs 5] [--copies 29]

Only the facts are copied (in SQL, new household ids from md5): the province overview reads nothing else, so this
times exactly what the province page asks of the database, without seeding 2 M visits (20 minutes). PostgreSQL only,
at BENCH_DATABASE_URL, in a schema of its own, dropped at the end.
"""
import argparse
import random
import sys
import uuid
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, func, select, text  # noqa: E402

from bench.stats_bench import PG_URL, build_commune, timed  # noqa: E402
from server import create_app  # noqa: E402
from server.admin.service import create_area  # noqa: E402
from server.cli import ensure_counter  # noqa: E402
from server.extensions import db  # noqa: E402
from server.models import Area, HouseholdFacts, VisitFact  # noqa: E402
from server.stats import facts, rollups, service  # noqa: E402
from shared.vocab import TOPICS  # noqa: E402

FACT_TABLES = {"household_facts": "residents, first_met_on, last_met_on, first_visited_on, unknown_age, "
                                  + ", ".join(f"aged_{topic}" for topic in TOPICS),
               "status_facts": "resident_id, topic, from_day, until_day, has",
               "follow_up_facts": "visit_id, follow_up_on",
               "visit_facts": "official_id, day, visits, minutes, households, not_home, met_households"}


def copy_facts(commune: int, copies: int, start: int = 0) -> None:
    """`copies` more communes with the same villages and facts as `commune` (numbered from `start` + 1); their
    village roll-ups are the caller's to make (rollups.roll_up)."""
    province = db.session.get(Area, commune).parent_id
    villages = db.session.execute(select(Area.id).where(Area.parent_id == commune).order_by(Area.id)).scalars().all()
    for k in range(start, start + copies):
        twin = create_area("commune", f"Xã bản sao {k + 1}", province, commit=False)
        pairs = [(v, create_area("village", f"Thôn {i + 1}", twin.id, commit=False).id) for i, v in enumerate(villages)]
        mapping = " ".join(f"WHEN {old} THEN {new}" for old, new in pairs)
        for table, columns in FACT_TABLES.items():
            extra = (columns.replace("visit_id", f"md5(visit_id::text || '{k}')::uuid")
                     .replace("resident_id", f"md5(resident_id::text || '{k}')::uuid"))
            db.session.execute(text(
                f"INSERT INTO {table} (household_id, commune_id, village_id, {columns}) "
                f"SELECT md5(household_id::text || '{k}')::uuid, {twin.id}, CASE village_id {mapping} END, {extra} "
                f"FROM {table} WHERE commune_id = {commune}"))
        db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--copies", type=int, default=29)
    args = parser.parse_args()
    schema = "bench_province_" + uuid.uuid4().hex[:8]
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
            copy_facts(commune, args.copies)
            rollups.roll_up(None)
            db.session.commit()
            province = db.session.get(Area, commune).parent_id
            households = db.session.execute(select(func.count()).select_from(HouseholdFacts)).scalar()
            visits = db.session.execute(select(func.sum(VisitFact.visits))).scalar()
            figures = service.coverage(province)
            print(f"province: {len(figures['communes'])} communes, {households} households, {visits} counted visits; "
                  f"{figures['households_reached']} reached")
            processes = [psutil.Process(),
                         psutil.Process(db.session.execute(text("SELECT pg_backend_pid()")).scalar())]
            for name, call in (("baseline: SELECT count(*) FROM visit_facts",
                                lambda: db.session.execute(select(func.count()).select_from(VisitFact)).scalar()),
                               ("coverage(province)", lambda: service.coverage(province))):
                wall, cpu = timed(call, args.runs, processes)
                print(f"  {name:<44} median {wall:8.1f} ms   CPU {cpu:7.1f} ms")
            db.session.remove()
            db.engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


if __name__ == "__main__":
    main()
