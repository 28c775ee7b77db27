"""Field app figures (docs/performance.md, "Field app"): search, save a visit, push 1,000 visits, first pull, RSS,
each on the plain store (stdlib sqlite3, as before encryption) and on the encrypted one (SQLCipher, the app's), in
the same run, with their ratio; and the PIN unlock time with the key file's scrypt parameters.

Run: .venv/bin/python bench/fieldapp_bench.py [--quick] [--plain | --encrypted]  (default: both)
Everything is real: sqlite3 files in a temporary folder, the server on 127.0.0.1 over HTTP (SQLite, werkzeug
threaded server), in this process; the first pull runs in a child process so its RSS is the tablet's alone.
Targets: search <= 20 ms median, save <= 30 ms, the work list after a save <= 50 ms, push 1,000 <= 5 s,
first pull (5,000 households, 17,000 residents, 20,000 visits) <= 10 s, RSS <= 250 MB. Work list: the official
of 2 villages holding 10,000 households (a commune's worth: the worst case), its first build and after a save.
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

from fieldapp import lock  # noqa: E402
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


def bench_search_and_save(folder, households, key, figures):
    rng = random.Random(1)
    store = Store(folder / f"search-{new_id()}.sqlite3", key=key)
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
    figures.update({"search (median)": statistics.median(timings), "filtered list (median)": statistics.median(filtered),
                    "save a visit (median)": statistics.median(saves), "save a visit (p95)": sorted(saves)[189],
                    "open a household (median)": statistics.median(opens)})
    store.close()


def bench_work_list(folder, households, key, figures):
    """The work list (fieldapp/worklist.py) of an official of 2 villages holding `households` households: its first
    build (every household's facts read), then the build after a save (only the saved household read again)."""
    from fieldapp.worklist import WorkList
    rng = random.Random(2)
    store = Store(folder / f"work-{new_id()}.sqlite3", key=key)
    changes = [{"table": "areas", "id": str(v), "version": 1, "deleted": False,
                "data": {"level": "village", "name": n, "parent_id": 100}}
               for v, n in ((1, "Thôn Đông"), (2, "Thôn Tây"))]
    changes += pulled_page(rng, households, 3.5, villages=(1, 2))
    for start in range(0, len(changes), 500):
        store.apply_pull(changes[start:start + 500], start + 1)
    store.set_meta(scope={"village_ids": [1, 2]}, user={"id": 1})
    ids = [c["id"] for c in changes if c["table"] == "households"]
    residents = {}
    for c in changes:
        if c["table"] == "residents":
            residents.setdefault(c["data"]["household_id"], []).append(c["id"])
    for hid in rng.sample(ids, len(ids) // 4):  # a quarter of the households met, with outcomes
        store.log_visit(hid, assists=[{"resident_id": r, "topic": rng.choice(["vneid_account", "cashless_payment"]),
                                       "outcome": "done"} for r in residents.get(hid, [])[:2]])
    store.close()
    store = Store(store.path, key=key)  # a cold cache, as at the app's start
    work = WorkList(store)
    t = time.perf_counter()
    rows = work.rows()
    cold = time.perf_counter() - t
    after = []
    for _ in range(30):
        hid = rng.choice(ids)
        store.log_visit(hid, status="not_home")
        t = time.perf_counter()
        work.touch([hid])
        rows = work.rows()
        after.append(time.perf_counter() - t)
    print(f"work list of {households} households in 2 villages ({len(rows)} on it): first build {ms(cold)}; "
          f"after a save median {ms(statistics.median(after))}, max {ms(max(after))}")
    figures.update({"work list, first build": cold, "work list after a save (median)": statistics.median(after),
                    "work list after a save (max)": max(after)})
    store.close()


def start_server(folder):
    from tests.fieldapp.conftest import LiveServer
    return LiveServer(folder / "server.db")


def bench_push(server, folder, visits, key, figures):
    store = Store(folder / f"push-{new_id()}.sqlite3", key=key)
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
    figures[f"push {visits} visits"] = took
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


def first_pull_child(url, username, password, folder, mode):
    """In a child process: a fresh tablet logs in and pulls everything; prints time and RSS (and a FIGURES line)."""
    import psutil
    store = Store(Path(folder) / f"fresh-{new_id()}.sqlite3", key=lock.new_data_key() if mode == "encrypted" else None)
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
    print(f"FIGURES {took} {rss}")


def bench_unlock(folder, runs=7):
    """The PIN's key file: create (a new wrap) and unlock (scrypt + AES-GCM), with lock.SCRYPT."""
    keys = lock.KeyFile(folder / "bench.key")
    data_key = lock.new_data_key()
    t = time.perf_counter()
    keys.create(new_id(), data_key, pin="428613")
    made = time.perf_counter() - t
    unlocks = []
    for _ in range(runs):
        t = time.perf_counter()
        assert keys.try_pin("428613", time.time()) == data_key
        unlocks.append(time.perf_counter() - t)
    t = time.perf_counter()
    try:
        keys.try_pin("000001", time.time())
    except lock.WrongKey:
        wrong = time.perf_counter() - t
    p = lock.SCRYPT
    print(f"PIN unlock, scrypt N=2^{p['n'].bit_length() - 1} r={p['r']} p={p['p']} "
          f"({128 * p['r'] * p['n'] // 2**20} MiB): median of {runs} {ms(statistics.median(unlocks))} "
          f"(min {ms(min(unlocks))}, max {ms(max(unlocks))}); set a PIN {ms(made)}; a wrong PIN {ms(wrong)}")


def local_and_push(mode, folder, server, scale, figures):
    key = lock.new_data_key() if mode == "encrypted" else None
    print(f"--- {mode} store ---")
    bench_search_and_save(folder, 10_000 // scale, key, figures)
    bench_work_list(folder, 10_000 // scale, key, figures)
    bench_push(server, folder, 1000 // scale, key, figures)


def same_library_without_key(folder, scale, figures):
    """Search and save through SQLCipher's own SQLite with no key (a plain file): what the library costs by itself,
    apart from the encryption (the wheel's SQLite is another version and build than Python's)."""
    from fieldapp.store import cipher
    keyed = cipher.connect
    cipher.connect = lambda path, key, **options: cipher.driver().connect(path, **options)
    try:
        print("--- SQLCipher's SQLite, no key ---")
        bench_search_and_save(folder, 10_000 // scale, lock.new_data_key(), figures)
    finally:
        cipher.connect = keyed


def first_pull(mode, folder, server, figures):
    print(f"--- {mode} store ---")
    out = subprocess.run([sys.executable, __file__, "--pull-child", server.url, server.world.official,
                          server.password, str(folder), mode], check=True, cwd=ROOT, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}).stdout
    for line in out.splitlines():
        if line.startswith("FIGURES"):
            took, rss = line.split()[1:]
            figures["first pull"], figures["RSS after first pull (MB)"] = float(took), float(rss)
        else:
            print(line)


def main():
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request would drown the figures
    quick = "--quick" in sys.argv
    if len(sys.argv) > 1 and sys.argv[1] == "--pull-child":
        return first_pull_child(*sys.argv[2:7])
    scale = 10 if quick else 1
    modes = ["plain"] if "--plain" in sys.argv else ["encrypted"] if "--encrypted" in sys.argv else \
        ["plain", "encrypted"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        bench_unlock(folder)
        results = {mode: {} for mode in modes}
        server = start_server(folder)
        for mode in modes:
            local_and_push(mode, folder, server, scale, results[mode])
        library = {}
        if len(modes) == 2:
            same_library_without_key(folder, scale, library)
        seed_server(server, 5000 // scale, 3.4, 20_000 // scale)
        for mode in modes:
            first_pull(mode, folder, server, results[mode])
        server.stop()
    if len(modes) == 2:
        print(f"{'':32} {'plain':>10} {'encrypted':>10} {'ratio':>6}   {'SQLCipher lib, no key':>21}")
        for name, plain in results["plain"].items():
            enc = results["encrypted"][name]
            shown = (lambda v: f"{v:.0f}") if "MB" in name else (lambda v: ms(v) if v < 1 else f"{v:.2f} s")
            lib = shown(library[name]) if name in library else "-"
            print(f"{name:32} {shown(plain):>10} {shown(enc):>10} {enc / plain:6.2f}   {lib:>21}")


if __name__ == "__main__":
    main()
