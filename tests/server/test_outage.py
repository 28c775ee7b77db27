"""A database that does not answer gets 503 with Retry-After (JSON under /api/, a Vietnamese page elsewhere), never
a 500: the tablet then treats the server as offline and retries."""
import socket
import time

import pytest
from sqlalchemy import create_engine, text

from server.errors import RETRY_AFTER_SECONDS
from server.extensions import db
from shared.ids import new_id
from tests.conftest import PG_URL, make_app


def closed_port() -> int:
    """A local port nothing listens on: bound, then released."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(params=["sqlite", "postgresql"])
def down_app(request, tmp_path):
    """An app whose database cannot be reached: a SQLite file in a folder that does not exist, or PostgreSQL on a
    closed port (the real server is left alone)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'gone' / 'doorstep.db'}"
    else:
        url = PG_URL.replace("127.0.0.1:5432", f"127.0.0.1:{closed_port()}")
        assert url != PG_URL, "the PostgreSQL URL of the tests must name 127.0.0.1:5432"
    app = make_app(url, SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"connect_timeout": 2}}
                   if request.param == "postgresql" else {})
    yield app
    with app.app_context():
        db.engine.dispose()


def assert_unavailable_json(reply):
    assert reply.status_code == 503, reply.get_data(as_text=True)[:300]
    assert reply.headers["Retry-After"] == str(RETRY_AFTER_SECONDS) and reply.headers["X-Request-Id"]
    error = reply.get_json()["error"]
    assert error["code"] == "unavailable" and error["message"] and error["fields"] == {}


def test_the_api_answers_503_when_the_database_is_down(down_app):
    client = down_app.test_client()
    assert_unavailable_json(client.post("/api/v1/auth/login", json={"username": "canbo1", "password": "mật-khẩu-1",
                                                                    "device_id": new_id()}))
    headers = {"Authorization": "Bearer abc", "X-Device-Id": new_id()}
    assert_unavailable_json(client.get("/api/v1/sync/pull", headers=headers))
    assert_unavailable_json(client.post("/api/v1/sync/push", headers=headers,
                                        json={"batch_id": new_id(), "schema_version": 1, "changes": []}))
    assert_unavailable_json(client.get("/api/v1/households", headers=headers))


def test_the_dashboard_answers_a_vietnamese_503_page(down_app):
    client = down_app.test_client()
    with down_app.test_request_context():  # the cookie of a logged-in leader: its session is on the server
        client.set_cookie("session", down_app.session_interface.get_signing_serializer(down_app).dumps({"sid": "x"}))
    reply = client.get("/communes/1")
    assert reply.status_code == 503 and reply.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert reply.mimetype == "text/html" and "Hệ thống tạm thời gián đoạn" in reply.get_data(as_text=True)
    reply = client.post("/login", data={"username": "lanhdao", "password": "mật-khẩu-1", "csrf_token": "t"})
    assert reply.status_code == 503 and "thử lại" in reply.get_data(as_text=True)


def test_a_pool_with_no_free_connection_is_503_then_serves_again(database_url):
    """Every connection busy past pool_timeout (a stuck batch, a flood) is a 503 too, and the app recovers."""
    app = make_app(database_url, SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 1, "max_overflow": 0, "pool_timeout": 0.2})
    with app.app_context():
        db.create_all()
        engine = db.engine
    client = app.test_client()
    body = {"username": "canbo1", "password": "mật-khẩu-1", "device_id": new_id()}
    try:
        with engine.connect() as held:
            held.execute(text("SELECT 1"))
            assert_unavailable_json(client.post("/api/v1/auth/login", json=body))
        assert client.post("/api/v1/auth/login", json=body).status_code == 401  # no such user: the database answers
    finally:
        engine.dispose()


def _dropped_by_the_server(app, engine) -> None:
    """The pool's one idle connection ended from the server's side, as a restart or an idle timeout ends it."""
    with app.app_context():
        pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        db.session.commit()
        db.session.remove()  # back to the pool, idle
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
    admin.dispose()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_connection_the_server_dropped_is_replaced_once_it_sat_idle(database_url):
    """server/pool.py: a pooled connection idle past POOL_PING_AFTER_SECONDS is tried first, and a dead one replaced
    before the request sees it; one used a moment ago is not tried (no round trip per request), so that one
    dropped in between fails a single request with 503, and the next one is served."""
    body = {"username": "canbo1", "password": "mật-khẩu-1", "device_id": new_id()}
    app = make_app(database_url, POOL_PING_AFTER_SECONDS=0.2,
                   SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 1, "max_overflow": 0})
    with app.app_context():
        db.create_all()
        engine = db.engine
    client = app.test_client()
    try:
        assert client.post("/api/v1/auth/login", json=body).status_code == 401  # no such user: the database answers
        _dropped_by_the_server(app, engine)
        time.sleep(0.3)
        assert client.post("/api/v1/auth/login", json=body).status_code == 401  # tried, replaced, served
        quick = make_app(database_url, POOL_PING_AFTER_SECONDS=3600,
                         SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 1, "max_overflow": 0})
        quick_client = quick.test_client()
        assert quick_client.post("/api/v1/auth/login", json=body).status_code == 401
        with quick.app_context():
            quick_engine = db.engine
        _dropped_by_the_server(quick, quick_engine)
        assert_unavailable_json(quick_client.post("/api/v1/auth/login", json=body))  # once
        assert quick_client.post("/api/v1/auth/login", json=body).status_code == 401
        quick_engine.dispose()
    finally:
        engine.dispose()
