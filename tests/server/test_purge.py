"""`doorstep purge` (server/ledger/purge.py): which tombstones and receipts go, purged_through, and what pulls see."""
import threading
from datetime import timedelta

import requests
from sqlalchemy import create_engine, func, select, update

from server.extensions import db
from server.models import Household, Resident, StaleHousehold, SyncBatch, SyncCounter, utcnow
from server.stats import facts
from server.ledger import purge as purging
from shared.ids import new_id
from tests.conftest import household_change, push, visit_change

OLD = 400  # days: past the horizon of 365


def resident_change(household_id, **data):
    data = {"household_id": household_id, "full_name": "Lê Thị Lựu", "birth_year": 1958, **data}
    return {"table": "residents", "op": "upsert", "id": new_id(), "base_version": 0, "data": data}


def delete_change(table, row_id, base_version=1):
    return {"table": table, "op": "delete", "id": row_id, "base_version": base_version, "data": {}}


def applied(reply, n=None):
    results = reply.get_json()["results"]
    assert [r["status"] for r in results] == ["applied"] * (n or len(results)), results


def age(app, model, ids, days=OLD):
    """Move the rows' deletion (or a receipt's arrival) `days` into the past."""
    column = SyncBatch.received_at if model is SyncBatch else model.updated_at
    key = SyncBatch.batch_id if model is SyncBatch else model.id
    with app.app_context():
        db.session.execute(update(model).where(key.in_(list(ids))).values({column: utcnow() - timedelta(days=days)}))
        db.session.commit()


def ids_of(app, model) -> set:
    with app.app_context():
        return set(db.session.execute(select(model.id)).scalars())


def seq_of(app, model, row_id) -> int:
    with app.app_context():
        return db.session.execute(select(model.seq).where(model.id == row_id)).scalar_one()


def purged_through(app) -> int:
    with app.app_context():
        return db.session.execute(select(SyncCounter.purged_through)).scalar_one()


def run_purge(app, **options):
    options.setdefault("pause", lambda: None)
    with app.app_context():
        return purging.purge(365, **options)


def pull_all(client, headers, since=0) -> tuple[set, set, int]:
    """Every page after `since`: (ids of live rows, ids of tombstones, cursor)."""
    live, gone = set(), set()
    while True:
        reply = client.get(f"/api/v1/sync/pull?since={since}&limit=1000", headers=headers)
        assert reply.status_code == 200, reply.get_json()
        page = reply.get_json()
        for change in page["changes"]:
            (gone if change["deleted"] else live).add(change["id"])
        since = page["cursor"]
        if not page["has_more"]:
            return live, gone, since


def test_old_tombstones_nothing_refers_to_go_and_the_rest_stays(app, client, world):
    tablet, other = world.login(client, world.official), world.login(client, world.official)
    gone, gone_person = household_change(world.a1), None
    gone_person = resident_change(gone["id"])
    visited = household_change(world.a1)
    helped = household_change(world.a1)
    helped_person = resident_change(helped["id"])
    recent, disputed, live = household_change(world.a1), household_change(world.a2), household_change(world.a2)
    live_person = resident_change(live["id"])
    waiting = household_change(world.a2)
    waiting_person = resident_change(waiting["id"])
    assist = {"resident_id": helped_person["id"], "topic": "vneid_account", "outcome": "done"}
    applied(push(client, tablet, gone, gone_person, visited, visit_change(visited["id"]), helped, helped_person,
                 visit_change(helped["id"], assists=[assist]), recent, disputed, live, live_person, waiting,
                 waiting_person))
    # Two tablets change the same field from version 1: a conflict names the household.
    applied(push(client, tablet, {**disputed, "base_version": 1, "data": {"phone": "0905 333 444"}}))
    assert push(client, other, {**disputed, "base_version": 1, "data": {"phone": "0905 555 666"}}
                ).get_json()["results"][0]["status"] == "merged"
    applied(push(client, tablet, delete_change("residents", gone_person["id"]), delete_change("households", gone["id"]),
                 delete_change("households", visited["id"]), delete_change("residents", helped_person["id"]),
                 delete_change("households", recent["id"]), delete_change("households", disputed["id"], 3),
                 delete_change("residents", waiting_person["id"]), delete_change("households", waiting["id"])))
    age(app, Household, [gone["id"], visited["id"], disputed["id"], waiting["id"]])
    age(app, Resident, [gone_person["id"], helped_person["id"]])  # waiting_person: deleted today
    highest = max(seq_of(app, Household, gone["id"]), seq_of(app, Resident, gone_person["id"]))
    with app.app_context():
        receipts = set(db.session.execute(select(SyncBatch.batch_id)).scalars())
    age(app, SyncBatch, receipts)
    applied(push(client, tablet, household_change(world.a1)))  # today's receipt

    done = run_purge(app)

    assert (done.households, done.residents, done.receipts) == (1, 1, len(receipts))
    assert done.purged_through == highest == purged_through(app) and done.advanced
    households = ids_of(app, Household)
    assert gone["id"] not in households
    assert {visited["id"], helped["id"], recent["id"], disputed["id"], live["id"], waiting["id"]} <= households
    assert ids_of(app, Resident) == {helped_person["id"], live_person["id"], waiting_person["id"]}
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(SyncBatch)).scalar_one() == 1
        # The purged household was still marked stale: the coverage facts catch up over its absence.
        assert gone["id"] in set(db.session.execute(select(StaleHousehold.household_id)).scalars())
        facts.catch_up()
        assert db.session.execute(select(func.count()).select_from(StaleHousehold)).scalar_one() == 0


def test_a_cursor_behind_the_purge_gets_410_and_the_others_keep_pulling(app, client, world):
    writer = world.login(client, world.official)
    behind, caught_up = world.login(client, world.official), world.login(client, world.official)
    home, kept = household_change(world.a1), household_change(world.a2)
    person = resident_change(home["id"])
    applied(push(client, writer, home, person, kept))
    _, _, old_cursor = pull_all(client, behind)
    applied(push(client, writer, delete_change("residents", person["id"]), delete_change("households", home["id"])))
    live, gone, cursor = pull_all(client, caught_up)
    assert {home["id"], person["id"]} <= gone and kept["id"] in live
    age(app, Household, [home["id"]])
    age(app, Resident, [person["id"]])

    done = run_purge(app)
    assert (done.households, done.residents) == (1, 1)
    assert old_cursor < done.purged_through <= cursor

    reply = client.get(f"/api/v1/sync/pull?since={old_cursor}", headers=behind)
    assert reply.status_code == 410 and reply.get_json()["error"]["code"] == "reset_required"
    # From zero: the purged rows are not there, and the rest is.
    live, gone, fresh_cursor = pull_all(client, behind)
    assert kept["id"] in live and not {home["id"], person["id"]} & (live | gone)
    later = household_change(world.a1)
    applied(push(client, writer, later))
    # Both the device that pulled again and the one that was past the purge go on from their cursors.
    assert later["id"] in pull_all(client, behind, fresh_cursor)[0]
    assert later["id"] in pull_all(client, caught_up, cursor)[0]


def test_running_it_again_purges_nothing_and_moves_nothing(app, client, world):
    tablet = world.login(client, world.official)
    home = household_change(world.a1)
    applied(push(client, tablet, home))
    applied(push(client, tablet, delete_change("households", home["id"])))
    age(app, Household, [home["id"]])
    first = run_purge(app)
    assert first.households == 1 and first.advanced
    paused = []
    again = run_purge(app, pause=lambda: paused.append(True))
    assert (again.households, again.residents, again.receipts, again.advanced) == (0, 0, 0, False)
    assert again.purged_through == first.purged_through == purged_through(app) and not paused


def test_purged_through_is_committed_before_any_row_goes(app, client, world):
    tablet = world.login(client, world.official)
    home = household_change(world.a1)
    applied(push(client, tablet, home))
    applied(push(client, tablet, delete_change("households", home["id"])))
    age(app, Household, [home["id"]])
    seen = []
    # Another connection, as a pull in another worker would read: the counter moved, the row is still there.
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])

    def look():
        with engine.connect() as other:
            seen.append((other.execute(select(SyncCounter.purged_through)).scalar_one(),
                         other.execute(select(func.count()).select_from(Household)).scalar_one()))

    try:
        run_purge(app, pause=look)
    finally:
        engine.dispose()
    through = purged_through(app)
    assert through > 0 and seen == [(through, 1)]
    assert ids_of(app, Household) == set()


def test_purging_while_tablets_push_loses_nothing(app, live_server, client, world):
    tablet = world.login(client, world.official)
    tombstones = [household_change(world.a1) for _ in range(40)]
    applied(push(client, tablet, *tombstones))
    applied(push(client, tablet, *(delete_change("households", h["id"]) for h in tombstones)))
    age(app, Household, [h["id"] for h in tombstones])
    pushers = [world.login(client, world.official) for _ in range(2)]
    pushed, failures, stop = [], [], threading.Event()

    def keep_pushing(headers):
        while not stop.is_set():
            home = household_change(world.a2)
            changes = [home, resident_change(home["id"]), visit_change(home["id"])]
            try:
                reply = requests.post(f"{live_server}/api/v1/sync/push", headers=headers, timeout=60,
                                      json={"batch_id": new_id(), "schema_version": 1, "changes": changes})
            except requests.RequestException as exc:
                failures.append(repr(exc))
                return
            statuses = [r["status"] for r in reply.json()["results"]] if reply.status_code == 200 else []
            if statuses != ["applied"] * 3:
                failures.append((reply.status_code, reply.text[:300]))
            pushed.append((home["id"], changes[1]["id"]))

    def pushes(n):
        """Wait until `n` more pushes have been answered."""
        goal = len(pushed) + n
        while len(pushed) < goal and not failures:
            stop.wait(0.01)

    threads = [threading.Thread(target=keep_pushing, args=(h,)) for h in pushers]
    for t in threads:
        t.start()
    try:
        pushes(2)
        done = run_purge(app, chunk=3, pause=lambda: pushes(2))
        pushes(2)
    finally:
        stop.set()
        for t in threads:
            t.join(60)
    assert not failures and pushed
    assert done.households == 40
    households, residents = ids_of(app, Household), ids_of(app, Resident)
    assert not households & {h["id"] for h in tombstones}
    assert {h for h, _ in pushed} <= households and {r for _, r in pushed} <= residents


def test_a_tombstone_written_again_meanwhile_waits_for_the_next_run(app, client, world):
    tablet, leader = world.login(client, world.official), world.login(client, world.leader)
    home = household_change(world.a1)
    person = resident_change(home["id"])
    applied(push(client, tablet, home, person))
    applied(push(client, tablet, delete_change("residents", person["id"])))
    age(app, Resident, [person["id"]])
    # During the pause the household moves: its residents, the deleted one too, take new seq numbers, which
    # devices below them have not pulled.
    move = {"table": "households", "op": "upsert", "id": home["id"], "base_version": 1,
            "data": {"village_id": world.a3}}
    first = run_purge(app, pause=lambda: applied(push(client, leader, move)))
    assert first.residents == 0 and person["id"] in ids_of(app, Resident)
    moved_seq = seq_of(app, Resident, person["id"])
    assert first.purged_through < moved_seq
    second = run_purge(app)
    assert second.residents == 1 and second.purged_through == moved_seq == purged_through(app)
