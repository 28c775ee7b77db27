"""Sync over a village's link (bench/link_proxy.py: 300 ms round trip, 1 Mbit/s down, 384 kbit/s up): Doorstep as the
tablet's sync engine drives it, and pouchdb-server as PouchDB's replicator drives it. Prints figures, not pass/fail.

    .venv/bin/python bench/link_bench.py --peer-dir /tmp/peer-work --rounds 3
    .venv/bin/python bench/link_bench.py --only doorstep --pull-limit 500    # Doorstep alone, other pages

The scenarios, on one village (500 households, ~1,750 residents, 3,000 visits already on the server):
- (a) *evening*: a tablet that synced this morning sends 50 visits (2-3 assists each) and 5 household edits, then
  takes what changed since;
- (b) *first download*: a new tablet takes the whole village.
Doorstep is driven by the tablet's own HTTP client (fieldapp/sync/client.py: gzip up above 512 bytes, gzip down) in
the order its sync engine (fieldapp/sync/engine.py) goes: push the outbox in batches of fieldapp.store.syncing.BATCH,
then pull pages of engine.PULL_LIMIT until has_more is false; (b) starts with the login.
The peer holds the same records as CouchDB documents (a household, a resident, a visit with its assists embedded,
each a document) and is driven as PouchDB 7's replicator drives a CouchDB server, one request after another as its
code waits on them (pouchdb-replication, pouchdb-checkpointer), JSON bodies uncompressed as a browser's fetch sends
them, gzip accepted:
- a pull replication: GET / (the server's id, for the replication id) and GET /db/ (setup) once per app start;
  GET /db/_local/<id> (the source's checkpoint); then per batch of 100 (batch_size): GET /db/_changes?style=all_docs
  &since=&limit=100, POST /db/_bulk_get?revs=true&latest=true for the revisions the local side lacks, and the
  checkpoint written on the source: GET then PUT /db/_local/<id>. The changes feed runs ahead of the batches on a
  connection of its own (batches_limit 10), as PouchDB's does;
- a push replication: GET /db/_local/<id> (the target's checkpoint); per batch: POST /db/_revs_diff, POST
  /db/_bulk_docs {new_edits: false}, then GET and PUT /db/_local/<id>;
- (a) is PouchDB's sync(): the push and the pull replications at once, on their own connections (the app has run
  before: the server's id and setup are cached); (b) is one pull replication from a fresh app.
Every figure comes from the proxy: seconds, round trips (a request answered: the client waited for it), TCP
connections opened, bytes each way with headers. Each step's figures are printed for the first round.
"""
import argparse
import gzip
import hashlib
import json
import os
import queue
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid

import requests

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench import sync_world as world_mod  # noqa: E402
from bench.link_proxy import Link, ProxyThread  # noqa: E402
from bench.sync_bench import Tablet, gzipped_batches  # noqa: E402
from bench.sync_server import Server, free_port  # noqa: E402
from fieldapp.store.syncing import BATCH  # noqa: E402
from fieldapp.sync import engine  # noqa: E402
from fieldapp.sync.client import ApiClient  # noqa: E402
from shared.ids import new_id  # noqa: E402

PEER_VERSION = "4.2.0"


class Steps:
    """A scenario's figures: in all from the proxy, per request from the client that sent it (seconds, and the
    bytes of the bodies as they crossed: the peer's replications run two connections at once, so the proxy's
    figures cannot be told apart per request)."""

    def __init__(self, proxy: ProxyThread):
        self.proxy, self.rows, self.lock = proxy, [], threading.Lock()
        self.start, self.begin = time.perf_counter(), proxy.stats.copy()

    def step(self, name: str, call, client):
        up, down, t0 = client.bytes_up, client.bytes_down, time.perf_counter()
        result = call()
        with self.lock:
            self.rows.append((name, time.perf_counter() - t0, client.bytes_up - up, client.bytes_down - down))
        return result

    def total(self) -> dict:
        stats = self.proxy.stats.minus(self.begin)
        return {"s": time.perf_counter() - self.start, "round_trips": stats.turns, "connections": stats.connections,
                "up_B": stats.bytes_up, "down_B": stats.bytes_down}


# ------------------------------------------------------------------------------------------------ the data --

def village(seed: int) -> tuple:
    """One village's world in a fresh Doorstep database, its 3,000 visits and the evening's 50."""
    database = world_mod.Database("sqlite")
    world = world_mod.populate(database.url, 1, 500, seed)
    stored = world_mod.visits(world["residents_of"], 3000, seed)
    evening = world_mod.visits(world["residents_of"], 50, seed + 100)
    edits = [{"table": "households", "op": "upsert", "id": hid, "base_version": 1,
              "data": {"note": f"Hẹn quay lại thứ {n + 2}, mang theo căn cước."}}
             for n, hid in enumerate(list(world["residents_of"])[:5])]
    return database, world, stored, evening + edits


# ------------------------------------------------------------------------------------------------ Doorstep --

def doorstep_run(args, seed: int) -> dict:
    database, world, stored, evening = village(seed)
    server = Server(database.url, 1, 4, os.path.join(tempfile.gettempdir(), f"link-bench-{os.getpid()}.log"))
    proxy = ProxyThread(free_port(), ("127.0.0.1", server.port), Link(args.rtt, args.down, args.up))
    out = {}
    try:
        loader = Tablet(server.base)  # the officials' earlier work, unshaped
        for body in gzipped_batches(stored, 100):
            loader.push(body)
        proxied = f"http://127.0.0.1:{proxy.proxy.port}"
        # (a) a tablet that has pulled everything this morning (unshaped), then its evening sync
        tablet = ApiClient(f"http://127.0.0.1:{server.port}", device_id=new_id())
        tablet.token = tablet.login(world_mod.USERNAME, world_mod.PASSWORD, "Tab A8")["token"]
        cursor = _pull_all(tablet, 0, None)
        tablet.close()
        tablet.base_url = proxied
        steps = Steps(proxy)
        for n in range(0, len(evening), BATCH):
            batch = evening[n:n + BATCH]
            reply = steps.step("push", lambda: tablet.push(new_id(), batch), tablet)
            if any(r["status"] != "applied" for r in reply["results"]):
                raise RuntimeError(f"evening push: {reply['results'][:1]}")
        pulled = _pull_all(tablet, cursor, steps, count=True)
        out["evening"] = {**steps.total(), "steps": steps.rows, "pulled": pulled}
        tablet.close()
        # (b) a new tablet's first download
        fresh = ApiClient(proxied, device_id=new_id())
        steps = Steps(proxy)
        fresh.token = steps.step("login", lambda: fresh.login(world_mod.USERNAME, world_mod.PASSWORD, "Tab A8"),
                                 fresh)["token"]
        records = _pull_all(fresh, 0, steps, count=True)
        expected = len(world["residents_of"]) + sum(map(len, world["residents_of"].values())) + 3000 + 50
        if not expected < records <= expected + 3:  # and the areas: the village, its commune, its province
            raise RuntimeError(f"first download: {records} records, expected {expected} and the areas")
        out["download"] = {**steps.total(), "steps": steps.rows, "records": records}
        fresh.close()
    finally:
        proxy.stop()
        server.stop()
        database.drop()
    return out


def _pull_all(client: ApiClient, since: int, steps, count: bool = False):
    """Pull pages of the engine's size until has_more is false, as engine.SyncEngine._pull does."""
    records = 0
    while True:
        if steps is None:
            page = client.pull(since, engine.PULL_LIMIT)
        else:
            page = steps.step("pull page", lambda: client.pull(since, engine.PULL_LIMIT), client)
        records += len(page["changes"])
        since = page["cursor"]
        if not page["has_more"]:
            return records if count else since


# ---------------------------------------------------------------------------------------------------- peer --

def peer_docs(world: dict, stored: list, seed: int) -> list:
    """The same village as CouchDB documents."""
    import random
    rng = random.Random(seed)
    docs = []
    for hid, residents in world["residents_of"].items():
        docs.append({"_id": hid, "type": "household", "village_id": world["village_of"][hid],
                     "address": f"{rng.randint(1, 200)} Kiệt {rng.randint(1, 30)}", "head_name": world_mod.name(rng),
                     "phone": f"09{rng.randint(10_000_000, 99_999_999)}", "note": ""})
        for rid in residents:
            docs.append({"_id": rid, "type": "resident", "household_id": hid, "full_name": world_mod.name(rng),
                         "birth_year": rng.randint(1940, 2015), "sex": rng.choice("fm"), "phone": "",
                         "has_smartphone": rng.random() < 0.7})
    docs += [{"_id": c["id"], "type": "visit", **c["data"]} for c in stored]
    return docs


class Peer:
    """pouchdb-server (leveldb) on a fresh data folder, as ../shared/peer-bench starts it."""

    def __init__(self, peer_dir: str):
        self.port, self.dir = free_port(), tempfile.mkdtemp(prefix="link-bench-pouch-")
        self.base = f"http://127.0.0.1:{self.port}"
        command = ["node", os.path.join(peer_dir, "node_modules/pouchdb-server/bin/pouchdb-server"), "-o",
                   "127.0.0.1", "-p", str(self.port), "-d", self.dir, "-c", os.path.join(self.dir, "config.json"),
                   "-n", "--no-color"]
        self.log = open(os.path.join(self.dir, "out.log"), "ab")
        self.process = subprocess.Popen(command, cwd=self.dir, stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(self.base + "/", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("pouchdb-server did not start")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class Couch:
    """One HTTP connection (requests.Session) to the peer, as a replicator's fetch uses it."""

    def __init__(self, base: str, steps: Steps | None, db: str = "village"):
        self.http, self.base, self.steps, self.db = requests.Session(), base, steps, db
        self.http.headers.update({"Accept": "application/json", "Accept-Encoding": "gzip"})
        self.bytes_up = self.bytes_down = 0

    def call(self, name: str, method: str, path: str, body=None, ok=(200, 201)):
        def send():
            data = None if body is None else json.dumps(body, ensure_ascii=False).encode()
            reply = self.http.request(method, self.base + path, data=data, timeout=300, stream=True,
                                      headers={"Content-Type": "application/json"} if data else None)
            raw = reply.raw.read(decode_content=False)
            self.bytes_up += len(data or b"")
            self.bytes_down += len(raw)
            text = gzip.decompress(raw) if reply.headers.get("Content-Encoding") == "gzip" else raw
            if reply.status_code not in ok:
                raise RuntimeError(f"{method} {path} -> {reply.status_code}: {text[:200]!r}")
            return json.loads(text)
        return self.steps.step(name, send, self) if self.steps else send()


def rev_hash(doc: dict) -> str:
    return hashlib.md5(json.dumps(doc, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def checkpoint(couch: Couch, rep_id: str, last_seq, session: str) -> None:
    """pouchdb-checkpointer's updateCheckpoint on the remote: GET the _local document, then PUT it."""
    path = f"/{couch.db}/_local/{rep_id}"
    try:
        doc = couch.call("checkpoint GET", "GET", path, ok=(200,))
    except RuntimeError:  # 404: the first checkpoint
        doc = {"_id": f"_local/{rep_id}"}
    doc.update(last_seq=last_seq, session_id=session, replicator="pouchdb", version=1,
               history=[{"last_seq": last_seq, "session_id": session}])
    couch.call("checkpoint PUT", "PUT", path, doc)


def pull_replication(base: str, steps: Steps, rep_id: str, fresh_app: bool, have: set) -> int:
    """PouchDB's replicate(remote -> local); returns the documents fetched. `have` is what the local side holds."""
    feed, batches = Couch(base, steps), queue.Queue(maxsize=10)
    if fresh_app:
        feed.call("GET / (server id)", "GET", "/")
        feed.call("GET /db/ (setup)", "GET", f"/{feed.db}/")
    try:
        since = feed.call("source checkpoint GET", "GET", f"/{feed.db}/_local/{rep_id}", ok=(200,))["last_seq"]
    except RuntimeError:
        since = 0
    session, errors = uuid.uuid4().hex, []

    def changes():
        nonlocal since
        try:
            while True:
                page = feed.call("_changes", "GET", f"/{feed.db}/_changes?style=all_docs&since={since}&limit=100")
                if page["results"]:
                    batches.put(page)
                since = page["last_seq"]
                if len(page["results"]) < 100:
                    break
        except Exception as exc:  # noqa: BLE001 - reported by the caller
            errors.append(exc)
        batches.put(None)

    thread = threading.Thread(target=changes)
    thread.start()
    worker, fetched = Couch(base, steps), 0
    while (page := batches.get()) is not None:
        missing = [{"id": r["id"], "rev": r["changes"][0]["rev"]} for r in page["results"] if r["id"] not in have]
        if missing:
            got = worker.call("_bulk_get", "POST", f"/{worker.db}/_bulk_get?revs=true&latest=true", {"docs": missing})
            fetched += sum(1 for r in got["results"] for d in r["docs"] if "ok" in d)
            have.update(m["id"] for m in missing)
        checkpoint(worker, rep_id, page["last_seq"], session)
    thread.join()
    if errors:
        raise errors[0]
    return fetched


def push_replication(base: str, steps: Steps, rep_id: str, docs: list) -> None:
    """PouchDB's replicate(local -> remote) of `docs` (with their _rev and _revisions), in batches of 100."""
    couch = Couch(base, steps)
    try:
        couch.call("target checkpoint GET", "GET", f"/{couch.db}/_local/{rep_id}", ok=(200,))
    except RuntimeError:
        pass
    session = uuid.uuid4().hex
    for n in range(0, len(docs), 100):
        batch = docs[n:n + 100]
        diff = couch.call("_revs_diff", "POST", f"/{couch.db}/_revs_diff", {d["_id"]: [d["_rev"]] for d in batch})
        missing = [d for d in batch if d["_id"] in diff]
        if missing:
            couch.call("_bulk_docs", "POST", f"/{couch.db}/_bulk_docs", {"docs": missing, "new_edits": False})
        checkpoint(couch, rep_id, n + len(batch), session)


def peer_run(args, seed: int) -> dict:
    database, world, stored, evening = village(seed)
    database.drop()
    peer = Peer(args.peer_dir)
    proxy = ProxyThread(free_port(), ("127.0.0.1", peer.port), Link(args.rtt, args.down, args.up))
    proxied, out = f"http://127.0.0.1:{proxy.proxy.port}", {}
    try:
        loader = Couch(peer.base, None)
        loader.call("create", "PUT", "/village")
        docs = peer_docs(world, stored, seed)
        revs = {}
        for n in range(0, len(docs), 1000):
            for r in loader.call("load", "POST", "/village/_bulk_docs", {"docs": docs[n:n + 1000]}):
                revs[r["id"]] = r["rev"]
        by_id = {d["_id"]: d for d in docs}
        # this morning's replications left their checkpoints (unshaped)
        pull_id, push_id = uuid.uuid4().hex, uuid.uuid4().hex
        morning = loader.call("info", "GET", "/village")["update_seq"]
        checkpoint(loader, pull_id, morning, "morning")
        checkpoint(loader, push_id, 0, "morning")
        # (a) the evening: 50 new visits, 5 households edited, as the local database holds them
        outgoing = []
        for change in evening:
            if change["table"] == "visits":
                doc = {"_id": change["id"], "type": "visit", **change["data"]}
                digest = rev_hash(doc)
                outgoing.append({**doc, "_rev": f"1-{digest}", "_revisions": {"start": 1, "ids": [digest]}})
            else:
                doc = {**by_id[change["id"]], **change["data"]}
                old, digest = revs[change["id"]], rev_hash(doc)
                outgoing.append({**doc, "_rev": f"2-{digest}",
                                 "_revisions": {"start": 2, "ids": [digest, old.split("-", 1)[1]]}})
        steps = Steps(proxy)
        have = set(by_id)
        pusher = threading.Thread(target=push_replication, args=(proxied, steps, push_id, outgoing))
        pusher.start()
        pull_replication(proxied, steps, pull_id, False, have | {d["_id"] for d in outgoing})
        pusher.join()
        info = loader.call("info", "GET", "/village")
        if info["doc_count"] != len(docs) + 50:
            raise RuntimeError(f"peer holds {info['doc_count']} documents, expected {len(docs) + 50}")
        out["evening"] = {**steps.total(), "steps": steps.rows}
        # (b) a new tablet's first download
        steps = Steps(proxy)
        fetched = pull_replication(proxied, steps, uuid.uuid4().hex, True, set())
        if fetched != len(docs) + 50:
            raise RuntimeError(f"first download: {fetched} documents, expected {len(docs) + 50}")
        out["download"] = {**steps.total(), "steps": steps.rows, "records": fetched}
    finally:
        proxy.stop()
        peer.stop()
    return out


# ---------------------------------------------------------------------------------------------------- report --

def print_steps(label: str, rows: list) -> None:
    """A scenario's requests, those of the same kind summed: each is one round trip the client waited for."""
    print(f"  {label}: request, how many, seconds waiting for them (summed), body bytes up, body bytes down")
    merged = {}
    for name, seconds, up, down in rows:
        m = merged.setdefault(name, [0, 0.0, 0, 0])
        m[0] += 1
        m[1] += seconds
        m[2] += up
        m[3] += down
    for name, (n, seconds, up, down) in merged.items():
        print(f"    {name:24} {n:4d} {seconds:8.2f} {up:9,d} {down:10,d}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peer-dir", default="../peer-work", help="where pouchdb-server is installed "
                        "(../shared/peer-bench/side_by_side.py installs it)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rtt", type=float, default=0.3)
    parser.add_argument("--down", type=float, default=1_000_000)
    parser.add_argument("--up", type=float, default=384_000)
    parser.add_argument("--pull-limit", type=int, default=engine.PULL_LIMIT, help="Doorstep's pull page size "
                        "(default: the tablet engine's)")
    parser.add_argument("--only", choices=["doorstep", "peer"], help="run one side (no ratios)")
    args = parser.parse_args()
    engine.PULL_LIMIT = args.pull_limit
    print(f"link: {args.rtt * 1000:.0f} ms round trip, {args.down / 1e3:.0f} kbit/s down, {args.up / 1e3:.0f} kbit/s "
          f"up; Doorstep pull pages of {engine.PULL_LIMIT}, push batches of {BATCH}; load {os.getloadavg()[0]:.2f}")
    runs = {"doorstep": [], "peer": []}
    for i in range(args.rounds):
        for name, run in (("peer", peer_run), ("doorstep", doorstep_run)):
            if args.only and name != args.only:
                continue
            result = run(args, i)
            runs[name].append(result)
            print(f"round {i + 1} {name} (load {os.getloadavg()[0]:.2f}): " + "; ".join(
                f"{s}: {r['s']:.2f} s, {r['round_trips']} round trips, {r['connections']} connections, "
                f"{r['up_B']:,} B up, {r['down_B']:,} B down" for s, r in result.items()
                for r in [result[s]]), flush=True)
            if i == 0:
                for scenario in ("evening", "download"):
                    print_steps(scenario, result[scenario]["steps"])
    if args.only:
        return
    print("\nmedians over the rounds (Doorstep / peer of each round, then the median of the ratios)")
    for scenario in ("evening", "download"):
        for key in ("s", "round_trips", "connections", "up_B", "down_B"):
            d = [r[scenario][key] for r in runs["doorstep"]]
            p = [r[scenario][key] for r in runs["peer"]]
            ratio = statistics.median(a / b for a, b in zip(d, p))
            print(f"  {scenario:9} {key:12} Doorstep {statistics.median(d):12,.2f}  peer {statistics.median(p):12,.2f}"
                  f"  ratio {ratio:.2f}")


if __name__ == "__main__":
    main()
