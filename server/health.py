"""Health and upgrades: /healthz, /readyz, the worker's heartbeat, and the guard that keeps a release from serving
a database that is behind its migrations.

Terms:
- the *code's head* is the newest Alembic revision of this release (server/migrations), read once per process;
- the database is *at head* when alembic_version holds it; *behind* when it holds an older revision of this
  release (`doorstep upgrade` has not run yet); *ahead* when it holds a revision this release does not know (a
  newer release migrated it: migrations are expand-then-contract, so this release still works on it, docs/deploy.md);
  *unmanaged* when it has no alembic_version (made by create_all, as the tests do: the models' own schema);
- the *guard* (before_request) answers every request but these two endpoints and static files with 503 and
  Retry-After while the database is behind: the tablet waits as if offline, the dashboard shows its "temporarily
  unavailable" page. What it read is kept SCHEMA_CHECK_SECONDS per process (not a query per request);
- the *heartbeat* is a row of `worker_heartbeats` that `doorstep worker` writes every HEARTBEAT_SECONDS; /readyz
  counts the worker as seen while the row is younger than WORKER_STALE_SECONDS.
"""
import os
import threading
import time
from datetime import datetime, timedelta

from flask import Blueprint, Flask, current_app, jsonify, request
from sqlalchemy import String, inspect, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from . import access, migrating
from .errors import RETRY_AFTER_SECONDS, _page, json_error, wants_json
from .extensions import db
from .models import UTCDateTime, utcnow

HEARTBEAT_SECONDS = 30
WORKER_STALE_SECONDS = 120
UNGUARDED = {"health.healthz", "health.readyz", "static"}

bp = Blueprint("health", __name__)


class WorkerHeartbeat(db.Model):
    """When a worker process (by name: `worker`) last said it was alive."""
    __tablename__ = "worker_heartbeats"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime)


def init_app(app: Flask) -> None:
    """The guard (before every other before_request) and the two endpoints."""
    app.config.setdefault("SCHEMA_CHECK_SECONDS", float(os.environ.get("SCHEMA_CHECK_SECONDS", 5)))
    app.before_request(guard)
    app.register_blueprint(bp)


# --- the schema ---
_heads: dict = {}


def code_revisions() -> tuple[frozenset, frozenset]:
    """(heads, every revision) of this release's migrations, read once per process (without Alembic: see
    server/migrating.py)."""
    if not _heads:
        _heads["heads"], _heads["all"] = migrating.revisions()
    return _heads["heads"], _heads["all"]


def schema_state() -> str:
    """head, behind, ahead or unmanaged (see the module's terms); raises the driver's error when the database is
    down."""
    heads, known = code_revisions()
    with db.engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return "unmanaged"
        stored = set(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
    if stored - known:
        return "ahead"
    return "head" if stored == heads else "behind"


def cached_state(app: Flask) -> str:
    """schema_state(), read again only after SCHEMA_CHECK_SECONDS (a failure is not kept: the next request asks)."""
    kept = app.extensions.get("doorstep_schema")
    now = time.monotonic()
    if kept is None or now - kept[0] >= app.config["SCHEMA_CHECK_SECONDS"]:
        kept = (now, schema_state())
        app.extensions["doorstep_schema"] = kept
    return kept[1]


UPGRADING = "The server is being upgraded: its database is behind this release. Try again later."


def guard():
    """before_request: 503 with Retry-After while the database is behind the code's migrations."""
    if request.endpoint in UNGUARDED or (request.endpoint or "").endswith(".static"):
        return None
    if cached_state(current_app._get_current_object()) != "behind":
        return None
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if wants_json():
        body, status = json_error(503, UPGRADING)
        body.headers.update(headers)
        return body, status
    return _page(503, "The system is temporarily unavailable: try again in a few minutes.", headers)


# --- the heartbeat ---
def beat(name: str = "worker") -> None:
    """Write `name`'s heartbeat now."""
    with db.engine.begin() as conn:
        insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        statement = insert(WorkerHeartbeat.__table__).values(name=name, seen_at=utcnow())
        conn.execute(statement.on_conflict_do_update(index_elements=["name"],
                                                     set_={"seen_at": statement.excluded.seen_at}))


def start_heartbeat(app: Flask, every: float = HEARTBEAT_SECONDS) -> threading.Event:
    """Beat now and then every `every` seconds in a daemon thread, until the returned event is set. A beat that
    fails (the database restarting) is tried again at the next one."""
    stop = threading.Event()

    def loop():
        while not stop.is_set():
            try:
                with app.app_context():
                    beat()
            except Exception:  # the database is away: /readyz says so, and the next beat tries again
                pass
            stop.wait(every)

    threading.Thread(target=loop, name="doorstep-heartbeat", daemon=True).start()
    return stop


def worker_state(app: Flask) -> str:
    """ok, stale (no beat for WORKER_STALE_SECONDS), never, or not_used (jobs run inside the caller)."""
    if (app.config.get("JOB_QUEUE_URL") or "").startswith("immediate:"):
        return "not_used"
    seen = db.session.execute(select(WorkerHeartbeat.seen_at).where(WorkerHeartbeat.name == "worker")).scalar()
    if seen is None:
        return "never"
    return "ok" if utcnow() - seen < timedelta(seconds=WORKER_STALE_SECONDS) else "stale"


# --- the endpoints ---
@bp.route("/healthz")
@access.public
def healthz():
    """The process is alive and answers: no database, no personal data."""
    reply = jsonify(status="ok")
    reply.headers["Cache-Control"] = "no-store"  # a proxy's cached "ok" would hide a dead process
    return reply


@bp.route("/readyz")
@access.public
def readyz():
    """Ready to serve: the database answers, its schema is at head (or ahead), the job worker beat recently."""
    app = current_app._get_current_object()
    checks = {"database": "ok", "schema": None, "worker": None}
    try:
        db.session.execute(text("SELECT 1"))
        checks["schema"] = schema_state()
        checks["worker"] = worker_state(app)
    except Exception:  # refused, gone, pool exhausted: that is the answer, not an error
        checks["database"] = "unreachable"
    finally:
        try:
            db.session.rollback()
        except Exception:
            pass
    ready = (checks["database"] == "ok" and checks["schema"] in ("head", "ahead", "unmanaged")
             and checks["worker"] in ("ok", "not_used"))
    reply = jsonify(status="ready" if ready else "not_ready", checks=checks)
    reply.headers["Cache-Control"] = "no-store"
    if not ready:
        reply.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return reply, 200 if ready else 503
