"""A fresh tablet's whole pull (pages of --limit from since=0 to the end) through gunicorn, old tree against new.

    .venv/bin/python bench/pull_bench.py --db both --rounds 3 --old /tmp/main-tree

One world per database (households and residents as bench/sync_world.py makes them, visits with their assists
inserted directly as the sync benchmark's floor does), then, in each round, one gunicorn per tree in turn, old
first, each pulling everything once: interleaved, so that the noise of the shared machine falls on both. Prints
records/s (over the time spent waiting for replies: the tablet's own unzipping and parsing are not the server's),
the seconds waiting and in all, the server's CPU (gunicorn's, not PostgreSQL's) and the gzip bytes down, their
medians and the ratios new/old, and whether both trees sent the same bytes. Figures, not pass/fail.
"""
import argparse
import gzip
import hashlib
import os
import statistics
import sys
import time

import orjson
import requests
from sqlalchemy import create_engine, text

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench import sync_world as world_mod  # noqa: E402
from bench.sync_bench import direct_insert  # noqa: E402
from bench.sync_server import Server, cpu_seconds  # noqa: E402
from shared import SCHEMA_VERSION  # noqa: E402
from shared.ids import new_id  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def seed(kind: str, args) -> world_mod.Database:
    database = world_mod.Database(kind)
    world = world_mod.populate(database.url, args.villages, args.households, seed=1)
    rows, assists = world_mod.stored_rows(world_mod.visits(world["residents_of"], args.visits, seed=1), world,
                                          new_id())
    direct_insert(database.url, rows, assists, 500)
    if kind == "postgresql":  # the statistics autovacuum would have gathered by then
        engine = create_engine(database.url)
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        engine.dispose()
    return database


def pull_all(base: str, limit: int, schema: int) -> dict:
    """Log in as a new tablet and pull everything from zero; the wall time, records, bytes and a digest of the
    uncompressed pages."""
    http = requests.Session()
    device = new_id()
    login = http.post(base + "/auth/login", json={"username": world_mod.USERNAME, "password": world_mod.PASSWORD,
                                                  "device_id": device, "device_label": "Tab A8",
                                                  "app_version": "bench"}, timeout=30)
    login.raise_for_status()
    headers = {"Authorization": "Bearer " + login.json()["token"], "X-Device-Id": device, "X-App-Version": "bench",
               "X-Schema-Version": str(schema), "Accept-Encoding": "gzip"}
    since, records, down, digest, waited = 0, 0, 0, hashlib.sha256(), 0.0
    start = time.perf_counter()
    while True:
        asked = time.perf_counter()
        reply = http.get(f"{base}/sync/pull?since={since}&limit={limit}", headers=headers, stream=True, timeout=120)
        raw = reply.raw.read(decode_content=False)
        waited += time.perf_counter() - asked
        down += len(raw)
        body = gzip.decompress(raw) if reply.headers.get("Content-Encoding") == "gzip" else raw
        if reply.status_code != 200:
            raise RuntimeError(f"{reply.status_code}: {body[:300]!r}")
        page = orjson.loads(body)
        digest.update(body)
        records += len(page["changes"])
        since = page["cursor"]
        if not page["has_more"]:
            break
    return {"seconds": time.perf_counter() - start, "waited": waited, "records": records, "bytes": down,
            "digest": digest.hexdigest()}


def one_pull(url: str, code: str, args) -> dict:
    log = os.path.join("/tmp", f"doorstep-pull-bench-{os.getpid()}.log")
    server = Server(url, args.workers, args.threads, log, code=code)
    try:
        pull_all(server.base, args.limit, args.schema) if args.warm else None
        cpu = cpu_seconds(server.process.pid)
        run = pull_all(server.base, args.limit, args.schema)
        run["cpu"] = cpu_seconds(server.process.pid) - cpu
    finally:
        server.stop()
    run["per_s"] = run["records"] / run["waited"]
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--old", help="the tree to compare against (e.g. `git archive main` unpacked); "
                        "without it only --new is measured")
    parser.add_argument("--new", default=ROOT, help="the tree measured (default: this one)")
    parser.add_argument("--households", type=int, default=5_000)
    parser.add_argument("--villages", type=int, default=10)
    parser.add_argument("--visits", type=int, default=20_000)
    parser.add_argument("--limit", type=int, default=1000)
    parser.add_argument("--schema", type=int, default=SCHEMA_VERSION, help="the X-Schema-Version the tablet sends")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--warm", action="store_true", help="one untimed pull per server first")
    args = parser.parse_args()
    trees = {"old": args.old, "new": args.new} if args.old else {"new": args.new}
    print(f"{args.households:,} households, {args.visits:,} visits in {args.villages} villages; pages of "
          f"{args.limit}; gunicorn -w {args.workers} --threads {args.threads}; load {os.getloadavg()[0]:.2f}; "
          + "; ".join(f"{k}: {v}" for k, v in trees.items()))
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    for kind in kinds:
        database = seed(kind, args)
        try:
            runs = {name: [] for name in trees}
            for n in range(args.rounds):
                for name, code in trees.items():
                    run = one_pull(database.url, code, args)
                    runs[name].append(run)
                    print(f"  {kind} round {n + 1} {name}: {run['records']:,} records, {run['seconds']:.2f} s in all, "
                          f"{run['waited']:.2f} s waiting for replies ({run['per_s']:,.0f}/s), "
                          f"server CPU {run['cpu']:.2f} s, {run['bytes']:,} bytes, "
                          f"load {os.getloadavg()[0]:.2f}", flush=True)
        finally:
            database.drop()
        report(kind, runs)


def report(kind: str, runs: dict) -> None:
    print(f"\n{kind}: medians of {len(next(iter(runs.values())))} rounds")
    medians = {name: {key: statistics.median(r[key] for r in found)
                      for key in ("per_s", "waited", "seconds", "cpu", "bytes")}
               for name, found in runs.items()}
    for key, label, fmt in (("per_s", "records/s", "{:,.0f}"), ("waited", "s waiting", "{:.2f}"),
                            ("seconds", "s in all", "{:.2f}"),
                            ("cpu", "server CPU s", "{:.2f}"), ("bytes", "gzip bytes down", "{:,.0f}")):
        line = "  ".join(f"{name} {fmt.format(m[key]):>10}" for name, m in medians.items())
        if "old" in medians:
            line += f"  new/old {medians['new'][key] / medians['old'][key]:.3f}"
        print(f"  {label:16} {line}")
    digests = {r["digest"] for found in runs.values() for r in found}
    print(f"  pages identical across runs and trees: {'yes' if len(digests) == 1 else 'NO'}")


if __name__ == "__main__":
    main()
