"""What the validation of a pushed visit costs: marshmallow's load, the plain-Python fast loaders of before and
today's server/sync/fastload.py, over the sync bench's visits (bench/sync_world.py) as orjson parses them from a
push's body. Prints µs per change (the envelope, the visit's data, both), medians of interleaved rounds; no asserts.

    .venv/bin/python bench/fastload_bench.py
    .venv/bin/python bench/fastload_bench.py --visits 5000 --rounds 9 --old b062c39

--old is a git revision whose server/sync/fastload.py is loaded beside today's (b062c39: the last plain-Python one).
"""
import argparse
import os
import random
import statistics
import subprocess
import sys
import time
import types

import orjson

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from bench import sync_world  # noqa: E402
from server.sync import fastload  # noqa: E402
from shared.ids import new_id  # noqa: E402
from shared.schemas import ChangeSchema, VisitData  # noqa: E402


def old_fastload(rev: str):
    source = subprocess.run(["git", "-C", ROOT, "show", f"{rev}:server/sync/fastload.py"], check=True,
                            capture_output=True, text=True).stdout
    module = types.ModuleType("fastload_old")
    exec(compile(source, f"{rev}:server/sync/fastload.py", "exec"), module.__dict__)
    return module


def marshmallow_loaders():
    change, visit = ChangeSchema(), VisitData()
    return change.load, visit.load


def timed(load_change, load_visit, changes: list) -> tuple[float, float]:
    """Seconds for the envelopes, and for the visits' data, of all `changes`."""
    start = time.perf_counter()
    loaded = [load_change(raw) for raw in changes]
    middle = time.perf_counter()
    for change in loaded:
        load_visit(change["data"])
    return middle - start, time.perf_counter() - middle


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--old", default="b062c39", help="git revision of the plain-Python fast loaders")
    args = parser.parse_args()
    rng = random.Random(0)
    residents_of = {new_id(): [new_id() for _ in range(rng.randint(2, 5))] for _ in range(5000)}
    # As the server sees them: parsed by orjson from a body.
    changes = orjson.loads(orjson.dumps(sync_world.visits(residents_of, args.visits, seed=0)))
    old = old_fastload(args.old)
    paths = {"marshmallow": marshmallow_loaders(), f"fastload {args.old} (Python)": (old.fast_change, old.fast_visit),
             "fastload (msgspec)": (fastload.fast_change, fastload.fast_visit)}
    for name, (load_change, load_visit) in paths.items():
        fast = [load_visit(load_change(raw)["data"]) for raw in changes[:200]]
        assert None not in fast, f"{name}: a bench visit left the fast path"
    times = {name: ([], []) for name in paths}
    for _ in range(args.rounds):
        for name, (load_change, load_visit) in paths.items():
            envelope, visit = timed(load_change, load_visit, changes)
            times[name][0].append(envelope / len(changes) * 1e6)
            times[name][1].append(visit / len(changes) * 1e6)
    print(f"{len(changes):,} visit changes ({sum(len(c['data']['assists']) for c in changes) / len(changes):.1f} "
          f"assists each), medians of {args.rounds} interleaved rounds; load average {os.getloadavg()[0]:.2f}")
    print(f"  {'µs per change':32} {'envelope':>9} {'visit':>9} {'both':>9} {'vs marshmallow':>15}")
    base = None
    for name, (envelope, visit) in times.items():
        both = statistics.median(e + v for e, v in zip(envelope, visit))
        base = base or both
        print(f"  {name:32} {statistics.median(envelope):9.2f} {statistics.median(visit):9.2f} {both:9.2f} "
              f"{base / both:14.1f}x")


if __name__ == "__main__":
    main()
