"""What the database identity costs each sync request: service.current() (a connection of its own) against
service.state() (one statement in the request's transaction), 500 calls, 5 runs, medians in µs.

    .venv/bin/python bench/identity_bench.py
"""
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from server.extensions import db  # noqa: E402
from server.identity import service  # noqa: E402
from server.ledger import ensure_counter  # noqa: E402
from tests.conftest import _empty_database, make_app  # noqa: E402

CALLS, RUNS = 500, 5


def per_call(function) -> list[float]:
    runs = []
    for _ in range(RUNS):
        start = time.perf_counter()
        for _ in range(CALLS):
            function()
        runs.append((time.perf_counter() - start) / CALLS * 1e6)
    return runs


def main() -> None:
    for kind in ("sqlite", "postgresql"):
        url, drop = _empty_database(kind, Path(tempfile.mkdtemp(prefix="identity-bench-")))
        app = make_app(url)
        with app.app_context():
            db.create_all()
            ensure_counter()
            service.current()
            alone = per_call(service.current)
            db.session.execute(db.text("SELECT 1"))  # the token check has opened the request's transaction
            inside = per_call(service.state)
            db.session.remove()
            db.engine.dispose()
        drop()
        print(f"{kind}: current() {statistics.median(alone):.0f} µs, state() {statistics.median(inside):.0f} µs "
              f"(runs {[round(r) for r in alone]} / {[round(r) for r in inside]})")


if __name__ == "__main__":
    main()
