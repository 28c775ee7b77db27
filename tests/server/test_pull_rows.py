"""Pull reads rows with the driver (records.page_rows); each record must be what the ORM row gives (record_of)."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from server.extensions import db
from server.models import Area, Household, Resident, Visit
from server.sync import reader, records
from shared.ids import new_id
from tests.conftest import household_change, push, visit_change

ICT = timezone(timedelta(hours=7))
MODELS = {"households": Household, "residents": Resident, "visits": Visit}


def local(days_ago: int, micro: int = 0) -> str:
    moment = datetime.now(ICT).replace(hour=9, minute=5, second=7, microsecond=micro) - timedelta(days=days_ago)
    return moment.isoformat()


def pull_everything(client, headers) -> list[dict]:
    changes, since = [], 0
    while True:
        page = client.get(f"/api/v1/sync/pull?since={since}&limit=3", headers=headers).get_json()
        changes += page["changes"]
        since = page["cursor"]
        if not page["has_more"]:
            return changes


def test_pulled_records_are_the_orm_rows_on_the_wire(app, client, world, monkeypatch):
    monkeypatch.setattr(reader, "SLICE", 2)  # a page's assists and a push's lookups then take several statements
    official, leader = world.login(client, world.official), world.login(client, world.leader)
    home = household_change(world.a1, phone="0912345678", note="Nhà có người già")
    bare = household_change(world.a2)
    lan = {"table": "residents", "op": "upsert", "id": new_id(), "base_version": 0,
           "data": {"household_id": home["id"], "full_name": "Võ Thị Lan", "birth_year": 1958, "sex": "f",
                    "has_smartphone": True}}
    nobody = {"table": "residents", "op": "upsert", "id": new_id(), "base_version": 0,
              "data": {"household_id": home["id"], "full_name": "Đặng Văn Tư"}}
    full = visit_change(home["id"], started_at=local(3, 123), duration_min=25, lat=16.55, lon=107.45,
                        accuracy_m=8.5, follow_up_on=(datetime.now(ICT).date() + timedelta(days=3)).isoformat(),
                        assists=[{"topic": "vneid_account", "outcome": "done", "resident_id": lan["id"]},
                                 {"topic": "scam_awareness", "outcome": "partial", "note": "Hẹn tuần sau"}])
    plain = visit_change(bare["id"], started_at=local(2), status="not_home", assists=[])
    fix = visit_change(home["id"], started_at=local(3), replaces_id=full["id"])
    push(client, official, home, bare, lan, nobody, full, plain, fix)
    push(client, official, {"table": "residents", "op": "delete", "id": nobody["id"], "base_version": 1, "data": {}})

    for headers in (official, leader):
        pulled = pull_everything(client, headers)
        assert {c["table"] for c in pulled} == {"areas", "households", "residents", "visits"}
        with app.app_context():
            for change in pulled:
                if change["table"] == "areas":
                    row = db.session.get(Area, int(change["id"]))
                    assert change["data"] == {f: getattr(row, f) for f in records.AREA_FIELDS}
                    continue
                row = db.session.get(MODELS[change["table"]], change["id"])
                gone = row.voided if change["table"] == "visits" else row.deleted
                assert (change["version"], change["deleted"]) == (row.version, gone)
                assert change["data"] == records.record_of(change["table"], row), change["table"]
    by_id = {c["id"]: c for c in pulled}
    assert by_id[full["id"]]["deleted"] and by_id[nobody["id"]]["deleted"]
    assert by_id[full["id"]]["data"]["started_at"].endswith(".000123+00:00")
    assert by_id[plain["id"]]["data"]["started_at"].endswith(":07+00:00")
    assert [a["resident_id"] for a in by_id[full["id"]]["data"]["assists"]] == [lan["id"], None]
    with app.app_context():
        assert db.session.execute(select(Visit.replaces_id).where(Visit.id == fix["id"])).scalar() == full["id"]
