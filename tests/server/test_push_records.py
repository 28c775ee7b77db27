"""Pushed records as the contract reads them (DESIGN.md): a newer app's unknown fields ignored, control characters
refused per record naming the field while the rest of the batch goes through, visits never refused for their date,
and an identical record a duplicate whatever its base_version."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from server.extensions import db
from server.models import Household, Resident, Visit
from shared.ids import new_id
from tests.conftest import household_change, push, visit_change


def results_of(reply) -> list[dict]:
    assert reply.status_code == 200, reply.get_data(as_text=True)
    return reply.get_json()["results"]


def resident_change(household_id, **data):
    return {"table": "residents", "op": "upsert", "id": new_id(), "base_version": 0,
            "data": {"household_id": household_id, "full_name": "Trần Thị Bình", **data}}


def pulled(client, headers, table: str) -> dict:
    changes = client.get("/api/v1/sync/pull?since=0&limit=1000", headers=headers).get_json()["changes"]
    return {c["id"]: c["data"] for c in changes if c["table"] == table}


def test_a_newer_apps_unknown_fields_are_ignored(app, client, world):
    headers = world.login(client, world.official)
    hh = household_change(world.a1, owner=3, seq=99, commune_id=12345)
    hh["priority"] = "high"
    visit = visit_change(hh["id"], official_id=world.leader, voided=True, mood="vui")
    visit["data"]["assists"][0]["minutes"] = 5
    reply = client.post("/api/v1/sync/push", headers=headers, json={
        "batch_id": new_id(), "schema_version": 1, "changes": [hh, visit], "client_hint": "x"})
    assert [r["status"] for r in results_of(reply)] == ["applied", "applied"]
    with app.app_context():
        row = db.session.get(Household, hh["id"])
        assert row.seq != 99 and row.commune_id == world.commune_a
        stored = db.session.get(Visit, visit["id"])
        assert stored.official_id != world.leader and stored.voided is False


CONTROL = ["\x00", "\x1b", "\x7f", "\x9f", "\r"]
FIELDS = [("households", "address"), ("households", "head_name"), ("households", "phone"), ("households", "note"),
          ("residents", "full_name"), ("residents", "phone"), ("visits", "notes"), ("assists", "note")]


@pytest.mark.parametrize("table, field", FIELDS)
def test_a_control_character_rejects_its_record_alone(app, client, world, table, field):
    headers = world.login(client, world.official)
    hh = household_change(world.a1)
    assert [r["status"] for r in results_of(push(client, headers, hh))] == ["applied"]
    for char in CONTROL:
        good = [household_change(world.a1), resident_change(hh["id"]), visit_change(hh["id"])]
        bad = {"households": household_change(world.a1), "residents": resident_change(hh["id"]),
               "visits": visit_change(hh["id"]), "assists": visit_change(hh["id"])}[table]
        target = bad["data"]["assists"][0] if table == "assists" else bad["data"]
        target[field] = "0905" + char + "123"
        results = results_of(push(client, headers, good[0], bad, good[1], good[2]))
        assert [r["status"] for r in results] == ["applied", "rejected", "applied", "applied"], char
        assert results[1]["id"] == bad["id"]
        errors = results[1]["errors"]
        if table == "assists":
            assert list(errors) == ["assists"] and "note" in str(errors["assists"])
        else:
            assert list(errors) == [field]
    with app.app_context():
        assert db.session.get({"households": Household, "residents": Resident}.get(table, Visit), bad["id"]) is None
        assert db.session.execute(select(func.count()).select_from(Visit)).scalar_one() == len(CONTROL)


def test_notes_keep_their_line_breaks(app, client, world):
    headers = world.login(client, world.official)
    hh = household_change(world.a1, note="Nhà có người già.\nĐi cửa sau.")
    visit = visit_change(hh["id"], notes="Đã cài VNeID.\n\tHẹn tuần sau.")
    assert [r["status"] for r in results_of(push(client, headers, hh, visit))] == ["applied", "applied"]
    assert pulled(client, headers, "households")[hh["id"]]["note"] == "Nhà có người già.\nĐi cửa sau."
    assert pulled(client, headers, "visits")[visit["id"]]["notes"] == "Đã cài VNeID.\n\tHẹn tuần sau."


@pytest.mark.parametrize("started_at, follow_up_on", [
    (datetime.now(timezone(timedelta(hours=7))) + timedelta(days=1), None),  # a tablet clock a day ahead
    (datetime.now(timezone(timedelta(hours=7))) - timedelta(days=366), "2025-01-15"),  # a year behind
    (datetime(2019, 3, 1, 8, 0, tzinfo=timezone(timedelta(hours=7))), "2019-03-08"),
])
def test_a_visit_is_kept_whatever_its_date(app, client, world, started_at, follow_up_on):
    headers = world.login(client, world.official)
    hh = household_change(world.a1)
    visit = visit_change(hh["id"], started_at=started_at.isoformat(), follow_up_on=follow_up_on)
    assert [r["status"] for r in results_of(push(client, headers, hh, visit))] == ["applied", "applied"]
    data = pulled(client, headers, "visits")[visit["id"]]
    assert datetime.fromisoformat(data["started_at"]) == started_at and data["follow_up_on"] == follow_up_on
    # The correction of such a visit is accepted too (it used to be refused with "No such visit").
    fix = visit_change(hh["id"], started_at=started_at.isoformat(), replaces_id=visit["id"], notes="Sửa")
    assert [r["status"] for r in results_of(push(client, headers, fix))] == ["applied"]


def test_a_future_birth_year_is_rejected(app, client, world):
    headers = world.login(client, world.official)
    hh = household_change(world.a1)
    year = datetime.now(timezone.utc).year
    results = results_of(push(client, headers, hh, resident_change(hh["id"], birth_year=year + 1),
                              resident_change(hh["id"], birth_year=year)))
    assert [r["status"] for r in results] == ["applied", "rejected", "applied"]
    assert list(results[1]["errors"]) == ["birth_year"]


def test_an_identical_edit_is_a_duplicate_whatever_its_base_version(app, client, world):
    tablet_a = world.login(client, world.official)
    tablet_b = world.login(client, world.official)
    hh = household_change(world.a1)
    push(client, tablet_a, hh)
    edit = {"table": "households", "op": "upsert", "id": hh["id"], "base_version": 1, "data": {"phone": "0905 1"}}
    assert [r["status"] for r in results_of(push(client, tablet_a, edit))] == ["applied"]
    # Tablet B made the same edit against version 1: the server holds it already.
    result = results_of(push(client, tablet_b, dict(edit)))[0]
    assert result["status"] == "duplicate" and result["version"] == 2
    whole = {**edit, "data": {**hh["data"], "phone": "0905 1", "note": ""}}  # the whole record, as stored
    assert results_of(push(client, tablet_b, whole))[0]["status"] == "duplicate"
