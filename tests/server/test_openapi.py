"""The served OpenAPI document is a valid OpenAPI 3.0 document, and real replies of the server conform to it."""
import gzip
import inspect
import json

import pytest
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate as validate_spec

from shared.ids import new_id
from tests.conftest import household_change, push, visit_change

DOC = "/api/v1/openapi.json"


@pytest.fixture
def doc(client):
    reply = client.get(DOC)
    assert reply.status_code == 200
    return reply.get_json()


def operations(doc):
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def conforms(doc, method: str, path: str, reply) -> dict:
    """Check a test client reply against the document: a declared status, and a body of the declared schema."""
    operation = doc["paths"][path][method.lower()]
    declared = operation["responses"].get(str(reply.status_code))
    assert declared is not None, f"{method} {path} answered {reply.status_code}, which it does not declare"
    body = None
    if "content" in declared:
        assert reply.mimetype == "application/json"
        body = json.loads(gzip.decompress(reply.data) if reply.headers.get("Content-Encoding") == "gzip"
                          else reply.data)
        schema = {**declared["content"]["application/json"]["schema"], "components": doc["components"]}
        errors = sorted(OAS30Validator(schema).iter_errors(body), key=str)
        assert not errors, f"{method} {path} {reply.status_code}: " + "; ".join(
            f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])
    for name, header in declared.get("headers", {}).items():
        assert not header.get("required") or name in reply.headers, f"{method} {path}: no {name} header"
    return body


def test_the_document_is_valid_openapi(doc):
    validate_spec(doc)
    assert doc["openapi"].startswith("3.0")


def test_each_summary_is_the_views_docstring(app, doc):
    for path, method, operation in operations(doc):
        view = app.view_functions[operation["operationId"].replace("_", ".", 1)]
        assert operation["summary"] == inspect.getdoc(view).splitlines()[0], (method, path)


def test_errors_are_declared_with_the_servers_shape(doc):
    error = doc["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    for path, method, operation in operations(doc):
        responses = operation["responses"]
        assert "422" not in responses and "default" not in responses, (method, path)  # flask-smorest's own
        assert "503" in responses and "Retry-After" in responses["503"]["headers"], (method, path)
        for status, response in responses.items():
            if not status.startswith("2"):
                assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
        if operation["security"]:
            assert {"401", "403"} <= set(responses), (method, path)
        if any(p["in"] != "header" for p in operation.get("parameters", ())) or operation.get("requestBody"):
            assert "400" in responses, (method, path)
    assert "429" in doc["paths"]["/api/v1/auth/login"]["post"]["responses"]
    assert {"410", "426"} <= set(doc["paths"]["/api/v1/sync/pull"]["get"]["responses"])


def test_push_and_pull_records_are_described_per_table(doc):
    schemas = doc["components"]["schemas"]
    assert schemas["Change"]["discriminator"]["propertyName"] == "table"
    assert set(schemas["Change"]["discriminator"]["mapping"]) == {"households", "residents", "visits"}
    assert set(schemas["PulledChange"]["discriminator"]["mapping"]) == {"areas", "households", "residents", "visits"}
    result = schemas["Result"]["properties"]
    assert result["status"]["enum"] == ["applied", "duplicate", "merged", "conflict", "rejected"]
    assert set(result["code"]["enum"]) == {"invalid", "not_found", "outside_scope", "deleted", "version_ahead",
                                           "not_owner", "id_taken", None}
    assert schemas["VisitRecord"]["properties"]["assists"]["items"] == {"$ref": "#/components/schemas/Assist"}
    assert schemas["ResidentRecord"]["properties"]["birth_year"]["nullable"] is True


def test_real_replies_conform(client, world, doc):
    body = conforms(doc, "POST", "/api/v1/auth/login", client.post("/api/v1/auth/login", json={
        "username": world.official, "password": world.PASSWORD, "device_id": new_id()}))
    headers = {"Authorization": "Bearer " + body["token"], "X-Schema-Version": "1"}
    conforms(doc, "POST", "/api/v1/auth/login", client.post("/api/v1/auth/login", json={
        "username": world.official, "password": "sai", "device_id": new_id()}))
    conforms(doc, "POST", "/api/v1/auth/login", client.post("/api/v1/auth/login", json={"username": 7}))
    conforms(doc, "GET", "/api/v1/auth/me", client.get("/api/v1/auth/me"))

    house = household_change(world.a1)
    resident = {"table": "residents", "op": "upsert", "id": new_id(), "base_version": 0,
                "data": {"household_id": house["id"], "full_name": "Lê Thị Bình", "birth_year": None}}
    changes = [house, resident, visit_change(house["id"]), household_change(world.b1),
               {"table": "visits", "id": "not an id"}, {"table": "nowhere"}]
    batch_id = new_id()
    reply = conforms(doc, "POST", "/api/v1/sync/push", push(client, headers, *changes, batch_id=batch_id))
    assert [r["status"] for r in reply["results"]] == ["applied"] * 3 + ["rejected"] * 3
    again = conforms(doc, "POST", "/api/v1/sync/push", push(client, headers, *changes, batch_id=batch_id))
    assert again == reply
    edit = {**house, "base_version": 1, "data": {"address": "Số 9"}}
    conforms(doc, "POST", "/api/v1/sync/push", push(client, headers, edit))
    stale = {**house, "base_version": 1, "data": {"address": "Số 11", "note": "cổng xanh"}}
    merged = conforms(doc, "POST", "/api/v1/sync/push", push(client, headers, stale))
    assert merged["results"][0]["status"] == "merged" and merged["results"][0]["current"]["note"] == "cổng xanh"

    page = conforms(doc, "GET", "/api/v1/sync/pull", client.get("/api/v1/sync/pull?limit=1000", headers=headers))
    assert {c["table"] for c in page["changes"]} == {"areas", "households", "residents", "visits"}
    gone = client.get(f"/api/v1/sync/pull?since={page['cursor'] + 5}", headers={**headers, "X-Device-Id": new_id()})
    conforms(doc, "GET", "/api/v1/sync/pull", gone)
    other = world.login(client, world.official2)
    conforms(doc, "GET", "/api/v1/sync/pull", client.get("/api/v1/sync/pull?since=3", headers=other))
    old = client.get("/api/v1/sync/pull", headers={**headers, "X-Schema-Version": "0"})
    assert old.status_code == 426
    conforms(doc, "GET", "/api/v1/sync/pull", old)
    zipped = client.get("/api/v1/sync/pull?limit=1000", headers={**headers, "Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    conforms(doc, "GET", "/api/v1/sync/pull", zipped)

    for table in ("households", "residents", "visits"):
        items = conforms(doc, "GET", f"/api/v1/{table}", client.get(f"/api/v1/{table}", headers=headers))["items"]
        assert len(items) == 1
    conforms(doc, "GET", "/api/v1/households", client.get("/api/v1/households?page=0", headers=headers))

    leader = world.login(client, world.leader)
    conforms(doc, "GET", "/api/v1/stats/coverage", client.get("/api/v1/stats/coverage?area=999999", headers=leader))
    conforms(doc, "GET", "/api/v1/stats/coverage", client.get("/api/v1/stats/coverage?area=1", headers=leader))
    conforms(doc, "GET", "/api/v1/stats/coverage", client.get(f"/api/v1/stats/coverage?area={world.commune_a}",
                                                              headers=leader))
    conforms(doc, "PUT", "/api/v1/stats/targets", client.put(
        f"/api/v1/stats/targets?commune={world.commune_a}", headers=leader, json={"targets": {"vneid_account": 80}}))
    conforms(doc, "GET", "/api/v1/stats/follow-ups", client.get(f"/api/v1/stats/follow-ups?area={world.commune_a}",
                                                                headers=headers))
    conforms(doc, "POST", "/api/v1/auth/logout", client.post("/api/v1/auth/logout", headers=headers))
    conforms(doc, "GET", "/api/v1/auth/me", client.get("/api/v1/auth/me", headers=headers))


def test_throttled_login_conforms_with_retry_after(app, client, world, doc):
    app.config["LOGIN_FAILURES_PER_USER"] = 1
    for _ in range(2):
        reply = client.post("/api/v1/auth/login", json={"username": world.leader, "password": "sai",
                                                        "device_id": new_id()})
    assert reply.status_code == 429
    conforms(doc, "POST", "/api/v1/auth/login", reply)


def test_the_links_of_a_push_lead_where_they_say(client, world, doc):
    """Followed by hand, as a client reading only the document would: the pull after a push holds what was pushed,
    and the same batch sent again gets its first reply unchanged."""
    links = doc["paths"]["/api/v1/sync/push"]["post"]["responses"]["200"]["links"]
    assert links["PullWhatWasPushed"]["operationId"] == doc["paths"]["/api/v1/sync/pull"]["get"]["operationId"]
    assert links["SendTheBatchAgain"]["requestBody"] == "$request.body"
    headers = world.login(client, world.official)
    hh = household_change(world.a1)
    batch = {"batch_id": new_id(), "schema_version": 1, "changes": [hh]}
    first = client.post("/api/v1/sync/push", headers=headers, json=batch)
    assert conforms(doc, "POST", "/api/v1/sync/push", first)["results"][0]["status"] == "applied"
    since = links["PullWhatWasPushed"]["parameters"]["since"]
    pulled = client.get(f"/api/v1/sync/pull?since={since}", headers=headers)
    assert hh["id"] in {c["id"] for c in conforms(doc, "GET", "/api/v1/sync/pull", pulled)["changes"]}
    again = client.post("/api/v1/sync/push", headers=headers, json=batch)
    assert conforms(doc, "POST", "/api/v1/sync/push", again) == first.get_json()
