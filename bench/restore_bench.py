"""What a server restore costs a tablet: the recovery (digest, requeue, push, pull from zero) against a plain pull of
its whole scope from zero (the 410 reset), on a live server, with the real Store and SyncEngine.

    .venv/bin/python bench/restore_bench.py [--households 1000] [--runs 3] [--db sqlite|postgresql]

The tablet holds a village of households with two residents and one visit each, all on the server. Each run renews
the server's identity (nothing lacks: the cost every tablet pays after a restore) and times the next sync, then
times a plain reset and full pull. A last run drops a tenth of the households from the server (with their residents
and visits) before the renewal: what a tablet pays to bring them back. Prints medians.
"""
import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from server.extensions import db  # noqa: E402
from server.identity import service as identity  # noqa: E402
from server.models import Assist, Household, Resident, Visit  # noqa: E402
from tests.conftest import _empty_database  # noqa: E402
from tests.e2e.harness import Log, Site, Tablet  # noqa: E402


def seed(tablet: Tablet, village: int, households: int) -> None:
    for n in range(households):
        hid = tablet.store.save_household({"village_id": village, "address": f"Số {n}", "head_name": "Lê Văn An"})
        for name in ("Lê Thị Bình", "Lê Văn Cường"):
            tablet.store.save_resident({"household_id": hid, "full_name": name, "birth_year": 1980})
        tablet.store.log_visit(hid, assists=[{"topic": "vneid_account", "outcome": "done"}])
    tablet.sync()


def timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def drop_tenth(site: Site) -> int:
    with site.app.app_context():
        ids = db.session.execute(db.select(Household.id).order_by(Household.id)).scalars().all()[::10]
        visits = db.session.execute(db.select(Visit.id).where(Visit.household_id.in_(ids))).scalars().all()
        db.session.execute(db.delete(Assist).where(Assist.visit_id.in_(visits)))
        db.session.execute(db.delete(Visit).where(Visit.id.in_(visits)))
        db.session.execute(db.delete(Resident).where(Resident.household_id.in_(ids)))
        db.session.execute(db.delete(Household).where(Household.id.in_(ids)))
        db.session.commit()
        db.session.remove()
    return len(ids)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="restore-bench-"))
    url, drop = _empty_database(args.db, folder)
    site = Site(url)
    try:
        world = site.reset()
        tablet = Tablet(site, "bench", world.official, folder / "tablet.db", Log())
        seed(tablet, world.a1, args.households)
        recoveries, pulls = [], []
        for _ in range(args.runs):
            with site.app.app_context():
                identity.renew("bench")
            recoveries.append(timed(tablet.sync))
            assert tablet.engine.last_recovery == {"resent": 0}
            tablet.store.reset_for_full_pull()
            pulls.append(timed(tablet.sync))
        dropped = drop_tenth(site)
        with site.app.app_context():
            identity.renew("bench")
        bring_back = timed(tablet.sync)
        resent = tablet.engine.last_recovery["resent"]
        records = args.households * 4
        print(f"{args.db}: a tablet of {args.households} households ({records} records)")
        print(f"  recovery, nothing lacking: median {statistics.median(recoveries):.2f} s "
              f"(runs {', '.join(f'{t:.2f}' for t in recoveries)})")
        print(f"  plain pull from zero:      median {statistics.median(pulls):.2f} s "
              f"(runs {', '.join(f'{t:.2f}' for t in pulls)})")
        print(f"  ratio: {statistics.median(recoveries) / statistics.median(pulls):.2f}")
        print(f"  recovery bringing back {dropped} households ({resent} records sent again): {bring_back:.2f} s")
        tablet.close()
    finally:
        site.stop()
        drop()


if __name__ == "__main__":
    main()
