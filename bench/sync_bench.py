"""Server sync benchmark: push 20,000 visits through gunicorn as a tablet does, pull everything back as a fresh
tablet does, and insert the same rows directly with SQLAlchemy Core as the floor. Prints figures, not pass/fail.

    .venv/bin/python bench/sync_bench.py --db sqlite --runs 3
    .venv/bin/python bench/sync_bench.py --db postgresql --runs 3

Each run uses a fresh database (a SQLite file, or a PostgreSQL schema that is dropped afterwards) and a fresh
gunicorn. The request bodies are built and gzipped before the clock starts: the tablet's work is not the server's.
"""
import argparse
import gzip
import json
import os
import statistics
import sys
import threading
import time

import requests
from sqlalchemy import create_engine, event, insert, update

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench import sync_world as world_mod  # noqa: E402
from bench.sync_server import MemorySampler, Server, cpu_seconds  # noqa: E402
from server import _sqlite_pragmas  # noqa: E402
from server.extensions import db  # noqa: E402
from server.models import Assist, SyncCounter, Visit  # noqa: E402
from server.stats import facts  # noqa: E402
from shared.ids import new_id  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGETS = {"push_per_s": (">=", 6000), "http_vs_direct": ("<=", 5.0), "up_bytes": ("<=", 160),
           "pull_per_s": (">=", 10000), "rss_mb": ("<=", 150)}
MB = 1024 * 1024


class Tablet:
    """One device's HTTP session: gzip bodies up, gzip replies down, bytes counted as they travel."""

    def __init__(self, base: str):
        self.base, self.device_id = base, new_id()
        self.http = requests.Session()
        reply = self.http.post(base + "/auth/login", json={"username": world_mod.USERNAME,
                               "password": world_mod.PASSWORD, "device_id": self.device_id,
                               "device_label": "Tab A8", "app_version": "bench"}, timeout=30)
        reply.raise_for_status()
        self.headers = {"Authorization": "Bearer " + reply.json()["token"], "X-Device-Id": self.device_id,
                        "X-App-Version": "bench", "X-Schema-Version": "1", "Accept-Encoding": "gzip"}
        self.bytes_down = 0

    def _read(self, reply) -> dict:
        raw = reply.raw.read(decode_content=False)
        self.bytes_down += len(raw)
        body = gzip.decompress(raw) if reply.headers.get("Content-Encoding") == "gzip" else raw
        if reply.status_code != 200:
            raise RuntimeError(f"{reply.status_code}: {body[:500]!r}")
        return json.loads(body)

    def push(self, body: bytes) -> dict:
        headers = {**self.headers, "Content-Type": "application/json", "Content-Encoding": "gzip"}
        return self._read(self.http.post(self.base + "/sync/push", data=body, headers=headers, stream=True,
                                         timeout=120))

    def pull(self, since: int, limit: int) -> dict:
        return self._read(self.http.get(f"{self.base}/sync/pull?since={since}&limit={limit}",
                                        headers=self.headers, stream=True, timeout=120))


def gzipped_batches(changes: list[dict], size: int) -> list[bytes]:
    return [gzip.compress(json.dumps({"batch_id": new_id(), "schema_version": 1, "changes": changes[i:i + size]},
                                     ensure_ascii=False).encode(), compresslevel=6)
            for i in range(0, len(changes), size)]


def push_all(server: Server, bodies: list[bytes], clients: int) -> tuple[float, int]:
    """Push every body, `clients` tablets at once; returns (seconds, gzip bytes down)."""
    tablets = [Tablet(server.base) for _ in range(clients)]
    failures = []

    def work(tablet, share):
        for body in share:
            reply = tablet.push(body)
            bad = [r for r in reply["results"] if r["status"] != "applied"]
            if bad:
                failures.append(bad[0])
                return

    threads = [threading.Thread(target=work, args=(t, bodies[i::clients])) for i, t in enumerate(tablets)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    seconds = time.perf_counter() - start
    if failures:
        raise RuntimeError(f"a push was not applied: {failures[0]}")
    return seconds, sum(t.bytes_down for t in tablets)


def pull_all(server: Server, limit: int, max_pages: int = 1000) -> tuple[float, int, int]:
    """Pull the whole scope from zero, page by page; returns (seconds, records, gzip bytes down)."""
    tablet, since, records = Tablet(server.base), 0, 0
    start = time.perf_counter()
    for _ in range(max_pages):
        page = tablet.pull(since, limit)
        records += len(page["changes"])
        since = page["cursor"]
        if not page["has_more"]:
            break
    return time.perf_counter() - start, records, tablet.bytes_down


def direct_insert(url: str, rows: list[dict], assists: list[list[dict]], size: int) -> float:
    """The floor: the same visits and assists with Core executemany, one transaction per batch with its seq."""
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)  # the server's settings (WAL, synchronous=NORMAL)
    start = time.perf_counter()
    for i in range(0, len(rows), size):
        batch = rows[i:i + size]
        with engine.begin() as conn:
            last = conn.execute(update(SyncCounter).where(SyncCounter.id == 1)
                                .values(v=SyncCounter.v + len(batch)).returning(SyncCounter.v)).scalar_one()
            conn.execute(insert(Visit), [r | {"seq": last - len(batch) + n + 1} for n, r in enumerate(batch)])
            conn.execute(insert(Assist), [a for group in assists[i:i + size] for a in group])
    seconds = time.perf_counter() - start
    engine.dispose()
    return seconds


def catch_up(url: str) -> tuple[float, int]:
    """The part of the pushes' work left to the first reader of the coverage figures: refreshing the coverage facts
    of the households they marked stale (server/stats/facts.py). Returns the seconds and the households."""
    app = world_mod.app_for(url)
    with app.app_context():
        start = time.perf_counter()
        households = facts.catch_up()
        seconds = time.perf_counter() - start
        db.engine.dispose()
    return seconds, households


def one_run(kind: str, args, seed: int) -> dict:
    database = world_mod.Database(kind)
    try:
        world = world_mod.populate(database.url, args.villages, args.households, seed)
        changes = world_mod.visits(world["residents_of"], args.visits, seed)
        bodies = gzipped_batches(changes, args.batch)
        log = os.path.join("/tmp", f"doorstep-bench-gunicorn-{os.getpid()}.log")
        server = Server(database.url, args.workers, args.threads, log, code=args.code)
        try:
            pid = server.process.pid
            with MemorySampler(pid) as memory:
                cpu = cpu_seconds(pid)
                push_s, push_down = push_all(server, bodies, args.clients)
                cpu, push_cpu = cpu_seconds(pid), cpu_seconds(pid) - cpu
                pull_s, pulled, pull_down = pull_all(server, args.limit)
                pull_cpu = cpu_seconds(pid) - cpu
            catch_up_s, stale = catch_up(database.url) if args.code == ROOT else (float("nan"), 0)
        finally:
            server.stop()
    finally:
        database.drop()
    floor_db = world_mod.Database(kind)
    try:
        floor_world = world_mod.populate(floor_db.url, args.villages, args.households, seed)
        rows, assists = world_mod.stored_rows(world_mod.visits(floor_world["residents_of"], args.visits, seed),
                                              floor_world, new_id())
        direct_s = direct_insert(floor_db.url, rows, assists, args.batch)
    finally:
        floor_db.drop()
    n = args.visits
    return {"push_per_s": n / push_s, "direct_per_s": n / direct_s, "http_vs_direct": push_s / direct_s,
            "up_bytes": sum(map(len, bodies)) / n, "down_bytes": push_down / n,
            "pull_per_s": pulled / pull_s, "pull_bytes": pull_down / pulled, "pulled": pulled,
            "push_cpu_us": push_cpu / n * 1e6, "pull_cpu_us": pull_cpu / pulled * 1e6,
            "rss_mb": memory.peak_total / MB, "worker_rss_mb": memory.peak_worker() / MB,
            "catch_up_s": catch_up_s, "stale": stale}


ROWS = [("push_per_s", "visits/s pushed", "{:,.0f}"), ("direct_per_s", "visits/s direct Core insert", "{:,.0f}"),
        ("http_vs_direct", "HTTP time / direct time", "{:.2f}x"), ("up_bytes", "gzip bytes/visit up", "{:.0f}"),
        ("down_bytes", "gzip bytes/visit down (push)", "{:.0f}"), ("pull_per_s", "records/s pulled", "{:,.0f}"),
        ("pull_bytes", "gzip bytes/record down (pull)", "{:.0f}"), ("pulled", "records pulled", "{:,.0f}"),
        ("push_cpu_us", "server CPU us/visit pushed", "{:.0f}"),
        ("pull_cpu_us", "server CPU us/record pulled", "{:.1f}"),
        ("catch_up_s", "facts catch-up after the push (s)", "{:.2f}"),
        ("stale", "households caught up", "{:,.0f}"),
        ("rss_mb", "peak RSS, master+workers (MB)", "{:.0f}"),
        ("worker_rss_mb", "peak RSS, one worker (MB)", "{:.0f}")]


def report(kind: str, runs: list[dict]) -> None:
    print(f"\n{kind}: median of {len(runs)} runs (each run's figures in brackets)")
    for key, label, fmt in ROWS:
        values = [r[key] for r in runs]
        target = TARGETS.get(key)
        goal = f"target {target[0]} {target[1]:,}" if target else ""
        median = statistics.median(values)
        met = "" if not target else ("ok" if (median >= target[1]) == (target[0] == ">=") else "MISSED")
        print(f"  {label:32} {fmt.format(median):>10}  [{', '.join(fmt.format(v) for v in values)}]  {goal} {met}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--visits", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--limit", type=int, default=1000, help="pull page size")
    parser.add_argument("--households", type=int, default=5_000)
    parser.add_argument("--villages", type=int, default=10)
    parser.add_argument("--clients", type=int, default=1, help="tablets pushing at once")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--code", default=ROOT,
                        help="the tree gunicorn serves, e.g. an export of an older commit to compare against")
    args = parser.parse_args()
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    print(f"{args.visits:,} visits in batches of {args.batch}, {args.clients} client thread(s); gunicorn "
          f"-w {args.workers} --threads {args.threads}; {args.households:,} households in {args.villages} villages; "
          f"serving {args.code}")
    for kind in kinds:
        runs = []
        for i in range(args.runs):
            runs.append(one_run(kind, args, seed=i))
            print(f"  {kind} run {i + 1}: " + ", ".join(f"{k}={v:,.1f}" for k, v in runs[-1].items()), flush=True)
        report(kind, runs)


if __name__ == "__main__":
    main()
