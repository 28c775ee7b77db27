"""The local store on real sqlite3 files: search, coverage marks, edits and their outbox, migrations, privacy."""
import json
import sqlite3
from datetime import date, timedelta

import pytest

from fieldapp.privacy import notes_kind, notes_warning
from fieldapp.store import InvalidData, Store
from fieldapp.store.schema import SCHEMA_VERSION


def _outbox(store):
    return [(r["table_name"], r["op"], r["base_version"], json.loads(r["data"]))
            for r in store.db.execute("SELECT * FROM outbox ORDER BY seq")]


def test_folded_search_finds_names_residents_and_phones(store):
    anh = store.save_household({"village_id": 1, "address": "12 Kiệt 3", "head_name": "Nguyễn Văn Ánh",
                                "phone": "0912.345.678"})
    other = store.save_household({"village_id": 2, "address": "Đường Lê Lợi", "head_name": "Trần Thị Hoa"})
    store.save_resident({"household_id": other, "full_name": "Đặng Văn Đức", "phone": "0977 111 222"})
    ids = lambda q, **kw: [h["id"] for h in store.households(q, **kw)]  # noqa: E731
    assert ids("nguyen van a") == [anh]
    assert ids("NGUYỄN ánh") == [anh]
    assert ids("dang van duc") == [other]  # a resident's name finds the household
    assert ids("le loi") == [other]
    assert ids("345678") == [anh] and ids("0977111") == [other]
    assert ids("") == [anh, other] and ids("", village_id=2) == [other]
    assert ids("zzz") == [] and ids("100%") == []


def test_coverage_marks_and_filters(store):
    store.set_account(user={"id": 7}, scope={"village_ids": [1]})
    a = store.save_household({"village_id": 1, "address": "1", "head_name": "A"})
    b = store.save_household({"village_id": 1, "address": "2", "head_name": "B"})
    ra = store.save_resident({"household_id": a, "full_name": "An"})
    store.log_visit(b, status="not_home", follow_up_on=date.today() - timedelta(days=2))
    store.log_visit(a, assists=[{"resident_id": ra, "topic": "vneid_account", "outcome": "partial"}])
    store.log_visit(a, assists=[{"resident_id": ra, "topic": "vneid_account", "outcome": "done"},
                                {"resident_id": None, "topic": "scam_awareness", "outcome": "follow_up"}],
                    follow_up_on=date.today() + timedelta(days=3), notes="quay lại")
    marks = {h["id"]: h for h in store.households()}
    assert marks[a]["reached"] and marks[a]["topics_done"] == ["vneid_account"]
    assert not marks[b]["reached"] and marks[b]["topics_done"] == []
    assert [h["id"] for h in store.households(not_reached=True)] == [b]
    assert [h["id"] for h in store.households(topic_not_done="vneid_account")] == [b]
    assert {h["id"] for h in store.households(needs_follow_up=True)} == {a, b}
    assert [(f["id"], f["overdue"]) for f in store.follow_ups()] == [(b, True), (a, False)]
    detail = store.household(a)
    assert detail["status"] == {ra: {"vneid_account": "done"}, "": {"scam_awareness": "follow_up"}}
    assert len(detail["visits"]) == 2 and detail["visits"][0]["notes"] == "quay lại"
    assert len(store.today_visits()) == 3
    # a later visit without a follow-up date closes the follow-up
    store.log_visit(b, status="met")
    assert [f["id"] for f in store.follow_ups()] == [a]


def test_a_topic_is_had_by_its_latest_outcome(store):
    """The marks follow shared/coverage.py: the latest outcome counts (a later one overrides an earlier one, ties in
    time go by visit id), already_had counts as having it, a voided (corrected) visit and a deleted resident count
    for nothing."""
    store.set_account(user={"id": 7}, scope={"village_ids": [1]})
    hid = store.save_household({"village_id": 1, "address": "1", "head_name": "A"})
    ra, rb = (store.save_resident({"household_id": hid, "full_name": name}) for name in ("An", "Bình"))

    def had() -> list:
        return store.households()[0]["topics_done"]

    store.log_visit(hid, assists=[{"resident_id": ra, "topic": "vneid_account", "outcome": "done"}])
    assert had() == ["vneid_account"]
    store.log_visit(hid, assists=[{"resident_id": ra, "topic": "vneid_account", "outcome": "partial"}])
    assert had() == []  # logged in the same second: the later visit's id is larger
    store.log_visit(hid, assists=[{"resident_id": rb, "topic": "cashless_payment", "outcome": "already_had"},
                                  {"resident_id": ra, "topic": "vneid_level2", "outcome": "not_applicable"}])
    assert had() == ["cashless_payment"]
    assert store.household(hid)["status"] == {ra: {"vneid_account": "partial", "vneid_level2": "not_applicable"},
                                              rb: {"cashless_payment": "already_had"}}
    last = store.log_visit(hid, assists=[{"resident_id": ra, "topic": "vneid_account", "outcome": "already_had"}])
    assert had() == ["vneid_account", "cashless_payment"]
    store.log_visit(hid, replaces_id=last, assists=[])  # a correction voids it
    assert had() == ["cashless_payment"]
    store.delete_resident(rb)
    assert had() == []


def test_edits_send_only_changed_fields_in_one_entry(store):
    hid = store.save_household({"village_id": 1, "address": "1 Hùng Vương", "head_name": "Lê Văn Tám"})
    # pretend the server acknowledged version 4 of it
    store.db.execute("DELETE FROM outbox")
    store.db.execute("UPDATE households SET version = 4 WHERE id = ?", (hid,))
    store.save_household({"address": "1 Hùng Vương", "phone": "0905 123 456"}, id=hid)
    store.save_household({"note": "cổng xanh"}, id=hid)
    assert _outbox(store) == [("households", "upsert", 4, {"phone": "0905 123 456", "note": "cổng xanh"})]
    with pytest.raises(InvalidData) as err:
        store.save_household({"phone": "gọi sau"}, id=hid)
    assert "phone" in err.value.errors and store.household(hid)["phone"] == "0905 123 456"


def test_visit_is_one_transaction_with_its_outbox_entry(store):
    hid = store.save_household({"village_id": 1, "address": "1", "head_name": "A"})
    with pytest.raises(InvalidData):
        store.log_visit(hid, status="not_home", assists=[{"topic": "vneid_account", "outcome": "done"}])
    visit = store.log_visit(hid, duration_min=15, location={"lat": 16.46, "lon": 107.59, "accuracy_m": 8})
    saved = store.visit(visit)
    assert saved["started_at"].endswith("+07:00") and saved["lat"] == 16.46
    assert [e[0] for e in _outbox(store)] == ["households", "visits"]
    fix = store.log_visit(hid, duration_min=20, replaces_id=visit)
    assert store.visit(visit)["voided"] and _outbox(store)[-1][3]["replaces_id"] == visit
    assert [v["id"] for v in store.today_visits()] == [fix]


def test_migrates_from_user_version_0(tmp_path):
    path = tmp_path / "old.sqlite3"
    sqlite3.connect(path).close()  # an empty file at user_version 0
    store = Store(path)
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION >= 1
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    store.set_account(username="u1")
    store.close()
    again = Store(path)  # reopening runs nothing twice
    assert again.account()["username"] == "u1"
    again.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    again.close()
    with pytest.raises(RuntimeError, match="newer app"):
        Store(path)


def test_clear_all_keeps_device_id(store):
    store.set_account(device_id="d1", token="t", username="u")
    store.save_household({"village_id": 1, "address": "1", "head_name": "A"})
    store.clear_all()
    assert store.households() == [] and store.sync_status()["pending"] == 0
    assert store.account()["device_id"] == "d1" and not store.account()["logged_in"]


@pytest.mark.parametrize("note, kind", [
    ("CCCD 079203001234", "id_number"), ("số cmnd: 025 123 456", "id_number"), ("Mật khẩu: abc123", "password"),
    ("mk: 1234", "password"), ("MAT KHAU la ngay sinh", "password"), ("password hoa1980", "password"),
    ("Mã OTP đã gửi", "otp"), ("ma xac thuc 482913", "otp"), ("code 482913", "otp"),
    ("Gọi lại số 0912 345 678 chiều thứ 3", None), ("Đã cài VNeID, sinh năm 1958", None), ("", None),
])
def test_notes_warning(note, kind):
    assert notes_kind(note) == kind
    assert (notes_warning(note, "en") is None) == (kind is None)
