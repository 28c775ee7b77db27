"""Eight tablets pushing at the same instant, over real HTTP: nothing any of them sent may vanish without a trace.

On SQLite the server is werkzeug with a thread per request; on PostgreSQL it is gunicorn with several worker
processes, each with threads (tests/server/live.py), as in production. Each of the eight devices logs in with its
own device id and token, opens its connection, then waits at a barrier, so the eight pushes leave together.
The contract (DESIGN.md, sync): every change answered `applied` or `merged` is in the row or its value is in
`conflicts`; receipts are keyed by (device, batch_id).
"""
import threading

import pytest
import requests

from server.extensions import db
from server.models import Conflict, Household, Resident, Visit
from shared.ids import new_id
from tests.conftest import household_change, visit_change

from .live import Device, seeded_app, served

TABLETS = 8
UPDATED = ("applied", "merged")


class Site:
    """A seeded database served over HTTP, and the devices logged in to it."""

    def __init__(self, app, world, base):
        self.app, self.world, self.base = app, world, base
        self.devices: list[Device] = []

    def device(self, username) -> Device:
        self.devices.append(Device(self.base, username))
        return self.devices[-1]


@pytest.fixture
def site(database_url, tmp_path):
    app, world = seeded_app(database_url)
    with served(app, database_url, tmp_path / "gunicorn.log") as base:
        site = Site(app, world, base)
        yield site
        for device in site.devices:
            device.close()  # gunicorn's graceful stop would wait for their kept-alive connections
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def at_once(devices, changes_of) -> list[dict]:
    """Each device pushes its own one-change batch, all released together; returns each push's one result."""
    for device in devices:
        device.pull()  # the connection is open before the race starts
    barrier = threading.Barrier(len(devices))
    replies: list = [None] * len(devices)

    def run(i):
        change = changes_of(i)
        barrier.wait(30)
        try:
            replies[i] = devices[i].push(change)
        except requests.RequestException as exc:  # asserted below, in the test's thread
            replies[i] = exc
    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(devices))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    answered = [getattr(r, "status_code", None) for r in replies]
    assert answered == [200] * len(devices), [getattr(r, "text", repr(r))[:300] for r in replies]
    return [r.json()["results"][0] for r in replies]


def edit(table, row_id, base_version, **data):
    return {"table": table, "op": "upsert", "id": row_id, "base_version": base_version, "data": data}


def row_of(app, model, row_id):
    with app.app_context():
        row = db.session.get(model, row_id)
        db.session.expunge_all()
        db.session.remove()
        return row


def conflicts_of(app, row_id) -> list:
    with app.app_context():
        rows = db.session.execute(db.select(Conflict.field, Conflict.kept_value, Conflict.lost_value)
                                  .where(Conflict.row_id == row_id)).all()
        db.session.remove()
        return rows


def devices_of(site, count=TABLETS):
    # An official and the commune leader, four devices each: both may write households of village A1.
    users = [site.world.official, site.world.leader]
    return [site.device(users[i % 2]) for i in range(count)]


def created_household(device, world, **data) -> str:
    change = household_change(world.a1, note="ghi chú đầu", **data)
    result = device.push(change).json()["results"][0]
    assert (result["status"], result["version"]) == ("applied", 1), result
    return change["id"]


def test_eight_stale_edits_of_one_field_are_all_accounted_for(site):
    app, world = site.app, site.world
    devices = devices_of(site)
    household = created_household(devices[0], world)
    notes = [f"ghi chú của máy {i}" for i in range(TABLETS)]
    results = at_once(devices, lambda i: edit("households", household, 1, note=notes[i]))

    statuses = [r["status"] for r in results]
    assert set(statuses) <= {"applied", "merged", "conflict"}, results
    updated = [(notes[i], r) for i, r in enumerate(results) if r["status"] in UPDATED]
    versions = sorted(r["version"] for _, r in updated)
    row = row_of(app, Household, household)
    conflicts = [c for c in conflicts_of(app, household) if c.field == "note"]
    lost = {c.lost_value for c in conflicts}
    accounted = {row.note} | lost | {c.kept_value for c in conflicts}
    # Every property at once, so that a failure shows the whole picture.
    broken = []
    if versions != list(range(2, 2 + len(updated))):
        broken.append(f"versions answered to the {len(updated)} writes: {versions}")
    if row.version != 1 + len(updated):
        broken.append(f"stored version {row.version} after {len(updated)} writes answered {statuses}")
    if missing := [v for v in notes if v not in accounted]:
        broken.append(f"values in neither the row ({row.note!r}) nor conflicts ({len(conflicts)} rows): {missing}")
    # A value that was written and then replaced by a writer that had not seen it is kept as the lost value.
    if replaced := [v for v, _ in updated if v != row.note and v not in lost]:
        broken.append(f"values answered {UPDATED} then overwritten with no lost_value kept: {replaced}")
    assert broken == [], "\n".join(broken)


def test_eight_edits_of_distinct_fields_all_land(site):
    app, world = site.app, site.world
    devices = devices_of(site)
    household = created_household(devices[0], world, phone="0912 000 000")
    resident = {"table": "residents", "op": "upsert", "id": new_id(), "base_version": 0,
                "data": {"household_id": household, "full_name": "Trần Thị Hoa", "birth_year": 1980}}
    assert devices[0].push(resident).json()["results"][0]["status"] == "applied"
    person = resident["id"]
    wanted = [("households", household, "address", "Số 9, kiệt 4"), ("households", household, "head_name", "Lê Bình"),
              ("households", household, "phone", "0987 654 321"), ("households", household, "note", "cổng xanh"),
              ("residents", person, "full_name", "Trần Thị Hoà"), ("residents", person, "birth_year", 1981),
              ("residents", person, "sex", "f"), ("residents", person, "has_smartphone", True)]
    results = at_once(devices, lambda i: edit(wanted[i][0], wanted[i][1], 1, **{wanted[i][2]: wanted[i][3]}))

    assert [r["status"] for r in results if r["status"] not in UPDATED] == [], results
    broken = []
    for table, model, row_id in (("households", Household, household), ("residents", Resident, resident["id"])):
        versions = sorted(r["version"] for r in results if r["table"] == table)
        row = row_of(app, model, row_id)
        if versions != [2, 3, 4, 5]:
            broken.append(f"{table}: versions answered to its four writes: {versions}")
        if row.version != 5:
            broken.append(f"{table}: four writes answered {UPDATED}, stored version {row.version}")
        stored = {f: getattr(row, f) for t, _, f, _ in wanted if t == table}
        if stored != (sent := {f: v for t, _, f, v in wanted if t == table}):
            broken.append(f"{table}: stored {stored}, sent {sent}")
    if conflicts := conflicts_of(app, household) + conflicts_of(app, resident["id"]):
        broken.append(f"conflicts where no field was changed twice: {conflicts}")
    assert broken == [], "\n".join(broken)


def test_eight_new_visits_of_one_household_are_all_stored_once(site):
    app, world = site.app, site.world
    devices = devices_of(site)
    household = created_household(devices[0], world)
    visits = [visit_change(household, notes=f"lượt {i}") for i in range(TABLETS)]
    results = at_once(devices, lambda i: visits[i])

    assert [(r["status"], r["version"]) for r in results] == [("applied", 1)] * TABLETS, results
    with app.app_context():
        stored = db.session.execute(db.select(Visit.id, Visit.notes, Visit.seq)
                                    .where(Visit.household_id == household)).all()
        assists = db.session.execute(db.text("SELECT count(*) FROM assists")).scalar()
        db.session.remove()
    assert sorted((v.id, v.notes) for v in stored) == sorted((c["id"], c["data"]["notes"]) for c in visits)
    assert assists == TABLETS
    assert len({v.seq for v in stored}) == TABLETS
    # A new tablet pulls each of them exactly once.
    pulled = [c["id"] for c in site.device(world.official).pull()["changes"] if c["table"] == "visits"]
    assert sorted(pulled) == sorted(c["id"] for c in visits)


def test_a_batch_id_reused_by_another_device_gets_its_own_answer(site):
    app, world = site.app, site.world
    first, second = site.device(world.official), site.device(world.official2)
    batch_id = new_id()
    mine = household_change(world.a1, head_name="Nguyễn Văn Ánh")
    theirs = household_change(world.a3, head_name="Phạm Thị Cúc")
    reply = first.push(mine, batch_id=batch_id)
    assert reply.status_code == 200 and reply.json()["results"][0]["id"] == mine["id"]

    other = second.push(theirs, batch_id=batch_id)
    assert other.status_code == 200, other.text
    assert [(r["id"], r["status"]) for r in other.json()["results"]] == [(theirs["id"], "applied")], (
        f"the second device got another device's receipt: {other.text[:300]}")
    assert mine["id"] not in other.text and "Nguyễn Văn Ánh" not in other.text
    assert row_of(app, Household, theirs["id"]) is not None, "the second device's change was dropped"
    # Each device still gets its own stored reply when it sends its batch again.
    assert first.push(mine, batch_id=batch_id).json() == reply.json()
    assert second.push(theirs, batch_id=batch_id).json() == other.json()


def a_second_connection(device: Device) -> Device:
    """The same tablet (device id and token) on a connection of its own: a retry sent while the first is in flight."""
    twin = object.__new__(Device)
    twin.base, twin.device_id, twin.headers = device.base, device.device_id, dict(device.headers)
    twin.session = requests.Session()
    return twin


def test_one_batch_sent_four_times_at_once_is_applied_once_and_answered_alike(site):
    app, world = site.app, site.world
    first = site.device(world.official)
    household = created_household(first, world)
    tablets = [first] + [a_second_connection(first) for _ in range(3)]
    site.devices.extend(tablets[1:])
    batch_id = new_id()
    changes = [visit_change(household, notes="lượt chiều"), edit("households", household, 1, note="đã gặp")]
    for tablet in tablets:
        tablet.pull()
    barrier, replies = threading.Barrier(len(tablets)), [None] * len(tablets)

    def run(i):
        barrier.wait(30)
        replies[i] = tablets[i].push(*changes, batch_id=batch_id)
    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(tablets))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert [r.status_code for r in replies] == [200] * len(tablets), [r.text[:300] for r in replies]
    # Whichever committed first, the others got its stored reply: the same answer, and one write.
    assert all(r.json() == replies[0].json() for r in replies), [r.text[:300] for r in replies]
    assert [r["status"] for r in replies[0].json()["results"]] == ["applied", "applied"]
    with app.app_context():
        visits = db.session.execute(db.select(Visit.id).where(Visit.household_id == household)).all()
        receipts = db.session.execute(db.text("SELECT count(*) FROM sync_batches WHERE batch_id = :b"),
                                      {"b": batch_id if db.engine.dialect.name == "postgresql"
                                       else batch_id.replace("-", "")}).scalar()
        db.session.remove()
    assert [v.id for v in visits] == [changes[0]["id"]] and receipts == 1
    assert row_of(app, Household, household).version == 2


def test_one_visit_pushed_by_four_tablets_at_once_is_stored_once(site):
    app, world = site.app, site.world
    devices = devices_of(site, 4)
    household = created_household(devices[0], world)
    visit = visit_change(household, notes="cùng một lượt")
    results = at_once(devices, lambda i: visit)

    # One stored it; the others found it stored (by then, or at their insert) with the same content: duplicates.
    assert sorted(r["status"] for r in results) == ["applied"] + ["duplicate"] * 3, results
    with app.app_context():
        assists = db.session.execute(db.text("SELECT count(*) FROM assists")).scalar()
        stored = db.session.execute(db.select(Visit.id).where(Visit.household_id == household)).all()
        db.session.remove()
    assert [v.id for v in stored] == [visit["id"]] and assists == 1
