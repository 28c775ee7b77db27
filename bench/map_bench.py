"""The coverage map: how long the demo seeding takes and how long one village's map takes (the query, and the whole
page through the Flask test client), on SQLite, beside a baseline timed in the same run: the overview of the same
commune (the page the map is linked from).

    .venv/bin/python bench/map_bench.py [--households 200] [--runs 7]

--households is the demo's households per village (the commune Phong Phú then has 7 times as many); the map is of
Thôn Phò Trạch with the topic VNeID account. Each figure is a median of --runs, after one warm-up call.
"""
import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from server import create_app  # noqa: E402
from server.admin import demo, demo_data  # noqa: E402
from server.extensions import db  # noqa: E402
from server.ledger import ensure_counter  # noqa: E402
from server.models import Area, User  # noqa: E402
from server.stats import places  # noqa: E402


def median_ms(call, runs: int) -> float:
    call()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=200)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="map-bench-"))
    seeds = []
    for run in range(3):
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/demo{run}.db", "TESTING": True,
                          "SECRET_KEY": "bench", "SESSION_COOKIE_SECURE": False, "RATELIMIT_ENABLED": False})
        with app.app_context():
            db.create_all()
            ensure_counter()
            start = time.perf_counter()
            demo.seed(seed=3, households_per_village=args.households, weeks=8)
            seeds.append(time.perf_counter() - start)
            village = db.session.execute(db.select(Area).where(Area.name == "Thôn Phò Trạch")).scalar_one()
            leader = db.session.execute(db.select(User.username).where(
                User.role == "leader", User.commune_id == village.commune_id)).scalar_one()
            found = places.village_map(village.commune_id, village.id, "vneid_account")
            query = median_ms(lambda: places.village_map(village.commune_id, village.id, "vneid_account"), args.runs)
    client = app.test_client()
    client.get("/login")
    with client.session_transaction() as session:
        token = session["csrf"]
    client.post("/login", data={"username": leader, "password": demo_data.PASSWORDS["leader"], "csrf_token": token})
    base = f"/communes/{village.commune_id}"
    assert client.get(f"{base}/map?village={village.id}").status_code == 200, "the leader did not log in"
    page = median_ms(lambda: client.get(f"{base}/map?village={village.id}&topic=vneid_account"), args.runs)
    overview = median_ms(lambda: client.get(base), args.runs)
    print(f"seed, {args.households} households per village: median of 3 {statistics.median(seeds):.2f} s")
    print(f"village of {len(found['households'])} households, {found['with_fix']} located: "
          f"village_map() {query:.0f} ms, map page {page:.0f} ms, overview (baseline) {overview:.0f} ms")


if __name__ == "__main__":
    main()
