"""The day's tools of the tablet, on a real store: the work list (fieldapp/worklist.py), the day's summary, the
sync badge, the undo of a visit before and after it was sent, and the location with an injected source."""
from datetime import date, timedelta

from fieldapp import badge, location, summary
from fieldapp.store.reads import today
from fieldapp.worklist import WorkList
from shared.ids import new_id
from shared.sorting import walk_key

V1, V2, OTHER = 11, 12, 13


def _pull(store, households, residents=()):
    changes = [{"table": "areas", "id": str(i), "version": 1, "deleted": False,
                "data": {"level": "village", "name": n, "parent_id": 1}}
               for i, n in ((V1, "Thôn Đông"), (V2, "Thôn Tây"), (OTHER, "Thôn Khác"))]
    for hid, village, address, head in households:
        changes.append({"table": "households", "id": hid, "version": 1, "deleted": False,
                        "data": {"village_id": village, "address": address, "head_name": head, "phone": "0905"}})
    for rid, hid, born in residents:
        changes.append({"table": "residents", "id": rid, "version": 1, "deleted": False,
                        "data": {"household_id": hid, "full_name": "X", "birth_year": born}})
    store.apply_pull(changes, store.cursor() + 1)
    store.set_meta(scope={"village_ids": [V1, V2]}, user={"id": 7})


def test_work_list_orders_tiers_in_walk_order_and_follows_saves(store):
    ids = [new_id() for _ in range(5)]
    _pull(store, [(ids[0], V1, "Số 18, tổ 1", "Lê Văn An"), (ids[1], V1, "Số 9, tổ 1", "Trần Thị Bình"),
                  (ids[2], V2, "Số 2", "Hà Văn Sơn"), (ids[3], OTHER, "Số 1", "Ngoài Phạm Vi"),
                  (ids[4], V2, "Số 1", "Đỗ Văn Hùng")],
          [(new_id(), ids[2], 1990), (new_id(), ids[1], 1985)])
    work = WorkList(store)
    rows = work.rows()
    # All never met: the walk order, and the household outside my villages is not there.
    assert [r["id"] for r in rows] == [ids[1], ids[0], ids[4], ids[2]]
    assert [r["id"] for r in rows] == [r["id"] for r in sorted(rows, key=lambda r: walk_key(
        r["village_name"], r["address"], r["head_name"]))]
    assert rows[0]["village_name"] == "Thôn Đông" and rows[0]["phone"] == "0905"

    # A met visit with a follow-up due today puts it first; a met visit with nothing left takes it off the list.
    store.log_visit(ids[2], status="met", follow_up_on=today().isoformat())
    store.log_visit(ids[4], status="met")
    work.touch([ids[2], ids[4]])
    rows = work.rows()
    assert [(r["id"], r["tier"]) for r in rows][:1] == [(ids[2], 0)]
    assert ids[4] not in [r["id"] for r in rows]
    assert [r["id"] for r in work.rows(village_id=V1)] == [ids[1], ids[0]]

    # Met, no follow-up, an eligible resident without a lagging topic: the third tier, saying what is left.
    resident = store.household(ids[1])["residents"][0]["id"]
    store.log_visit(ids[1], status="met", assists=[{"resident_id": resident, "topic": "vneid_account",
                                                    "outcome": "done"}])
    work.touch([ids[1]])
    row = next(r for r in work.rows() if r["id"] == ids[1])
    assert row["tier"] == 2 and "vneid_account" not in row["missing"] and row["missing"]
    assert work.coverage()["vneid_account"] == (1, 2)


def test_the_list_moved_after_saves_is_the_list_built_anew(store):
    import random
    rng = random.Random(5)
    ids = [new_id() for _ in range(60)]
    residents = [(new_id(), hid, rng.choice([None, 1950, 2000, 2015])) for hid in ids for _ in range(2)]
    _pull(store, [(hid, rng.choice([V1, V2]), f"Số {rng.randint(1, 30)}, tổ {rng.randint(1, 5)}", f"Hộ {i}")
                  for i, hid in enumerate(ids)], residents)
    work = WorkList(store)
    work.rows()
    for step in range(40):
        rid, hid, _ = rng.choice(residents)
        outcome = rng.choice(["done", "already_had", "not_applicable", "declined"])
        follow = rng.choice([None, today().isoformat(), (today() + timedelta(days=2)).isoformat()])
        met = rng.random() < 0.7
        store.log_visit(hid, status="met" if met else "not_home", follow_up_on=follow,
                        assists=[{"resident_id": rid, "topic": rng.choice(["vneid_account", "digital_skills"]),
                                  "outcome": outcome}] if met else [])
        if step % 7 == 0:
            store.save_household({"address": f"Số {rng.randint(1, 30)}"}, id=hid)
        work.touch([hid])
        pinned = rng.choice([None, V1])
        moved = [(r["id"], r["tier"], r["missing"]) for r in work.rows(village_id=pinned)]
        anew = [(r["id"], r["tier"], r["missing"]) for r in WorkList(store).rows(village_id=pinned)]
        assert moved == anew


def test_summary_counts_today_and_what_waits(store):
    hid = new_id()
    _pull(store, [(hid, V1, "Số 1", "A")], [(rid := new_id(), hid, 1980)])
    store.log_visit(hid, status="not_home")
    store.log_visit(hid, status="met", follow_up_on=(date.today() + timedelta(days=3)).isoformat(),
                    assists=[{"resident_id": rid, "topic": "vneid_account", "outcome": "done"},
                             {"resident_id": rid, "topic": "cashless_payment", "outcome": "already_had"},
                             {"resident_id": rid, "topic": "public_services", "outcome": "declined"}])
    day = summary.of_store(store)
    assert day == {"visits": 2, "met": 1, "not_home": 1, "follow_ups": 1, "pending": 2,
                   "topics": {"vneid_account": {"done": 1, "already_had": 0},
                              "cashless_payment": {"done": 0, "already_had": 1}}}


def test_badge_states():
    assert badge.badge({"pending": 0, "problems": 0, "online": True}) == ("sent", 0)
    assert badge.badge({"pending": 3, "problems": 0, "online": True}) == ("waiting", 3)
    assert badge.badge({"pending": 3, "problems": 0, "online": False, "error": "offline"}) == ("offline", 3)
    assert badge.badge({"pending": 3, "problems": 2, "online": False}) == ("problem", 2)
    assert badge.badge({"pending": 0, "problems": 0, "online": True, "error": "forbidden"}) == ("problem", 0)


def test_undo_before_sync_removes_the_visit_and_its_outbox_entry(store):
    hid = new_id()
    _pull(store, [(hid, V1, "Số 1", "A")])
    vid = store.log_visit(hid, status="not_home")
    assert store.pending() == 1
    assert store.undo_visit(vid) == "removed"
    assert store.visit(vid) is None and store.pending() == 0
    assert store.undo_visit(vid) is None


def test_undo_after_sync_voids_through_a_delete(store):
    hid = new_id()
    _pull(store, [(hid, V1, "Số 1", "A")])
    vid = store.log_visit(hid, status="met")
    batch = store.next_batch()
    store.apply_push_results(batch, [{"id": vid, "status": "applied", "version": 1}])
    assert store.household(hid)["reached"]
    assert store.undo_visit(vid) == "voided"
    assert store.visit(vid)["voided"] and not store.household(hid)["reached"]
    change = store.next_batch()["changes"]
    assert [(c["table"], c["op"], c["id"], c["base_version"]) for c in change] == [("visits", "delete", vid, 1)]


def test_undo_while_in_flight_voids_after_it(store):
    hid = new_id()
    _pull(store, [(hid, V1, "Số 1", "A")])
    vid = store.log_visit(hid, status="not_home")
    store.next_batch()  # sent, no reply yet: the server may have it
    assert store.undo_visit(vid) == "voided"
    assert [r[0] for r in store.db.execute("SELECT op FROM outbox ORDER BY seq")] == ["upsert", "delete"]


class FakeGps:
    """A location source as plyer's: calls on_location from another thread, here at once."""

    def __init__(self, works=True):
        self.works, self.stopped = works, False

    def start(self, on_location):
        if self.works:
            on_location(lat=16.46, lon=107.59, accuracy=12.0)
        return self.works

    def stop(self):
        self.stopped = True


def test_location_with_a_source_and_without(store):
    assert location.consent(store) is None
    location.set_consent(store, True)
    assert location.consent(store) is True
    seen = []
    locator = location.Locator(post=lambda fn: fn(), on_fix=seen.append, source=FakeGps())
    assert locator.start() and locator.fix == {"lat": 16.46, "lon": 107.59, "accuracy_m": 12.0} and seen
    locator.stop()
    assert locator.source.stopped
    none = location.Locator(post=lambda fn: fn(), source=FakeGps(works=False))
    assert not none.start() and none.fix is None

    hid = new_id()
    _pull(store, [(hid, V1, "Số 1", "A")])
    assert location.last_fix(store, hid) is None
    store.log_visit(hid, status="met", location=locator.fix)
    store.log_visit(hid, status="not_home")  # no fix: the household keeps the last one
    assert location.last_fix(store, hid)["lat"] == 16.46


def test_the_walk_order_made_after_a_pull_is_the_one_home_uses(store, monkeypatch):
    from fieldapp import worklist as module
    ids = [new_id() for _ in range(80)]
    _pull(store, [(hid, V1 if i % 2 else V2, f"Số {80 - i}", f"Hộ {i}") for i, hid in enumerate(ids)])
    assert module.keep_walk_order(store) and not module.keep_walk_order(store)  # once is enough
    assert len(store.get_meta("walk_order")) == 80

    def no_keys(*_words):  # Home computes no walk key: the kept order is enough
        raise AssertionError("a walk key was computed")
    monkeypatch.setattr(module, "walk_key", no_keys)
    rows = WorkList(store).rows()
    expected = sorted(rows, key=lambda r: walk_key(r["village_name"], r["address"], r["head_name"]))
    assert [r["id"] for r in rows] == [r["id"] for r in expected]
