"""The visit log as XLSX: this tree's exports.py against a baseline's, median of 3 on made-up visits with names.

    git show <baseline>:server/dashboard/exports.py > /tmp/old_exports.py
    .venv/bin/python bench/export_bench.py [rows] [/tmp/old_exports.py]
"""
import importlib.util
import statistics
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import server.dashboard  # noqa: E402,F401  (the package the baseline's relative imports need)
from server.dashboard import exports as new  # noqa: E402


def baseline(path: str):
    spec = importlib.util.spec_from_file_location("server.dashboard.old_exports", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def median_of_3(work) -> float:
    times = []
    for _ in range(3):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    old = baseline(sys.argv[2] if len(sys.argv) > 2 else "/tmp/old_exports.py")
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    entries = [{"started_at": start + timedelta(minutes=17 * i), "village": "Thôn Đông", "household_id": f"{i:032x}",
                "address": f"Số {i}, Kiệt 3", "head_name": "Nguyễn Văn Ánh", "official": "Trần Thị Hoa",
                "status": "met", "duration_min": 15, "follow_up_on": date(2026, 2, 1) if i % 3 == 0 else None,
                "assists": [("vneid_account", "done")]} for i in range(rows)]
    before = median_of_3(lambda: old.xlsx([old.visit_log_table(entries, True)]))
    after = median_of_3(lambda: new.xlsx([new.visit_log_table(entries, True, "Asia/Ho_Chi_Minh")]))
    print(f"visit log, {rows} rows, xlsx: before {before:.2f} s, after {after:.2f} s, ratio {after / before:.2f}")


if __name__ == "__main__":
    main()
