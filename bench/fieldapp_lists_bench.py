"""The tablet's household lists in walk order (docs/performance.md, "the lists of issue 11"): search, the filtered
list and the whole list (the households screen with no filter reads up to 20,000 rows), on a plain store of 10,000
households loaded from pull pages, as bench/fieldapp_bench.py builds it.

Run: .venv/bin/python bench/fieldapp_lists_bench.py [--households N]
"""
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.fieldapp_bench import QUERIES, ms, pulled_page  # noqa: E402
from fieldapp.store import Store  # noqa: E402


def timed(call, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        out.append(time.perf_counter() - started)
    return out


def main() -> None:
    households = int(sys.argv[sys.argv.index("--households") + 1]) if "--households" in sys.argv else 10_000
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "lists.sqlite3")
        changes = pulled_page(random.Random(1), households, 3.5)
        started = time.perf_counter()
        for start in range(0, len(changes), 500):
            store.apply_pull(changes[start:start + 500], start)
        print(f"loaded {households} households from pull pages in {time.perf_counter() - started:.1f} s")
        search = [t for q in QUERIES for t in timed(lambda: store.households(q), 5)]
        filtered = timed(lambda: store.households("", village_id=2, not_reached=True, topic_not_done="vneid_account"),
                         10)
        whole = timed(lambda: store.households("", limit=20_000), 5)
        village = timed(lambda: store.households("", village_id=2, limit=20_000), 5)
        print(f"search (median of {len(search)}): {ms(statistics.median(search))}, max {ms(max(search))}")
        print(f"filtered list: median {ms(statistics.median(filtered))}")
        print(f"whole list ({len(store.households('', limit=20_000))} rows): median {ms(statistics.median(whole))}")
        print(f"one village's list: median {ms(statistics.median(village))}")
        store.close()


if __name__ == "__main__":
    main()
