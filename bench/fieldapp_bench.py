"""Field app figures (docs/performance.md, "Field app"): search, save a visit, push 1,000 visits, first pull, RSS.

Run: .venv/bin/python bench/fieldapp_bench.py [--quick]
Everything is real: sqlite3 files in a temporary folder, the server on 127.0.0.1 over HTTP (SQLite, werkzeug
threaded server), in this process; the first pull runs in a child process so its RSS is the tablet's alone.
Targets: search <= 20 ms median, save <= 30 ms, push 1,000 <= 5 s, first pull (5,000 households, 17,000 residents,
20,000 visits) <= 10 s, RSS <= 250 MB.
"""
import logging
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fieldapp.store import Store  # noqa: E402
from fieldapp.sync import ApiClient, SyncEngine  # noqa: E402
from shared.ids import new_id  # noqa: E402

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thanh", "Quang"]
GIVEN = ["Ánh", "Hoa", "Lan", "Nam", "Hùng", "Dũng", "Hương", "Mai", "Tuấn", "Bình", "Cường", "Đạt", "Thảo", "Yến"]
STREETS = ["Kiệt", "Lê Lợi", "Hùng Vương", "Trần Phú", "Phan Bội Châu", "Nguyễn Huệ"]
QUERIES = ["nguyen van anh", "tran thi", "le loi", "0912", "hoang duc", "ho thi yen", "ngo", "kiet 12", "dat", "xyz"]


def name(rng):
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def pulled_page(rng, households: int, residents_each: float, villages=(1, 2, 3, 4)):
    """Wire records as the server's pull sends them (tables households, residents)."""
    changes = []
    for i in range(households):
        hid = new_id()
        changes.append({"table": "households", "id": hid, "version": 1, "deleted": False,
                        "data": {"village_id": rng.choice(villages), "address": f"{i} {rng.choice(STREETS)}",
                                 "head_name": name(rng), "phone": f"09{rng.randrange(10**8):08d}", "note": ""}})
        for _ in range(int(residents_each) + (rng.random() < residents_each % 1)):
            changes.append({"table": "residents", "id": new_id(), "version": 1, "deleted": False,
                            "data": {"household_id": hid, "full_name": name(rng), "birth_year": rng.randint(1940, 2015),
                                     "sex": rng.choice("fm"), "phone": "", "has_smartphone": rng.random() < .6}})
    return changes


def ms(seconds):
    return f"{seconds * 1000:.1f} ms"


def bench_search_and_save(folder, households):
    rng = random.Random(1)
    store = Store(folder / "search.sqlite3")
    changes = pulled_page(rng, households, 3.5)
    t = time.perf_counter()
    for start in range(0, len(changes), 500):
        store.apply_pull(changes[start:start + 500], start)
    load = time.perf_counter() - t
    residents = sum(c["table"] == "residents" for c in changes)
    timings = []
    for _ in range(5):
        for q in QUERIES:
            t = time.perf_counter()
            store.households(q)
            timings.append(time.perf_counter() - t)
    filtered = []
    for _ in range(10):
        t = time.perf_counter()
        store.households("", village_id=2, not_reached=True, topic_not_done="vneid_account")
        filtered.append(time.perf_counter() - t)
    ids = [c["id"] for c in changes if c["table"] == "households"]
    saves = []
    for i in range(200):
        t = time.perf_counter()
        store.log_visit(rng.choice(ids), assists=[{"topic": "vneid_account", "outcome": "done"}])
        saves.append(time.perf_counter() - t)
    opens = []
    for i in range(50):
        t = time.perf_counter()
        store.household(rng.choice(ids))
        opens.append(time.perf_counter() - t)
    print(f"store: {households} households, {residents} residents loaded from pull pages in {load:.1f} s")
    print(f"search (median of {len(timings)}, {len(QUERIES)} queries): {ms(statistics.median(timings))}, "
          f"max {ms(max(timings))}")
    print(f"filtered list (village, not reached, topic not done): median {ms(statistics.median(filtered))}")
    print(f"save a visit (median of 200, synchronous=FULL): {ms(statistics.median(saves))}, "
          f"p95 {ms(sorted(saves)[189])}")
    print(f"open a household: median {ms(statistics.median(opens))}")
    store.close()


def start_server(folder):
    from tests.fieldapp.conftest import LiveServer
    return LiveServer(folder / "server.db")


def bench_push(server, folder, visits):
    store = Store(folder / "push.sqlite3")
    engine = SyncEngine(store, ApiClient(server.url))
    engine.login(server.url, server.world.official, server.password)
    engine.run()
    hid = store.save_household({"village_id": server.world.a1, "address": "1 Kiệt 3", "head_name": "Nguyễn Văn Ánh"})
    rid = store.save_resident({"household_id": hid, "full_name": "Trần Thị Hoa"})
    for i in range(visits):
        store.log_visit(hid, assists=[{"resident_id": rid, "topic": "cashless_payment", "outcome": "done"}])
    t = time.perf_counter()
    engine._push(lambda *a: None)
    took = time.perf_counter() - t
    assert store.pending() == 0 and server.count("visits") >= visits
    print(f"push {visits + 2} pending changes ({visits} visits) in batches of 100: {took:.2f} s, "
          f"{engine.client.bytes_up / 1024:.0f} KiB up (gzip)")
    store.close()


def seed_server(server, households, residents_each, visits):
    """Fill the server through its own push endpoint, 500 changes per batch, from a leader's device."""
    rng = random.Random(2)
    client = ApiClient(server.url, device_id=new_id())
    client.token = client.login(server.world.leader, server.password)["token"]
    villages = (server.world.a1, server.world.a2)
    changes, members = [], []
    for change in pulled_page(rng, households, residents_each, villages):
        change = {"table": change["table"], "op": "upsert", "id": change["id"], "base_version": 0,
                  "data": {k: v for k, v in change["data"].items()}}
        changes.append(change)
        if change["table"] == "residents":
            members.append((change["data"]["household_id"], change["id"]))
    started = time.time()
    for i in range(visits):
        hid, rid = rng.choice(members)
        at = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(started - rng.randrange(200 * 86400)))
        changes.append({"table": "visits", "op": "upsert", "id": new_id(), "base_version": 0,
                        "data": {"household_id": hid, "started_at": at, "status": "met",
                                 "assists": [{"resident_id": rid, "topic": rng.choice(["vneid_account", "cashless_payment"]),
                                              "outcome": rng.choice(["done", "partial"])}]}})
    t = time.perf_counter()
    for start in range(0, len(changes), 500):
        reply = client.push(new_id(), changes[start:start + 500])
        assert all(r["status"] == "applied" for r in reply["results"]), reply["results"][:1]
    print(f"seeded the server with {len(changes)} changes through push in {time.perf_counter() - t:.1f} s")


def first_pull_child(url, username, password, folder):
    """In a child process: a fresh tablet logs in and pulls everything; prints time and RSS."""
    import psutil
    store = Store(Path(folder) / f"fresh-{new_id()}.sqlite3")
    engine = SyncEngine(store, ApiClient(url))
    engine.login(url, username, password)
    t = time.perf_counter()
    result = engine.run()
    took = time.perf_counter() - t
    counts = {t: store.db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("households", "residents", "visits")}
    t = time.perf_counter()
    store.households("nguyen van")
    search = time.perf_counter() - t
    rss = psutil.Process().memory_info().rss / 2**20
    print(f"first pull: {result['pulled']} changes {counts} in {took:.1f} s, "
          f"{result['bytes_down'] / 2**20:.1f} MiB down (gzip); search after it {ms(search)}; "
          f"tablet process RSS {rss:.0f} MB")


def main():
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request would drown the figures
    quick = "--quick" in sys.argv
    if len(sys.argv) > 1 and sys.argv[1] == "--pull-child":
        return first_pull_child(*sys.argv[2:6])
    scale = 10 if quick else 1
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        bench_search_and_save(folder, 10_000 // scale)
        server = start_server(folder)
        bench_push(server, folder, 1000 // scale)
        seed_server(server, 5000 // scale, 3.4, 20_000 // scale)
        subprocess.run([sys.executable, __file__, "--pull-child", server.url, server.world.official, server.password,
                        str(folder)], check=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
        server.stop()


if __name__ == "__main__":
    main()
