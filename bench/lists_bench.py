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

from bench.dashboard_bench import app_for, timed_get  # noqa: E402
from server.admin.demo_data import PASSWORDS  # noqa: E402
from server.extensions import db  # noqa: E402
from server.models import Area, User  # noqa: E402


def leader_client(app, commune_id: int):
    """A test client logged in through the login form as the commune's demo leader (server-side session)."""
    client = app.test_client()
    with app.app_context():
        username = db.session.execute(select(User.username).where(
            User.role == "leader", User.commune_id == commune_id).limit(1)).scalar_one()
    client.get("/login")
    with client.session_transaction() as session:
        token = session["csrf"]
    reply = client.post("/login", data={"username": username, "password": PASSWORDS["leader"], "csrf_token": token})
    assert reply.status_code == 302, reply.status_code
    return client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    app = app_for("bench_dashboard_commune")
    with app.app_context():
        commune = db.session.execute(select(Area.id).where(Area.name == "Phong Phú")).scalar_one()
    client = leader_client(app, commune)
    for label, path in (("overview", f"/communes/{commune}"),
                        ("never reached", f"/communes/{commune}/never-reached"),
                        ("never reached, print view", f"/communes/{commune}/never-reached?print=1")):
        ms, page = timed_get(client, path, args.runs)
        print(f"{label}: {ms:.0f} ms median of {args.runs} ({len(page) // 1024} KiB)")
    with app.app_context():
        db.engine.dispose()


if __name__ == "__main__":
    main()
