"""Configuration from the environment, with embedded defaults that run the demo on SQLite."""
import os
import tempfile


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-change-me")
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
    TOKEN_MAX_AGE_DAYS = int(os.environ.get("TOKEN_MAX_AGE_DAYS", 180))
    TIMEZONE = os.environ.get("DOORSTEP_TIMEZONE", "Asia/Ho_Chi_Minh")
    # `doorstep purge` deletes tombstones and batch receipts older than this many days; a device whose cursor is
    # behind what it purged gets 410 reset_required. A tablet offline for longer may have to pull again.
    TOMBSTONE_HORIZON_DAYS = int(os.environ.get("TOMBSTONE_HORIZON_DAYS", 365))
    # Failed logins within LOGIN_LOCK_MINUTES after which a username, or an address, is refused (429) until then.
    LOGIN_FAILURES_PER_USER = int(os.environ.get("LOGIN_FAILURES_PER_USER", 5))
    LOGIN_FAILURES_PER_ADDRESS = int(os.environ.get("LOGIN_FAILURES_PER_ADDRESS", 30))
    LOGIN_LOCK_MINUTES = int(os.environ.get("LOGIN_LOCK_MINUTES", 15))
    # Behind nginx, the proxies in front that set X-Forwarded-For (and -Proto): the client's address is then theirs.
    PROXY_HOPS = int(os.environ.get("PROXY_HOPS", 0))
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
