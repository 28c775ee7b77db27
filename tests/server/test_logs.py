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


# --- A write with a resident's name that fails at the database, through a real request ---------------------------

def _refuse_at_the_database(app) -> None:
    """Make the database itself refuse the household and the visit below, as a constraint would.

    PostgreSQL: a trigger on households whose error quotes the row in its DETAIL (as "Failing row contains" does),
    raised with a SQLSTATE that the push does not retry; a CHECK on visits, whose violation comes from the driver's
    own cursor (ledger/visits.py), which SQLAlchemy never sees, with "Failing row contains (..., notes ...)". SQLite:
    triggers that refuse the same rows (SQLite's messages never quote a value; the test shows nothing else does).
    """
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text(
                "CREATE FUNCTION refuse_household() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "IF NEW.head_name = '" + HEAD + "' THEN RAISE EXCEPTION 'household refused' USING ERRCODE = 'XX001', "
                "DETAIL = 'Failing row contains (' || NEW.head_name || ', ' || NEW.phone || ', ' || NEW.address "
                "|| ')'; "
                "END IF; RETURN NEW; END $$"))
            db.session.execute(text("CREATE TRIGGER refuse_household BEFORE INSERT ON households "
                                    "FOR EACH ROW EXECUTE FUNCTION refuse_household()"))
            db.session.execute(text("ALTER TABLE visits ADD CONSTRAINT no_names CHECK (notes NOT LIKE '%Khôi%')"))
        else:
            for table, column, value in (("households", "head_name", HEAD), ("visits", "notes", "%Khôi%")):
                test = "=" if table == "households" else "LIKE"
                db.session.execute(text(f"CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} "
                                        f"WHEN NEW.{column} {test} '{value}' "
                                        f"BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: no_names'); END"))
        db.session.commit()


def _undo_refusals(app) -> None:
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("DROP TRIGGER refuse_household ON households"))
            db.session.execute(text("DROP FUNCTION refuse_household()"))
            db.session.execute(text("ALTER TABLE visits DROP CONSTRAINT no_names"))
        else:
            db.session.execute(text("DROP TRIGGER refuse_households"))
            db.session.execute(text("DROP TRIGGER refuse_visits"))
        db.session.commit()


@pytest.fixture
def production_logging(app):
    """The app's own log handlers as production has them (TESTING off), written into strings we can read."""
    import io

    from flask.logging import default_handler

    root = logging.getLogger("doorstep")
    before = list(root.handlers)
    app.testing = False
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: Flask answers 500 and logs the exception
    saved_level = root.level
    root.handlers.clear()
    from server import logs
    logs.init_app(app.__class__("probe"))  # installs the doorstep handler, as create_app does outside tests
    streams = []
    for handler in root.handlers + app.logger.handlers:
        if isinstance(handler, logging.StreamHandler) and handler is not default_handler:
            handler.setStream(stream := io.StringIO())
            streams.append(stream)
    # Flask's own handler, which writes to the request's wsgi.errors: under gunicorn, its error log.
    app.logger.addHandler(default_handler)
    streams.append(io.StringIO())  # the requests below send it as their wsgi.errors
    _refuse_at_the_database(app)
    yield streams
    _undo_refusals(app)
    app.logger.removeHandler(default_handler)
    app.testing = True
    root.handlers[:] = before
    root.setLevel(saved_level)


def test_a_write_refused_by_the_database_logs_no_name_phone_or_address(app, client, world, caplog,
                                                                       production_logging):
    caplog.set_level(logging.DEBUG)
    headers = world.login(client, world.official)
    household = household_change(world.a1, head_name=HEAD, phone=PHONE.replace(" ", ""), address=ADDRESS)
    errors = production_logging[-1]

    def push_logged(*changes):
        return client.post("/api/v1/sync/push", headers=headers, errors_stream=errors,
                           json={"batch_id": new_id(), "schema_version": 1, "changes": list(changes)})

    assert push_logged(household).status_code == 500
    kept = household_change(world.a1)
    assert [r["status"] for r in push(client, headers, kept).get_json()["results"]] == ["applied"]
    visit = {"table": "visits", "op": "upsert", "id": new_id(), "base_version": 0,
             "data": {"household_id": kept["id"], "started_at": "2026-11-20T09:00:00+07:00", "status": "met",
                      "notes": f"{RESIDENT}, {PHONE}, {ADDRESS}", "assists": []}}
    assert push_logged(visit).status_code == 500
    # Both failures were logged, with what went wrong, through Flask and through the app's own handler.
    failures = [r for r in caplog.records if r.exc_info and r.getMessage().startswith("Exception on /api/v1/sync/push")]
    assert len(failures) == 2
    gunicorn = errors.getvalue()
    assert gunicorn.count("Exception on /api/v1/sync/push") == 2 and "Traceback" in gunicorn
    logged = caplog.text + "".join(s.getvalue() for s in production_logging)
    assert "Traceback" in logged and ("household refused" in logged or "RuntimeError" in logged)
    assert "no_names" in logged  # the constraint is named: the log still says what failed
    for record in caplog.records:
        logged += str(record.args) + str(record.exc_info[1] if record.exc_info else "")
        error = record.exc_info[1] if record.exc_info else None
        while error is not None:  # every error chained to it, as a traceback prints them
            logged += repr(error.args)
            error = error.__cause__ or error.__context__
    for secret in (HEAD, RESIDENT, PHONE, PHONE.replace(" ", ""), ADDRESS, "Failing row"):
        assert secret not in logged, secret
