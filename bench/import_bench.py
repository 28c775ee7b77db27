"""Household import: rows per second and peak memory of importing a 100,000-row CSV (or XLSX) list, as the worker
does it (check into the spool, then write in chunks through the ledger), on SQLite and PostgreSQL.

    .venv/bin/python bench/import_bench.py [--db sqlite|postgresql|both] [--rows 100000] [--xlsx]
                                           [--layout blank|repeated|scattered]

The file has one household row and one member row per household: 100,000 rows are 50,000 households and 100,000
residents. The member row leaves the household's columns blank (`blank`), repeats them (`repeated`, the common
Excel layout), or repeats them in the second half of the file, after every household's first row (`scattered`:
each household is merged after the read, the importer's worst case). Each database starts empty (SQLite in a
temporary file; PostgreSQL at BENCH_DATABASE_URL, default the local server's database `test`, in a schema of its
own, dropped at the end). Peak RSS is this process's high-water mark (VmHWM) after the import, beside its RSS
before it; CPU is this process's own.
"""
import argparse
import os
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, func, select, text  # noqa: E402

from server import create_app  # noqa: E402
from server.admin.importer import ImportReport, check, write  # noqa: E402
from server.admin.service import create_area  # noqa: E402
from server.config import TestConfig  # noqa: E402
from server.extensions import db  # noqa: E402
from server.ledger import ensure_counter  # noqa: E402
from server.models import Household, Resident  # noqa: E402

PG_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
VILLAGES = ("Thôn Đông", "Thôn Tây", "Thôn Bắc")


def household_list(path: Path, rows: int, xlsx: bool, layout: str = "blank") -> None:
    """`rows` rows: a household with its head as a member, then one more member (see the layouts above)."""
    header = ["Thôn", "Địa chỉ", "Chủ hộ", "Số điện thoại", "Họ tên thành viên", "Năm sinh", "Giới tính"]
    lines, seconds = [], []
    for i in range(rows // 2):
        household = [VILLAGES[i % 3], f"Số {i}, kiệt {i % 97}", f"Nguyễn Văn {i}", "0912 345 678"]
        lines.append(household + [f"Nguyễn Văn {i}", "1970", "Nam"])
        second = (["", "", "", ""] if layout == "blank" else household) + [f"Trần Thị {i}", "1972", "Nữ"]
        (seconds if layout == "scattered" else lines).append(second)
    lines += seconds
    if xlsx:
        from openpyxl import Workbook
        book = Workbook(write_only=True)
        sheet = book.create_sheet()
        for line in [header, *lines]:
            sheet.append(line)
        book.save(path)
    else:
        import csv
        with open(path, "w", encoding="utf-8", newline="") as f:
            csv.writer(f).writerows([header, *lines])


def peak_rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def run(kind: str, source: Path, rows: int, folder: Path) -> None:
    schema, admin = None, None
    if kind == "sqlite":
        url = f"sqlite:///{folder / 'bench.db'}"
    else:
        schema = "bench_" + uuid.uuid4().hex[:10]
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    app = create_app({**{k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()},
                      "SQLALCHEMY_DATABASE_URI": url})
    try:
        with app.app_context():
            db.create_all()
            ensure_counter()
            province = create_area("province", "Thừa Thiên Huế", None, commit=False).id
            commune = create_area("commune", "Phong Phú", province, commit=False).id
            for name in VILLAGES:
                create_area("village", name, commune, commit=False)
            db.session.commit()
            before = rss_mb()
            cpu, wall = time.process_time(), time.perf_counter()
            report = ImportReport()
            spool = str(folder / f"{kind}.spool")
            assert check(str(source), commune, spool, report, max_rows=rows + 10)
            checked = time.perf_counter()
            write(spool, commune, report, None)
            wall_end, cpu_end = time.perf_counter(), time.process_time()
            stored = db.session.execute(select(func.count()).select_from(Resident)).scalar_one()
            households = db.session.execute(select(func.count()).select_from(Household)).scalar_one()
            assert report.error_count == 0 and stored == rows and households == rows // 2, (report.errors[:3], stored)
            total = wall_end - wall
            print(f"{kind:<10} {source.suffix[1:]:<4} {report.rows} rows: {total:6.1f} s wall "
                  f"(check {checked - wall:5.1f} s, write {wall_end - checked:5.1f} s), {cpu_end - cpu:6.1f} s CPU, "
                  f"{report.rows / total:7.0f} rows/s; RSS {before:5.0f} MB before, peak {peak_rss_mb():5.0f} MB")
            db.session.remove()
            db.engine.dispose()
    finally:
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--xlsx", action="store_true", help="an XLSX file rather than a CSV")
    parser.add_argument("--layout", choices=("blank", "repeated", "scattered"), default="blank")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="doorstep-import-bench-") as tmp:
        folder = Path(tmp)
        source = folder / ("list.xlsx" if args.xlsx else "list.csv")
        household_list(source, args.rows, args.xlsx, args.layout)
        print(f"{source.name}: {source.stat().st_size / 1024 / 1024:.1f} MB")
        for kind in (("sqlite", "postgresql") if args.db == "both" else (args.db,)):
            run(kind, source, args.rows, folder)


if __name__ == "__main__":
    main()
