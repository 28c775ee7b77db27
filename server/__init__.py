"""Doorstep server: the system of record that the tablets sync with and the leaders' dashboard reads."""
import gc
import os
import secrets

from flask import Flask
from sqlalchemy import event
from sqlalchemy.exc import OperationalError, TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from . import access, compression, headers, inputs, logs, openapi, proxies
from . import health, identity, migrating, pool
from .auth.sessions import ServerSessions
from .config import REPOSITORY_KEYS, Config, ConfigError, problems
from .errors import database_unavailable, http_error
from .extensions import api, db


def create_app(config: type | dict | None = None) -> Flask:
    """Build the app: `config` is a Config class, or a dict of overrides on top of Config."""
    # DOORSTEP_INSTANCE: another instance folder (absolute) for the embedded database and key.
    app = Flask(__name__, instance_relative_config=True, instance_path=os.environ.get("DOORSTEP_INSTANCE") or None)
    app.config.from_object(Config)
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)
    embedded = not app.config.get("SQLALCHEMY_DATABASE_URI")
    if embedded:
        os.makedirs(app.instance_path, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(app.instance_path, "doorstep.db")
    # Outside the demo, a missing or wrong setting stops the start here, in Vietnamese and English (config.py).
    found = [] if app.config.get("TESTING") else problems(app.config, embedded)
    if found:
        raise ConfigError(found)
    _check_secret_key(app, embedded)

    # Values never appear in a database error's text, so no log line carries a name or a phone.
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}),
                                               "hide_parameters": True}
    app.url_map.converters["int"] = inputs.BoundedInt  # before any route is added
    app.session_interface = ServerSessions()
    logs.init_app(app)
    db.init_app(app)
    migrating.init_app(app, db)
    openapi.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", _sqlite_pragmas)
        else:  # a file is not dropped by a server
            pool.init_app(app, db.engine)
        event.listen(db.engine, "handle_error", logs.scrub_database_error)

    compression.init_app(app)
    app.wsgi_app = headers.ReplyHeaders(app.wsgi_app)  # inside ProxyFix: it reads the forwarded scheme
    if app.config["PROXY_HOPS"]:
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    # Outside ProxyFix: it sees the forwarded headers as the proxies sent them (refused when they are too few).
    app.wsgi_app = proxies.ForwardedCheck(app.wsgi_app, app.config["PROXY_HOPS"])
    health.init_app(app)  # its guard first: nothing else reads a database that is behind the code
    _register_blueprints(app)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(OperationalError, database_unavailable)
    app.register_error_handler(PoolTimeout, database_unavailable)
    app.before_request(access.enforce)
    app.before_request(compression.refuse_unknown_encoding)
    app.before_request(inputs.check_json_depth)
    identity.init_app(app)  # its header and 409 on the sync API; the renewal runs in the pull (authenticated, valid)

    from .cli import register_cli
    register_cli(app)
    if not app.config.get("TESTING"):
        _tune_gc()
    return app


GC_THRESHOLD = (20_000, 10, 10)
"""Objects allocated, less those freed, between two runs of CPython's youngest collection (its default is 700)."""


def _tune_gc() -> None:
    """A push of 100 visits allocates about 100,000 objects, and with CPython's defaults its collector ran three times
    a request, going through the app's long-lived objects (routes, schemas, SQLAlchemy's metadata) in its older
    generations: 6% of a push's CPU. What exists once the app is built lives as long as the process, so it is frozen
    out of the collector's reach, and the youngest generation is collected less often. Left as they are in tests,
    where apps come and go in one process."""
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)


def _check_secret_key(app: Flask, embedded: bool) -> None:
    """The embedded demo makes a key once and keeps it; elsewhere config.problems refused a missing or known one."""
    key = app.config.get("SECRET_KEY")
    if app.config.get("TESTING") or (isinstance(key, str) and key.strip() and key not in REPOSITORY_KEYS):
        return
    if not embedded:  # problems() refused it already, except under TESTING
        return
    path = os.path.join(app.instance_path, "secret_key")
    try:
        with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as made:
            made.write(secrets.token_hex(32))
    except FileExistsError:
        pass
    with open(path) as kept:
        app.config["SECRET_KEY"] = kept.read().strip()


def _register_blueprints(app: Flask) -> None:
    from .auth.resources import blp as auth_blp
    from .dashboard import bp as dashboard_bp
    from .households.resources import blp as households_blp
    from .stats.resources import blp as stats_blp
    from .sync.resources import blp as sync_blp

    for blp in (auth_blp, sync_blp, households_blp, stats_blp):
        api.register_blueprint(blp, url_prefix="/api/v1" + blp.url_prefix)
    app.register_blueprint(dashboard_bp)


def _sqlite_pragmas(dbapi_connection, _record):
    # WAL lets the dashboard read while a tablet's batch is written; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    # Checkpoint every 10,000 pages (40 MB of WAL) rather than 1,000: an index page changed by many batches is then
    # copied into the database file once, not at every tenth batch.
    cursor.execute("PRAGMA wal_autocheckpoint=10000")
    cursor.close()
