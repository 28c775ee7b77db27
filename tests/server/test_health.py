"""/healthz and /readyz (docs/deploy.md, "Health checks"), the worker's heartbeat, and the dashboard with its
database down."""
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from server import health
from server.extensions import db
from server.health import WorkerHeartbeat
from server.models import utcnow
from tests.conftest import make_app
from tests.server.test_outage import down_app  # noqa: F401  (the fixture of an app whose database is down)

ROOT = Path(__file__).resolve().parents[2]
DOORSTEP = Path(sys.executable).with_name("doorstep")


def test_healthz_answers_without_the_database(down_app):  # noqa: F811
    client = down_app.test_client()
    reply = client.get("/healthz")
    assert reply.status_code == 200 and reply.get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.headers["Retry-After"]
    assert ready.get_json() == {"status": "not_ready",
                                "checks": {"database": "unreachable", "schema": None, "worker": None}}


def test_the_login_page_and_the_openapi_document_are_503_with_the_database_down(down_app):  # noqa: F811
    client = down_app.test_client()
    page = client.get("/login")
    assert page.status_code == 503 and page.mimetype == "text/html" and page.headers["Retry-After"]
    assert "Hệ thống tạm thời gián đoạn" in page.get_data(as_text=True)
    document = client.get("/api/v1/openapi.json")
    assert document.status_code == 503 and document.get_json()["error"]["code"] == "unavailable"


def test_readyz_counts_the_worker_only_when_it_beat_recently(app, client):
    ready = client.get("/readyz").get_json()
    # The session's database has no Alembic stamp unless an earlier test (`doorstep init-db`) stamped it at head.
    assert ready["checks"].pop("schema") in ("unmanaged", "head")
    assert ready == {"status": "ready", "checks": {"database": "ok", "worker": "not_used"}}  # jobs run in the caller
    app.config["JOB_QUEUE_URL"] = "redis://127.0.0.1:6379/0"
    reply = client.get("/readyz")
    assert reply.status_code == 503 and reply.get_json()["checks"]["worker"] == "never"
    with app.app_context():
        health.beat()
    assert client.get("/readyz").status_code == 200
    with app.app_context():
        db.session.execute(db.update(WorkerHeartbeat).values(seen_at=utcnow() - timedelta(minutes=5)))
        db.session.commit()
    reply = client.get("/readyz")
    assert reply.status_code == 503 and reply.get_json()["checks"]["worker"] == "stale"
    assert client.get("/healthz").headers["Cache-Control"] == client.get("/readyz").headers["Cache-Control"] \
        == "no-store"


def test_the_real_worker_beats(database_url, tmp_path):
    queue = f"sqlite:///{tmp_path / 'jobs.db'}"
    app = make_app(database_url, JOB_QUEUE_URL=queue)
    with app.app_context():
        db.create_all()
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "test-secret", "PYTHONPATH": str(ROOT),
           "JOB_QUEUE_URL": queue, "JOB_QUEUE_NAME": "health_" + tmp_path.name[-8:]}
    client = app.test_client()
    assert client.get("/readyz").get_json()["checks"]["worker"] == "never"
    worker = subprocess.Popen([str(DOORSTEP), "worker"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while client.get("/readyz").status_code != 200:
            assert worker.poll() is None, worker.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, "the worker never beat"
            time.sleep(0.2)
        assert client.get("/readyz").get_json()["checks"]["worker"] == "ok"
    finally:
        worker.send_signal(signal.SIGINT)
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(10)
        with app.app_context():
            db.engine.dispose()


def test_the_revisions_read_without_alembic_are_alembics(tmp_path):
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from server import migrating

    config = Config()
    config.set_main_option("script_location", migrating.DIRECTORY)
    script = ScriptDirectory.from_config(config)
    assert migrating.revisions() == (frozenset(script.get_heads()), frozenset(r.revision for r in script.walk_revisions()))
    # Two heads, as a merge of two branches would have before it: both are heads.
    for name, revision, down in (("a.py", "aaa", None), ("b.py", "bbb", "'aaa'"), ("c.py", "ccc", "'aaa'"),
                                 ("d.py", "ddd", "('bbb', 'ccc')"), ("e.py", "eee", "'bbb'")):
        (tmp_path / name).write_text(f"revision = '{revision}'\ndown_revision = {down}\n")
    assert migrating.revisions(str(tmp_path)) == (frozenset({"ddd", "eee"}),
                                                  frozenset({"aaa", "bbb", "ccc", "ddd", "eee"}))


def test_a_serving_worker_never_loads_alembic_but_flask_db_still_runs(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/d.db", "SECRET_KEY": "s" * 40, "PYTHONPATH": str(ROOT)}
    serving = subprocess.run([sys.executable, "-c", "import sys; from server import create_app; "
                              "app = create_app(); app.test_client().get('/readyz'); "
                              "print(sorted(m for m in sys.modules if m.split('.')[0] in ('alembic', 'mako', "
                              "'flask_migrate')))"], env=env, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert serving.returncode == 0, serving.stderr[-2000:]
    assert serving.stdout.strip().splitlines()[-1] == "[]"
    flask = Path(sys.executable).with_name("flask")
    upgraded = subprocess.run([str(flask), "--app", "server", "db", "upgrade"], env=env, capture_output=True,
                              text=True, timeout=120, cwd=ROOT)
    assert upgraded.returncode == 0, upgraded.stderr[-2000:]
    current = subprocess.run([str(flask), "--app", "server", "db", "current"], env=env, capture_output=True,
                             text=True, timeout=120, cwd=ROOT)
    heads, _ = health.code_revisions()
    assert current.returncode == 0 and set(heads) <= set(current.stdout.split()), current.stdout + current.stderr


def test_a_serving_process_freezes_what_the_app_made_and_collects_less_often(tmp_path):
    """server._tune_gc: in a process that serves (not under TESTING, where apps come and go), the collector's youngest
    generation runs at GC_THRESHOLD, and what the app made is frozen; a test's app leaves the collector alone."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/d.db", "SECRET_KEY": "s" * 40, "PYTHONPATH": str(ROOT)}
    code = ("import gc; from server import create_app; from server.config import TestConfig; "
            "create_app(TestConfig); print(gc.get_threshold(), gc.get_freeze_count()); "
            "create_app(); print(gc.get_threshold(), gc.get_freeze_count() > 10_000)")
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert run.returncode == 0, run.stderr[-2000:]
    tested, serving = run.stdout.strip().splitlines()[-2:]
    assert tested == "(700, 10, 10) 0"
    assert serving == "(20000, 10, 10) True"
