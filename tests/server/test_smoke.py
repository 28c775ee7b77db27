from shared.ids import new_id


def test_login_push_pull(client, world):
    headers = world.login(client, world.official)
    hh = new_id()
    reply = client.post("/api/v1/sync/push", headers=headers, json={"batch_id": new_id(), "schema_version": 1, "changes": [
        {"table": "households", "op": "upsert", "id": hh, "base_version": 0,
         "data": {"village_id": world.a1, "address": "12 Kiệt 3", "head_name": "Nguyễn Văn Ánh"}},
        {"table": "visits", "op": "upsert", "id": new_id(), "base_version": 0,
         "data": {"household_id": hh, "started_at": "2026-11-20T09:00:00+07:00", "status": "met",
                  "assists": [{"topic": "vneid_account", "outcome": "done"}]}},
    ]})
    assert reply.status_code == 200, reply.get_json()
    print(reply.get_json())
    assert [r["status"] for r in reply.get_json()["results"]] == ["applied", "applied"]
    page = client.get("/api/v1/sync/pull?since=0", headers=headers).get_json()
    print(page)
    assert {c["table"] for c in page["changes"]} == {"areas", "households", "visits"}
