"""The server's log: one JSON line per request, with its id, and no personal data in any line."""
import json
import logging
import re

import pytest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from server.extensions import db
from shared.ids import new_id
from tests.conftest import World, household_change, push

HEAD = "Phạm Thị Ngọc Lan"
RESIDENT = "Võ Minh Khôi"
PHONE = "0912 345 678"
ADDRESS = "Số 99 đường Hoa Sen"
SECRET_NOTE = "bí mật riêng tư"


def request_lines(caplog) -> list[dict]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "doorstep.request"]


def test_one_line_per_request_with_its_id_and_caller(caplog, client, world):
    caplog.set_level(logging.INFO, logger="doorstep")
    headers = world.login(client, world.official)
    reply = client.get("/api/v1/households?page=1&village_id=" + str(world.a1), headers=headers)
    assert reply.status_code == 200
    lines = request_lines(caplog)
    assert [line["path"] for line in lines] == ["/api/v1/auth/login", "/api/v1/households"]
    login, read = lines
    assert login["method"] == "POST" and login["status"] == 200 and login["user_id"] is None
    assert read["request_id"] == reply.headers["X-Request-Id"] and len(read["request_id"]) == 32
    assert read["method"] == "GET" and read["status"] == 200 and read["ms"] >= 0
    assert read["query"] == ["page", "village_id"]  # the names, never the values
    assert read["user_id"] is not None and read["device_id"] == headers["X-Device-Id"]
    assert login["request_id"] != read["request_id"]


def test_a_proxys_request_id_is_kept_and_a_strange_one_replaced(caplog, client):
    caplog.set_level(logging.INFO, logger="doorstep")
    assert client.get("/login", headers={"X-Request-Id": "nginx-1234abcd"}).headers["X-Request-Id"] == "nginx-1234abcd"
    replaced = client.get("/login", headers={"X-Request-Id": "x\" injected"}).headers["X-Request-Id"]
    assert replaced != "x\" injected" and len(replaced) == 32
    assert [line["request_id"] for line in request_lines(caplog)] == ["nginx-1234abcd", replaced]


def test_errors_are_logged_with_their_status(caplog, client):
    caplog.set_level(logging.INFO, logger="doorstep")
    client.get("/api/v1/sync/pull")
    client.get("/nowhere?name=" + HEAD)
    client.post("/api/v1/auth/login", data=b"{}", content_type="application/json", headers={"Content-Encoding": "br"})
    assert [(line["path"], line["status"]) for line in request_lines(caplog)] == [
        ("/api/v1/sync/pull", 401), ("/nowhere", 404), ("/api/v1/auth/login", 415)]
    assert HEAD not in caplog.text


def test_no_personal_data_nor_secret_in_any_log_line(app, caplog, client, world):
    caplog.set_level(logging.DEBUG)  # every logger, every level
    device_id = new_id()
    reply = client.post("/api/v1/auth/login", json={"username": world.official, "password": World.PASSWORD,
                                                    "device_id": device_id, "device_label": "Tab A8"})
    token = reply.get_json()["token"]
    headers = {"Authorization": "Bearer " + token, "X-Device-Id": device_id}
    hh = household_change(world.a1, head_name=HEAD, phone=PHONE, address=ADDRESS, note=SECRET_NOTE)
    resident = {"table": "residents", "op": "upsert", "id": new_id(), "base_version": 0,
                "data": {"household_id": hh["id"], "full_name": RESIDENT, "phone": PHONE, "birth_year": 1960}}
    results = push(client, headers, hh, resident).get_json()["results"]
    assert [r["status"] for r in results] == ["applied", "applied"]
    # A refused record, a wrong password, a search of the dashboard with a name in the URL.
    push(client, headers, household_change(world.a1, head_name=HEAD, phone="not a phone " + PHONE))
    client.post("/api/v1/auth/login", json={"username": world.official, "password": "sai-" + World.PASSWORD,
                                            "device_id": new_id()})
    assert client.get("/api/v1/sync/pull?since=0&name=" + HEAD, headers=headers).status_code == 200
    # A statement the database refuses, with a name among its values, logged as the server would log it.
    with app.app_context():
        with pytest.raises(SQLAlchemyError) as failed:
            db.session.execute(text("INSERT INTO households (id, head_name, phone) VALUES (:id, :name, :phone)"),
                               {"id": hh["id"], "name": HEAD, "phone": PHONE})
        db.session.rollback()
    with app.test_request_context("/api/v1/sync/push", method="POST"):
        app.log_exception((failed.type, failed.value, failed.tb))  # what Flask does with an unhandled exception
        logging.getLogger("doorstep.errors").error("statement failed", exc_info=failed.value)
    assert "hidden due to hide_parameters" in str(failed.value)
    assert re.search("not.null", str(failed.value), re.I)  # still says what went wrong, only without the values
    assert "Exception on /api/v1/sync/push" in caplog.text and "[SQL: INSERT INTO households" in caplog.text
    paths = [line["path"] for line in request_lines(caplog)]
    assert paths.count("/api/v1/sync/push") == 2 and "/api/v1/sync/pull" in paths
    logged = caplog.text + "\n".join(str(r.args) for r in caplog.records)
    for secret in (HEAD, RESIDENT, PHONE, PHONE.replace(" ", ""), ADDRESS, SECRET_NOTE, World.PASSWORD, token):
        assert secret not in logged, secret
