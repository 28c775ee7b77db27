"""Fixtures for every server test: each runs on SQLite and on a real PostgreSQL, on a fresh database.

PostgreSQL is found at TEST_DATABASE_URL (default: the local server with trust auth, database `test`). Each test
gets a schema of its own there, dropped afterwards. Where no server answers, the PostgreSQL half of each test is
skipped with the reason, except under CI (DOORSTEP_REQUIRE_PG=1), where it fails.
"""
import os
import uuid

import pytest
from sqlalchemy import create_engine, text

from server import create_app
from server.admin import service as admin
from server.config import TestConfig
from server.extensions import db
from server.ledger import ensure_counter
from shared.ids import new_id

PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
_pg_error: list = []


def _pg_unreachable() -> str | None:
    if not _pg_error:
        try:
            engine = create_engine(PG_URL, connect_args={"connect_timeout": 3})
            with engine.connect():
                pass
            engine.dispose()
            _pg_error.append(None)
        except Exception as exc:  # any failure to connect means "not reachable here"
            _pg_error.append(f"PostgreSQL not reachable at {PG_URL}: {exc.__class__.__name__}: {exc}"[:300])
    return _pg_error[0]


def _require_pg():
    reason = _pg_unreachable()
    if reason:
        if os.environ.get("DOORSTEP_REQUIRE_PG") == "1":
            pytest.fail(reason)
        pytest.skip(reason)


def _empty_database(kind: str, tmp_path):
    """A URL of a new, empty database of `kind`, and a function that drops it."""
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'doorstep.db'}", lambda: None
    _require_pg()
    schema = "t_" + uuid.uuid4().hex[:12]
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()

    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options=-csearch_path%3D{schema}", drop


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """A new, empty database (no tables) on each backend."""
    url, drop = _empty_database(request.param, tmp_path)
    yield url
    drop()


def make_app(url: str, **overrides):
    return create_app({**{k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()},
                       "SQLALCHEMY_DATABASE_URI": url, **overrides})


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend_app(request, tmp_path_factory):
    """One app per backend for the session, with its tables; `app` empties them before each test."""
    url, drop = _empty_database(request.param, tmp_path_factory.mktemp(request.param))
    app = make_app(url)
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    drop()


def _empty_tables():
    # DELETE, not TRUNCATE: on tables this small it is much quicker, on both backends.
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def app(backend_app):
    """The backend's app on a fresh, empty database; config changes made by a test are undone after it."""
    config = dict(backend_app.config)
    with backend_app.app_context():
        _empty_tables()
        ensure_counter()
        db.session.remove()
    yield backend_app
    backend_app.config.clear()
    backend_app.config.update(config)


@pytest.fixture
def client(app):
    return app.test_client()


class World:
    """A province with two communes; commune A has villages A1, A2, A3 and commune B has B1. Users of each role."""

    PASSWORD = "mật-khẩu-thử-1"

    def __init__(self, app):
        self.app = app
        with app.app_context():
            province = self._area("province", "Thừa Thiên Huế", None)
            self.commune_a = self._area("commune", "Phong Phú", province)
            self.commune_b = self._area("commune", "Nam Đông", province)
            self.a1 = self._area("village", "Thôn Đông", self.commune_a)
            self.a2 = self._area("village", "Thôn Tây", self.commune_a)
            self.a3 = self._area("village", "Thôn Bắc", self.commune_a)
            self.b1 = self._area("village", "Thôn Hạ", self.commune_b)
            self.official = self._user("official", self.commune_a, [self.a1, self.a2])
            self.official2 = self._user("official", self.commune_a, [self.a3])
            self.official_b = self._user("official", self.commune_b, [self.b1])
            self.leader = self._user("leader", self.commune_a)
            self.leader_b = self._user("leader", self.commune_b)
            self.admin = self._user("admin", None)
            db.session.commit()

    def _area(self, level, name, parent):
        return admin.create_area(level, name, parent, commit=False).id

    def _user(self, role, commune, villages=()):
        username = f"{role}{uuid.uuid4().hex[:6]}"
        admin.create_user(username, "Trần Thị Hoa", role, self.PASSWORD, commune, villages, commit=False)
        return username

    def login(self, client, username, device_id=None) -> dict:
        """Log a new device in and return the headers of its requests."""
        device_id = device_id or new_id()
        reply = client.post("/api/v1/auth/login", json={"username": username, "password": self.PASSWORD,
                                                        "device_id": device_id, "device_label": "Tab A8"})
        assert reply.status_code == 200, reply.get_json()
        return {"Authorization": "Bearer " + reply.get_json()["token"], "X-Device-Id": device_id,
                "X-App-Version": "test", "X-Schema-Version": "1"}


@pytest.fixture
def world(app):
    return World(app)


@pytest.fixture
def live_server(app):
    """The app behind a real threaded HTTP server on 127.0.0.1; yields its base URL."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


def household_change(village_id, **data):
    data = {"village_id": village_id, "address": "Số 7, kiệt 12", "head_name": "Nguyễn Văn Ánh", **data}
    return {"table": "households", "op": "upsert", "id": data.pop("id", None) or new_id(), "base_version": 0,
            "data": data}


def visit_change(household_id, **data):
    data = {"household_id": household_id, "started_at": "2026-11-20T09:00:00+07:00", "status": "met",
            "notes": "Hướng dẫn cài VNeID", "assists": [{"topic": "vneid_account", "outcome": "done"}], **data}
    return {"table": "visits", "op": "upsert", "id": data.pop("id", None) or new_id(), "base_version": 0,
            "data": data}


def push(client, headers, *changes, batch_id=None):
    """POST one batch; returns the reply."""
    return client.post("/api/v1/sync/push", headers=headers,
                       json={"batch_id": batch_id or new_id(), "schema_version": 1, "changes": list(changes)})
