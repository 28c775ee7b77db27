"""Safe upgrades (docs/deploy.md, "Upgrade"): the new code refuses to serve a database behind its migrations (503
with Retry-After, which the tablet waits out as if offline), and the previous release still works on the new schema
(migrations are expand-then-contract)."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import event

from fieldapp.store import Store
from fieldapp.sync import ApiClient, Retryable, SyncEngine
from server.errors import RETRY_AFTER_SECONDS
from server.extensions import db
from server.ledger import ensure_counter
from tests.conftest import World, household_change, make_app, push
from tests.fieldapp.conftest import Listener

ROOT = Path(__file__).resolve().parents[2]
PREVIOUS = "b062c39"
"""The release before the migration that drops the visits' foreign keys (main before this change)."""
OLD_HEAD = "d7a3c5e9f1b2"
"""The head before this release's migration (f3c8d2a6b9e1)."""


def migrated(url: str, revision: str = "head", **config):
    app = make_app(url, SCHEMA_CHECK_SECONDS=0, **config)
    with app.app_context():
        upgrade(revision=revision)
        ensure_counter()
        db.session.remove()
    return app


def test_the_new_code_on_the_old_schema_answers_503_until_upgraded(database_url, tmp_path):
    app = migrated(database_url, OLD_HEAD)
    world = World(app)
    client = app.test_client()
    reply = client.post("/api/v1/auth/login", json={"username": world.official, "password": World.PASSWORD,
                                                    "device_id": "0193a000-0000-7000-8000-000000000001"})
    assert reply.status_code == 503 and reply.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert reply.get_json()["error"]["code"] == "unavailable"
    assert "upgraded" in reply.get_json()["error"]["message"]
    for path in ("/api/v1/sync/pull", "/login", "/"):
        assert client.get(path).status_code == 503
    page = client.get("/login")
    assert page.mimetype == "text/html" and "Hệ thống tạm thời gián đoạn" in page.get_data(as_text=True)
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.get_json()["checks"]["schema"] == "behind"

    # The tablet waits, as when offline: nothing of its outbox is lost.
    listener = Listener(app)
    try:
        store = Store(tmp_path / "tablet.db")
        engine = SyncEngine(store, ApiClient(f"http://127.0.0.1:{listener.port}", retries=0))
        store.set_account(token="a-token-from-before")
        store.save_household({"village_id": world.a1, "address": "Số 9", "head_name": "Lê Văn Hải"})
        with pytest.raises(Retryable) as waited:
            engine.run()
        assert waited.value.status == 503 and waited.value.retry_after == RETRY_AFTER_SECONDS
        assert store.pending() == 1 and not store.get_meta("needs_login")
        store.close()
    finally:
        listener.stop()

    with app.app_context():
        upgrade()
    assert client.get("/login").status_code == 200
    assert client.get("/readyz").get_json()["checks"]["schema"] == "head"
    with app.app_context():
        db.engine.dispose()


def test_the_schema_is_read_once_per_interval_not_per_request(database_url):
    app = migrated(database_url)
    app.config["SCHEMA_CHECK_SECONDS"] = 60
    app.extensions.pop("doorstep_schema", None)
    reads = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute",
                     lambda conn, cursor, statement, *rest: reads.append(statement) if "alembic_version" in statement
                     else None)
    client = app.test_client()
    for _ in range(20):
        assert client.get("/login").status_code == 200
    assert len([s for s in reads if s.lstrip().upper().startswith("SELECT VERSION_NUM")]) == 1
    with app.app_context():
        db.engine.dispose()


def test_a_database_ahead_of_the_code_is_served(database_url):
    """A newer release migrated it (expand): this one keeps serving while the upgrade rolls out."""
    app = migrated(database_url)
    with app.app_context():
        db.session.execute(db.text("UPDATE alembic_version SET version_num = 'f0f0f0f0f0f0'"))
        db.session.commit()
    client = app.test_client()
    assert client.get("/login").status_code == 200
    assert client.get("/readyz").get_json()["checks"]["schema"] == "ahead"
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def previous_release(tmp_path_factory):
    """The previous release's tree, checked out in a temporary folder (a detached git worktree), removed after."""
    folder = tmp_path_factory.mktemp("previous") / "tree"
    subprocess.run(["git", "worktree", "add", "--detach", str(folder), PREVIOUS], cwd=ROOT, check=True,
                   capture_output=True)
    yield folder
    subprocess.run(["git", "worktree", "remove", "--force", str(folder)], cwd=ROOT, check=True, capture_output=True)


def test_the_previous_release_works_on_the_new_schema(database_url, previous_release):
    app = migrated(database_url)  # the new release's migrations, to its head
    with app.app_context():
        db.engine.dispose()
    script = Path(__file__).with_name("previous_release.py")
    env = {**os.environ, "PYTHONPATH": str(previous_release)}
    done = subprocess.run([sys.executable, str(script), database_url], cwd=previous_release, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["pushed"] == ["applied", "applied"]
    assert {"areas", "households", "visits"} <= set(seen["pulled"])
    assert {"/", "/communes", "/audit"} <= set(seen["pages"]) and set(seen["pages"].values()) == {200}, seen["pages"]
