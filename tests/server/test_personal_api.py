"""Personal data by role on the API: an admin's token reads no resident's or head's name, phone or address anywhere.

Every GET of the OpenAPI document is called with an admin's token and with a leader's, with its parameters filled
from the seeded world; no reply to the admin may hold a personal value, and the leader's replies must hold them
(else the walk proves nothing)."""
import pytest

from server.extensions import db
from server.models import Area
from shared.ids import new_id
from tests.conftest import household_change, push, visit_change

HEAD = "Lê Thị Thu Trang"
RESIDENT = "Đặng Quốc Bảo"
PHONE = "0987654321"
RESIDENT_PHONE = "0911222333"
ADDRESS = "Số 45 ngõ Hoa Cau"
PERSONAL = (HEAD, RESIDENT, PHONE, RESIDENT_PHONE, ADDRESS)


@pytest.fixture
def seeded(client, world):
    """Two households in A1: one with a resident and a not-home visit with a follow-up, one never visited."""
    official = world.login(client, world.official)
    home = household_change(world.a1, head_name=HEAD, phone=PHONE, address=ADDRESS)
    person = {"table": "residents", "op": "upsert", "id": new_id(), "base_version": 0,
              "data": {"household_id": home["id"], "full_name": RESIDENT, "phone": RESIDENT_PHONE,
                       "birth_year": 1961}}
    visit = visit_change(home["id"], status="not_home", assists=[], follow_up_on="2026-11-25")
    other = household_change(world.a1, head_name=HEAD + " Hai", address=ADDRESS + " B")
    reply = push(client, official, home, person, visit, other)
    assert [r["status"] for r in reply.get_json()["results"]] == ["applied"] * 4
    return {"household": home["id"], "resident": person["id"]}


def _values(world) -> dict:
    with world.app.app_context():
        province = db.session.get(Area, world.commune_a).parent_id
    return {"area": world.commune_a, "commune": world.commune_a, "village_id": world.a1, "since": 0,
            "page": 1, "per_page": 1000, "limit": 1000, "_province": province}


def _gets(client, headers, world) -> dict:
    """Every GET of the OpenAPI document, called with `headers`: path (and area) -> (status, body text)."""
    doc = client.get("/api/v1/openapi.json").get_json()
    values = _values(world)
    replies = {}
    for path, item in doc["paths"].items():
        if "get" not in item:
            continue
        names = [p["name"] for p in item["get"].get("parameters", ()) if p["in"] == "query"]
        areas = [values["area"], world.a1, values["_province"]] if "area" in names else [None]
        for area in areas:
            query = {name: values[name] for name in names if name in values}
            if area is not None:
                query["area"] = area
            reply = client.get(path, query_string=query, headers={**headers, "Accept-Encoding": "identity"})
            replies[(path, area)] = (reply.status_code, reply.get_data(as_text=True))
    return replies


def test_an_admin_token_reads_no_personal_value_on_any_get(client, world, seeded):
    admin = _gets(client, world.login(client, world.admin), world)
    leader = _gets(client, world.login(client, world.leader), world)
    assert {"/api/v1/households", "/api/v1/residents", "/api/v1/visits", "/api/v1/sync/pull",
            "/api/v1/stats/never-reached", "/api/v1/stats/follow-ups", "/api/v1/auth/me"} <= {p for p, _ in admin}
    for key, (status, body) in admin.items():
        assert status < 500, key
        for value in PERSONAL:
            assert value not in body, (key, value)
    # The same walk with a leader's token finds them: the lists it reads are the ones that carry them.
    leaked = {value for status, body in leader.values() for value in PERSONAL if value in body}
    assert leaked == set(PERSONAL)


def test_admins_work_lists_are_the_aggregate_rows(client, world, seeded):
    admin, leader = world.login(client, world.admin), world.login(client, world.leader)
    for name in ("never-reached", "follow-ups"):
        url = f"/api/v1/stats/{name}?area={world.commune_a}"
        theirs, ours = client.get(url, headers=admin), client.get(url, headers=leader)
        assert theirs.status_code == ours.status_code == 200
        expected = [{k: v for k, v in row.items() if k not in ("address", "head_name")} for row in ours.get_json()]
        assert theirs.get_json() == expected and expected
        assert all({"address", "head_name"} <= set(row) for row in ours.get_json())
    assert [r["household_id"] for r in client.get(f"/api/v1/stats/follow-ups?area={world.commune_a}",
                                                   headers=admin).get_json()] == [seeded["household"]]


def test_an_admins_push_reply_carries_no_server_record(client, world, seeded):
    """A merged change's reply names the server's record: to a leader, not to an admin (who may still write)."""
    leader, admin = world.login(client, world.leader), world.login(client, world.admin)
    official = world.login(client, world.official)
    edit = {"table": "households", "op": "upsert", "id": seeded["household"], "base_version": 1,
            "data": {"note": "Gọi trước khi đến"}}
    assert push(client, official, dict(edit, data={"note": "Đến buổi sáng"})).get_json()["results"][0]["status"] \
        == "applied"
    as_leader = push(client, leader, edit).get_json()["results"][0]
    assert as_leader["status"] == "merged" and as_leader["current"]["head_name"] == HEAD
    again, batch_id = dict(edit, data={"note": "Đến buổi chiều"}), new_id()
    for _ in range(2):  # the second time (a lost reply) the stored reply comes back, without the record either
        reply = push(client, admin, again, batch_id=batch_id)
        result = reply.get_json()["results"][0]
        assert result["status"] == "merged" and result["current"] is None
        assert not any(value in reply.get_data(as_text=True) for value in PERSONAL)
