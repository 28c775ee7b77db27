"""The import's check pass alone (reading, validating, grouping a household's rows, spooling), median of 3, on the
importer of this tree or of another one (a baseline exported with `git archive`), for a 100,000-row CSV.

    .venv/bin/python bench/import_check.py [--tree /tmp/base] [--layout blank|repeated|scattered]

The list is bench/import_bench.py's (its layouts are described there); the database is SQLite in a temporary
folder, with the commune and its three villages. It prints the median, the three times, the rows read, the errors
and the household records spooled (a baseline that does not group repeated rows spools one per row).
"""
import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tree", default=str(HERE.parent), help="the tree whose importer runs")
    parser.add_argument("--layout", choices=("blank", "repeated", "scattered"), default="blank")
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    sys.path.insert(0, args.tree)
    sys.path.insert(1, str(HERE))
    from server import create_app
    from server.admin.importer import ImportReport, check
    from server.admin.service import create_area
    from server.config import TestConfig
    from server.extensions import db
    from server.ledger import ensure_counter

    # After the server's modules: import_bench puts this tree first on the path, which must not pick the importer.
    from import_bench import VILLAGES, household_list

    with tempfile.TemporaryDirectory(prefix="doorstep-check-bench-") as tmp:
        folder = Path(tmp)
        source = folder / "list.csv"
        household_list(source, args.rows, False, args.layout)
        app = create_app({**{k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()},
                          "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.db'}"})
        with app.app_context():
            db.create_all()
            ensure_counter()
            province = create_area("province", "Thừa Thiên Huế", None, commit=False).id
            commune = create_area("commune", "Phong Phú", province, commit=False).id
            for name in VILLAGES:
                create_area("village", name, commune, commit=False)
            db.session.commit()
            times = []
            for _ in range(3):
                report, start = ImportReport(), time.perf_counter()
                check(str(source), commune, str(folder / "spool"), report, max_rows=args.rows + 10)
                times.append(time.perf_counter() - start)
            with open(folder / "spool", encoding="utf-8") as spool:
                records = sum(1 for _ in spool)
        print(f"{Path(check.__code__.co_filename).parent.parent.parent} {args.layout}: check median {statistics.median(times):.2f} s "
              f"{sorted(round(t, 2) for t in times)}, {report.rows} rows, {report.error_count} errors, "
              f"{records} household records")


if __name__ == "__main__":
    main()
