"""Deny by default: every endpoint has an access rule, and each role reaches only its own."""
import pytest

from server.access import rule_of
from tests.conftest import household_change, make_app, push, visit_change


def test_every_endpoint_has_an_access_rule(app):
    with app.test_request_context():
        missing = [rule.endpoint for rule in app.url_map.iter_rules() if rule_of(rule.endpoint) is None]
    assert missing == []


def test_an_endpoint_without_a_rule_is_refused(database_url):
    app = make_app(database_url)
    app.add_url_rule("/api/v1/forgotten", "forgotten", lambda: "secret")
    reply = app.test_client().get("/api/v1/forgotten")
    assert reply.status_code == 403 and reply.get_json()["error"]["code"] == "forbidden"


def test_api_without_a_token_is_401(client):
    for path in ("/api/v1/sync/pull", "/api/v1/households", "/api/v1/residents", "/api/v1/visits", "/api/v1/auth/me"):
        assert client.get(path).status_code == 401, path
    assert client.post("/api/v1/sync/push", json={}).status_code == 401


def test_openapi_document_is_public_and_lists_the_endpoints(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert {"/api/v1/sync/push", "/api/v1/sync/pull", "/api/v1/auth/login"} <= set(spec["paths"])
    assert spec["paths"]["/api/v1/sync/push"]["post"]["summary"]


@pytest.fixture
def seeded(client, world):
    """A household with a visit in each of A1 (official), A3 (official2) and B1 (official_b)."""
    ids = {}
    for user, village in ((world.official, world.a1), (world.official2, world.a3), (world.official_b, world.b1)):
        headers = world.login(client, user)
        hh = household_change(village)
        push(client, headers, hh, visit_change(hh["id"]))
        ids[village] = hh["id"]
    return ids


@pytest.mark.parametrize("who, sees", [
    ("official", {"a1"}), ("official2", {"a3"}), ("official_b", {"b1"}),
    ("leader", {"a1", "a3"}), ("leader_b", {"b1"}),
])
def test_each_role_reads_only_its_scope(client, world, seeded, who, sees):
    headers = world.login(client, getattr(world, who))
    expected = {seeded[getattr(world, v)] for v in sees}
    households = client.get("/api/v1/households", headers=headers).get_json()["items"]
    assert {h["id"] for h in households} == expected
    visits = client.get("/api/v1/visits", headers=headers).get_json()["items"]
    assert {v["household_id"] for v in visits} == expected
    pulled = client.get("/api/v1/sync/pull?since=0", headers=headers).get_json()["changes"]
    assert {c["id"] for c in pulled if c["table"] == "households"} == expected


def test_an_admin_reads_no_records_and_pulls_nothing(client, world, seeded):
    """Admins read aggregates (server/personal.py): the records and the pull are for those who work with them."""
    headers = world.login(client, world.admin)
    for path in ("/api/v1/households", "/api/v1/residents", "/api/v1/visits", "/api/v1/sync/pull?since=0"):
        reply = client.get(path, headers=headers)
        assert reply.status_code == 403 and reply.get_json()["error"]["code"] == "forbidden", path


def test_official_cannot_write_outside_its_villages(client, world, seeded):
    headers = world.login(client, world.official)
    reply = push(client, headers, visit_change(seeded[world.a3]), visit_change(seeded[world.b1]),
                 {"table": "households", "op": "upsert", "id": seeded[world.b1], "base_version": 1,
                  "data": {"note": "sửa trộm"}})
    assert [r["status"] for r in reply.get_json()["results"]] == ["rejected"] * 3


def test_leader_of_another_commune_cannot_write_there(client, world, seeded):
    headers = world.login(client, world.leader_b)
    reply = push(client, headers, visit_change(seeded[world.a1]))
    assert reply.get_json()["results"][0]["status"] == "rejected"
