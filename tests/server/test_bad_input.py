"""Bad input gets the JSON error shape with the field named, and nothing is written."""
import gzip
import json

import pytest
from sqlalchemy import func, select

from server.extensions import db
from server.models import Household, SyncBatch, Visit
from shared.ids import new_id
from shared.schemas import MAX_BATCH
from tests.conftest import household_change, push, visit_change


def nothing_written(app, models=(Household, Visit, SyncBatch)):
    """No record, and for a batch refused whole not even its receipt."""
    with app.app_context():
        for model in models:
            assert db.session.execute(select(func.count()).select_from(model)).scalar_one() == 0


def error_of(reply, status):
    assert reply.status_code == status, reply.get_data(as_text=True)
    body = reply.get_json()
    assert set(body["error"]) == {"code", "message", "fields"}
    return body["error"]


def test_malformed_json(app, client, world):
    headers = world.login(client, world.official)
    reply = client.post("/api/v1/sync/push", headers={**headers, "Content-Type": "application/json"},
                        data=b'{"batch_id": "x", ')
    error_of(reply, 400)
    nothing_written(app)


@pytest.mark.parametrize("body, field", [
    ({"batch_id": "not-a-uuid", "schema_version": 1, "changes": []}, "batch_id"),
    ({"batch_id": new_id(), "schema_version": "one", "changes": []}, "schema_version"),
    ({"batch_id": new_id(), "schema_version": 1, "changes": {}}, "changes"),
])
def test_envelope_errors_name_the_field(app, client, world, body, field):
    headers = world.login(client, world.official)
    error = error_of(client.post("/api/v1/sync/push", headers=headers, json=body), 400)
    assert field in error["fields"]
    nothing_written(app)


def test_batch_over_the_limit_is_refused_whole(app, client, world):
    headers = world.login(client, world.official)
    changes = [household_change(world.a1) for _ in range(MAX_BATCH + 1)]
    error = error_of(push(client, headers, *changes), 400)
    assert "changes" in error["fields"]
    nothing_written(app)


def test_body_over_max_content_length_is_413(app, client, world):
    headers = world.login(client, world.official)
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    reply = client.post("/api/v1/sync/push", headers=headers, data=json.dumps({"x": "a" * 20_000}),
                        content_type="application/json")
    error_of(reply, 413)


def test_gzip_bomb_is_413(app, client, world):
    headers = world.login(client, world.official)
    body = gzip.compress(json.dumps({"batch_id": new_id(), "schema_version": 1, "changes": [],
                                     "pad": "a" * (app.config["MAX_CONTENT_LENGTH"] + 10)}).encode())
    reply = client.post("/api/v1/sync/push", data=body, content_type="application/json",
                        headers={**headers, "Content-Encoding": "gzip"})
    error_of(reply, 413)
    nothing_written(app)


def test_gzip_body_is_accepted(app, client, world):
    headers = world.login(client, world.official)
    body = gzip.compress(json.dumps({"batch_id": new_id(), "schema_version": 1,
                                     "changes": [household_change(world.a1)]}).encode())
    reply = client.post("/api/v1/sync/push", data=body, content_type="application/json",
                        headers={**headers, "Content-Encoding": "gzip", "Accept-Encoding": "gzip"})
    assert reply.status_code == 200
    assert json.loads(reply.get_data())["results"][0]["status"] == "applied"


def rejected_fields(reply) -> dict:
    result = reply.get_json()["results"][0]
    assert result["status"] == "rejected", result
    return result["errors"]


@pytest.mark.parametrize("change, field", [
    ({"table": "people", "op": "upsert", "id": new_id(), "data": {}}, "table"),
    ({"table": "visits", "op": "upsert", "id": "42", "data": {}}, "id"),
    ({"table": "visits", "op": "burn", "id": new_id(), "data": {}}, "op"),
    ({"table": "visits\x00", "op": "upsert", "id": new_id(), "data": {}}, "table"),
])
def test_bad_changes_are_rejected_with_the_field(app, client, world, change, field):
    headers = world.login(client, world.official)
    assert field in rejected_fields(push(client, headers, change))
    nothing_written(app, (Household, Visit))


def test_record_errors_name_the_field(app, client, world):
    headers = world.login(client, world.official)
    hh = household_change(world.a1)
    push(client, headers, hh)
    cases = {
        "started_at": visit_change(hh["id"], started_at="2026-11-20T09:00:00"),  # no offset
        "status": visit_change(hh["id"], status="maybe"),
        "duration_min": visit_change(hh["id"], duration_min="long"),
        "notes": visit_change(hh["id"], notes="\x1b[2J"),
    }
    for field, change in cases.items():
        assert field in rejected_fields(push(client, headers, change)), field
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Visit)).scalar_one() == 0


def test_household_outside_the_callers_villages_is_rejected(app, client, world):
    headers = world.login(client, world.official)
    assert "village_id" in rejected_fields(push(client, headers, household_change(world.a3)))
    assert "village_id" in rejected_fields(push(client, headers, household_change(world.b1)))
    nothing_written(app, (Household, Visit))


def test_visit_to_a_household_outside_the_callers_villages_is_rejected(app, client, world):
    other = world.login(client, world.official2)
    hh = household_change(world.a3)
    push(client, other, hh)
    headers = world.login(client, world.official)
    assert "household_id" in rejected_fields(push(client, headers, visit_change(hh["id"])))


def test_bad_pull_arguments(client, world):
    headers = world.login(client, world.official)
    assert "limit" in error_of(client.get("/api/v1/sync/pull?limit=0", headers=headers), 400)["fields"]
    assert "since" in error_of(client.get("/api/v1/sync/pull?since=abc", headers=headers), 400)["fields"]


def test_too_old_schema_is_426(client, world):
    headers = world.login(client, world.official)
    reply = client.post("/api/v1/sync/push", headers=headers,
                        json={"batch_id": new_id(), "schema_version": 0, "changes": []})
    assert reply.status_code in (400, 426)
    old_app = {**headers, "X-Schema-Version": "0"}
    assert error_of(client.get("/api/v1/sync/pull", headers=old_app), 426)["fields"] == {
        "X-Schema-Version": ["No longer supported."]}
    assert client.get("/api/v1/sync/pull", headers=headers).status_code == 200


def test_a_batch_naming_tens_of_thousands_of_residents_is_answered_record_by_record(client, world):
    headers = world.login(client, world.official)
    home = household_change(world.a1)
    push(client, headers, home)
    visits = [visit_change(home["id"], assists=[{"topic": "vneid_account", "outcome": "done", "resident_id": new_id()}
                                                for _ in range(100)]) for _ in range(330)]
    reply = push(client, headers, *visits)
    assert reply.status_code == 200
    results = reply.get_json()["results"]
    assert len(results) == 330 and {r["status"] for r in results} == {"rejected"}
    assert results[0]["errors"] == {"assists": {"0": {"resident_id": ["Not a resident of this household."]}}}
