"""Configuration from the environment, with embedded defaults that run the demo on SQLite.

The *embedded* setup is the one without DATABASE_URL: a SQLite file in the instance folder, as `make demo` and
`doorstep run` use it. There, without SECRET_KEY, a random key is made once and kept in the instance folder
(`instance/secret_key`). Anywhere else (DATABASE_URL set: production) the app refuses to start without a SECRET_KEY
of its own: not empty, not one of REPOSITORY_KEYS (create_app, server/__init__.py).
"""
import os
import tempfile

REPOSITORY_KEYS = frozenset({"dev-only-change-me", "change-me", "..."})
"""Keys that were, or look like, defaults written in this repository or its docs: known to anyone."""


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY")
    # None means a SQLite file in the instance folder; create_app fills it in.
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", 4 * 1024 * 1024))
    # The largest household list the import page takes (its route alone accepts a body this large), and its most
    # rows. Uploads wait in UPLOAD_FOLDER (default: the instance folder's uploads/) until their job has run.
    IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", 20 * 1024 * 1024))
    IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", 200_000))
    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER")
    # The job queue (server/jobs.py): unset is SQLite in the instance folder; production sets redis://...
    JOB_QUEUE_URL = os.environ.get("JOB_QUEUE_URL")
    JOB_QUEUE_NAME = os.environ.get("JOB_QUEUE_NAME", "doorstep")
    # werkzeug's scrypt with its default cost (n=2**15, r=8, p=1).
    PASSWORD_HASH = "scrypt"
    # The shortest password a person may set (auth/passwords.py also asks zxcvbn for a score of 3 of 4).
    PASSWORD_MIN_LENGTH = int(os.environ.get("PASSWORD_MIN_LENGTH", 10))
    TOKEN_MAX_AGE_DAYS = int(os.environ.get("TOKEN_MAX_AGE_DAYS", 180))
    TIMEZONE = os.environ.get("DOORSTEP_TIMEZONE", "Asia/Ho_Chi_Minh")
    # What the "Connect a tablet" page's QR code tells tablets (dashboard/connect.py): the server's public address
    # (default: the address the page was reached at) and the SHA-256 of its certificate when tablets pin it.
    TABLET_SERVER_URL = os.environ.get("DOORSTEP_PUBLIC_URL")
    TABLET_CERT_SHA256 = os.environ.get("DOORSTEP_CERT_SHA256")
    # `doorstep purge` deletes tombstones and batch receipts older than this many days; a device whose cursor is
    # behind what it purged gets 410 reset_required. A tablet offline for longer may have to pull again.
    TOMBSTONE_HORIZON_DAYS = int(os.environ.get("TOMBSTONE_HORIZON_DAYS", 365))
    # Failed logins within LOGIN_LOCK_MINUTES after which a username from one address (PER_USER), or an address
    # whatever the username (PER_ADDRESS), is refused (429) until then (auth/throttle.py).
    LOGIN_FAILURES_PER_USER = int(os.environ.get("LOGIN_FAILURES_PER_USER", 5))
    LOGIN_FAILURES_PER_ADDRESS = int(os.environ.get("LOGIN_FAILURES_PER_ADDRESS", 30))
    LOGIN_LOCK_MINUTES = int(os.environ.get("LOGIN_LOCK_MINUTES", 15))
    # Behind nginx, the proxies in front that set X-Forwarded-For (and -Proto): the client's address is then theirs.
    PROXY_HOPS = int(os.environ.get("PROXY_HOPS", 0))
    # A dashboard session ends after this long without a request, and this long after its login (auth/sessions.py).
    DASHBOARD_SESSION_IDLE_MINUTES = int(os.environ.get("DASHBOARD_SESSION_IDLE_MINUTES", 8 * 60))
    DASHBOARD_SESSION_HOURS = int(os.environ.get("DASHBOARD_SESSION_HOURS", 24))
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "0") == "1"

    API_TITLE = "Doorstep"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test"
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    # Still scrypt, at a cost that keeps the suite quick; never use it in production.
    PASSWORD_HASH = "scrypt:1024:8:1"
    # Pages driven through Flask's test client run their import at once; tests of the worker start a real one.
    JOB_QUEUE_URL = "immediate:"
    UPLOAD_FOLDER = os.path.join(tempfile.gettempdir(), "doorstep-test-uploads")
