"""Dashboard figures (docs/performance.md, "Dashboard"): server time of a commune's overview page and of a
province's comparison page, on demo data at scale on PostgreSQL, with the page's numbers checked against a count.

    .venv/bin/python bench/dashboard_bench.py [--scale commune|province|both] [--runs 7] [--keep]

Targets: the overview of a commune with 10,000 households and 60,000 visits in <= 300 ms; a province of 300,000
households and 2,000,000 visits in <= 2 s. The data comes from the demo generator (server.admin.demo.seed). Server
time is the time of a GET through the Flask test client: the whole request (session check, queries, template),
without the network. Each figure is the median of --runs requests after one warm-up. PostgreSQL is found at
BENCH_DATABASE_URL; the bench works in a schema of its own (kept with --keep, for a second run without seeding).
"""
import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, distinct, func, select, text  # noqa: E402

from server import create_app  # noqa: E402
from server.admin import demo, demo_data as demo_words  # noqa: E402
from server.cli import ensure_counter  # noqa: E402
from server.config import Config  # noqa: E402
from server.extensions import db  # noqa: E402
from server.models import Area, Household, User, Visit  # noqa: E402
from server.stats import service as stats  # noqa: E402

PG_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
# (synthetic communes, households per village, visits per household): the 3 real communes have 7, 6 and 7 villages,
# so 1,430 households a village make Phong Phú 10,010 households; 25 synthetic communes of 6-9 villages make the
# province about 300,000.
SCALES = {"commune": (0, 1430, 6.0), "province": (25, 1430, 6.7)}
TARGETS_MS = {"commune": 300, "province": 2000}


def app_for(schema: str):
    url = f"{PG_URL}{'&' if '?' in PG_URL else '?'}options=-csearch_path%3D{schema}"
    return create_app({**{k: getattr(Config, k) for k in dir(Config) if k.isupper()},
                       "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})


def seed(app, scale: str) -> None:
    communes, per_village, visits = SCALES[scale]
    with app.app_context():
        db.create_all()
        ensure_counter()
        if db.session.execute(select(User.id).limit(1)).first():
            print("  (reusing the data already in the schema)")
            return
        started = time.perf_counter()
        summary = demo.seed(seed=1, communes=communes, households_per_village=per_village, weeks=26,
                            visits_per_household=visits)
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        print(f"  seeded in {time.perf_counter() - started:.0f} s: {summary.counts}")


def timed_get(client, path: str, runs: int) -> tuple[float, str]:
    page = client.get(path)
    assert page.status_code == 200, (path, page.status_code)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        page = client.get(path)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000, page.get_data(as_text=True)


def logged_in_client(app, role: str, commune_id: int | None):
    """A client logged in through the login page as a demo user of `role` (the page keeps its sessions on the
    server: a cookie made by hand opens nothing)."""
    client = app.test_client()
    with app.app_context():
        query = select(User.username).where(User.role == role)
        if commune_id is not None:
            query = query.where(User.commune_id == commune_id)
        username = db.session.execute(query.order_by(User.id).limit(1)).scalar_one()
    form = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    reply = client.post("/login", data={"username": username, "password": demo_words.PASSWORDS[role],
                                        "csrf_token": token})
    assert reply.status_code == 302, ("login", reply.status_code)
    return client


def direct_counts(area_ids: list[int]) -> tuple[int, int, int]:
    """Households, households reached and visits of the communes, counted straight from the tables."""
    households = db.session.scalar(select(func.count()).select_from(Household).where(
        Household.commune_id.in_(area_ids), Household.deleted.is_(False)))
    reached = db.session.scalar(select(func.count(distinct(Visit.household_id))).join(
        Household, Household.id == Visit.household_id).where(
        Visit.commune_id.in_(area_ids), Visit.status == "met", Visit.voided.is_(False), Household.deleted.is_(False)))
    visits = db.session.scalar(select(func.count()).select_from(Visit).where(Visit.commune_id.in_(area_ids)))
    return households, reached, visits


def number(page: str, name: str) -> int:
    return int(re.search(rf'data-figure="{name}"[^>]*>([^<]*)<', page).group(1).replace(".", ""))


def bench(scale: str, runs: int, keep: bool) -> None:
    schema = f"bench_dashboard_{scale}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {schema}"))
    try:
        app = app_for(schema)
        print(f"{scale}:")
        seed(app, scale)
        with app.app_context():
            commune = db.session.execute(select(Area.id).where(Area.name == "Phong Phú")).scalar_one()
            province = db.session.execute(select(Area.id).where(Area.level == "province")).scalar_one()
            communes = list(db.session.execute(select(Area.id).where(Area.level == "commune")).scalars())
        if scale == "commune":
            client = logged_in_client(app, "leader", commune)
            with app.app_context():
                households, reached, visits = direct_counts([commune])
            ms, page = timed_get(client, f"/communes/{commune}", runs)
            shown = number(page, "households-total"), number(page, "households-reached")
            label = f"overview of a commune ({households:,} households, {visits:,} visits)"
        else:
            client = logged_in_client(app, "admin", None)
            with app.app_context():
                households, reached, visits = direct_counts(communes)
            ms, page = timed_get(client, f"/communes?province={province}", runs)
            rows = re.findall(r'<tr data-commune="\d+">.*?</th>\s*<td class="num">([\d.]+)</td><td class="num">'
                              r'([\d.]+)</td>', page, re.S)
            shown = (sum(int(a.replace(".", "")) for a, _ in rows), sum(int(b.replace(".", "")) for _, b in rows))
            label = f"province comparison ({len(communes)} communes, {households:,} households, {visits:,} visits)"
        with app.app_context():
            started = time.perf_counter()
            stats.coverage(commune if scale == "commune" else province)
            alone = (time.perf_counter() - started) * 1000
        exact = shown == (households, reached)
        verdict = "ok" if ms <= TARGETS_MS[scale] else "OVER TARGET"
        print(f"  {label}: {ms:.0f} ms median of {runs} (target <= {TARGETS_MS[scale]} ms: {verdict}); "
              f"coverage() alone {alone:.0f} ms")
        print(f"  page shows {shown[0]:,} households, {shown[1]:,} reached; direct count {households:,}, "
              f"{reached:,}: {'exact' if exact else 'MISMATCH'}")
        with app.app_context():
            db.engine.dispose()
    finally:
        if not keep:
            with admin.connect() as conn:
                conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=("commune", "province", "both"), default="both")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the schema for another run")
    args = parser.parse_args()
    for scale in ("commune", "province") if args.scale == "both" else (args.scale,):
        bench(scale, args.runs, args.keep)


if __name__ == "__main__":
    main()
