"""Server time of the dashboard's lists (docs/performance.md, "Dashboard lists"): the overview (its follow-up
table), the never-reached work list and its print view, on the commune of bench/dashboard_bench.py.

    .venv/bin/python bench/dashboard_bench.py --scale commune --keep   # seeds the schema once (about 2 minutes)
    .venv/bin/python bench/lists_bench.py [--runs 7]

Each figure is the median of --runs GETs through the Flask test client after one warm-up (as dashboard_bench.py).
"""
import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select  # noqa: E402

from bench.dashboard_bench import app_for, logged_in_client, timed_get  # noqa: E402
from server.extensions import db  # noqa: E402
from server.models import Area  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    app = app_for("bench_dashboard_commune")
    with app.app_context():
        commune = db.session.execute(select(Area.id).where(Area.name == "Phong Phú")).scalar_one()
    client = logged_in_client(app, "leader", commune)
    for label, path in (("overview", f"/communes/{commune}"),
                        ("never reached", f"/communes/{commune}/never-reached"),
                        ("never reached, print view", f"/communes/{commune}/never-reached?print=1")):
        ms, page = timed_get(client, path, args.runs)
        print(f"{label}: {ms:.0f} ms median of {args.runs} ({len(page) // 1024} KiB)")
    with app.app_context():
        db.engine.dispose()


if __name__ == "__main__":
    main()
