"""Where the real server's time goes: py-spy samples the gunicorn worker while the bench's tablet pushes (or pulls)
the bench's visits, and the busy samples are summed per function, by self time and inclusive time. Prints figures.

    .venv/bin/python bench/push_spy.py --db sqlite --phase push
    BENCH_PG_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test .venv/bin/python bench/push_spy.py --db postgresql

Idle threads (waiting in `select` or a queue) are left out, so the shares are of the time the worker was busy.
"""
import argparse
import collections
import os
import signal
import subprocess
import sys
import tempfile
import time

import psutil

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench import sync_world as world_mod  # noqa: E402
from bench.sync_bench import gzipped_batches, pull_all, push_all  # noqa: E402
from bench.sync_server import Server  # noqa: E402

PY_SPY = os.path.join(os.path.dirname(sys.executable), "py-spy")
IDLE = ("select (selectors", "wait (threading", "accept (socket")


def record(worker: int, out: str) -> subprocess.Popen:
    return subprocess.Popen([PY_SPY, "record", "-p", str(worker), "-r", "250", "-f", "raw", "-o", out,
                             "--nonblocking"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def shares(path: str, top: int) -> None:
    own, inclusive, total = collections.Counter(), collections.Counter(), 0
    with open(path) as samples:
        for line in samples:
            stack, _, count = line.rstrip().rpartition(" ")
            frames = stack.split(";")
            if any(idle in frame for frame in frames[-2:] for idle in IDLE):
                continue
            total += int(count)
            own[frames[-1]] += int(count)
            for frame in set(frames):
                inclusive[frame] += int(count)
    print(f"{total} busy samples")
    for title, counter in (("self", own), ("inclusive", inclusive)):
        print(f"-- {title}")
        for frame, count in counter.most_common(top):
            print(f"{100 * count / total:5.1f}%  {frame[:140]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--phase", choices=["push", "pull"], default="push")
    parser.add_argument("--visits", type=int, default=20_000)
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()
    database = world_mod.Database(args.db)
    out = os.path.join(tempfile.mkdtemp(prefix="push-spy-"), f"{args.db}-{args.phase}.txt")
    try:
        world = world_mod.populate(database.url, 10, 5000, seed=0)
        bodies = gzipped_batches(world_mod.visits(world["residents_of"], args.visits, seed=0), 100)
        server = Server(database.url, 1, 4, out + ".gunicorn.log")
        try:
            worker = psutil.Process(server.process.pid).children()[0].pid
            if args.phase == "pull":
                push_all(server, bodies, 1)
            spy = record(worker, out)
            time.sleep(1.5)  # py-spy attaches
            start = time.perf_counter()
            push_all(server, bodies, 1) if args.phase == "push" else pull_all(server, 1000)
            print(f"{args.db} {args.phase}: {time.perf_counter() - start:.1f} s")
            spy.send_signal(signal.SIGINT)
            spy.wait()
        finally:
            server.stop()
    finally:
        database.drop()
    shares(out, args.top)


if __name__ == "__main__":
    main()
