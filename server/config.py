"""Configuration from the environment, with embedded defaults that run the demo on SQLite.

The *embedded* setup is the one without DATABASE_URL: a SQLite file in the instance folder, as `make demo` and
`doorstep run` use it. There, without SECRET_KEY, a random key is made once and kept in the instance folder
(`instance/secret_key`). The embedded setup is only for the demo: it needs DOORSTEP_DEMO=1 (`make demo` sets it), so
that an installed copy whose environment was forgotten (cron, a shell without the service's settings) refuses to
start instead of quietly opening an empty SQLite file inside its virtual environment.

Outside the demo the app refuses to start (`problems`, called by create_app; `doorstep config check` prints the same
and the effective settings): no DATABASE_URL; no SECRET_KEY of its own (empty, or one of REPOSITORY_KEYS); a
DOORSTEP_TIMEZONE that is not a zone name (a bare "UTC+7" would start and then fail every overview page); a number
setting that is not a whole number in its range. Each refusal is told in Vietnamese, then in English. A PROXY_HOPS
that does not match the proxies in front can only be seen per request (server/proxies.py).
"""
import os
import tempfile
from typing import Mapping, NamedTuple
from zoneinfo import ZoneInfo

from shared.i18n import N_

REPOSITORY_KEYS = frozenset({"dev-only-change-me", "change-me", "..."})
"""Keys that were, or look like, defaults written in this repository or its docs: known to anyone."""


def _int(name: str, default: int):
    """The environment's value as an int; a value that is not one is kept as text, for `problems` to refuse."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        return int(raw.strip())
    except ValueError:
        return raw


class Config:
    # The embedded demo (no DATABASE_URL: SQLite in the instance folder) is allowed only when this is set.
    DEMO = os.environ.get("DOORSTEP_DEMO") == "1"
    SECRET_KEY = os.environ.get("SECRET_KEY")
    # None means a SQLite file in the instance folder; create_app fills it in.
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")
    # A pooled connection idle longer than this is tried before use (server/pool.py), not every one every time.
    POOL_PING_AFTER_SECONDS = 10
    MAX_CONTENT_LENGTH = _int("MAX_CONTENT_LENGTH", 4 * 1024 * 1024)
    # The largest household list the import page takes (its route alone accepts a body this large), and its most
    # rows. Uploads wait in UPLOAD_FOLDER (default: the instance folder's uploads/) until their job has run.
    IMPORT_MAX_BYTES = _int("IMPORT_MAX_BYTES", 20 * 1024 * 1024)
    IMPORT_MAX_ROWS = _int("IMPORT_MAX_ROWS", 200_000)
    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER")
    # The job queue (server/jobs.py): unset is SQLite in the instance folder; production sets redis://...
    JOB_QUEUE_URL = os.environ.get("JOB_QUEUE_URL")
    JOB_QUEUE_NAME = os.environ.get("JOB_QUEUE_NAME", "doorstep")
    # werkzeug's scrypt with its default cost (n=2**15, r=8, p=1).
    PASSWORD_HASH = "scrypt"
    # The shortest password a person may set (auth/passwords.py also asks zxcvbn for a score of 3 of 4).
    PASSWORD_MIN_LENGTH = _int("PASSWORD_MIN_LENGTH", 10)
    TOKEN_MAX_AGE_DAYS = _int("TOKEN_MAX_AGE_DAYS", 180)
    TIMEZONE = os.environ.get("DOORSTEP_TIMEZONE", "Asia/Ho_Chi_Minh")
    # What the "Connect a tablet" page's QR code tells tablets (dashboard/connect.py): the server's public address
    # (default: the address the page was reached at) and the SHA-256 of its certificate when tablets pin it.
    TABLET_SERVER_URL = os.environ.get("DOORSTEP_PUBLIC_URL")
    TABLET_CERT_SHA256 = os.environ.get("DOORSTEP_CERT_SHA256")
    # `doorstep purge` deletes tombstones and batch receipts older than this many days; a device whose cursor is
    # behind what it purged gets 410 reset_required. A tablet offline for longer may have to pull again.
    TOMBSTONE_HORIZON_DAYS = _int("TOMBSTONE_HORIZON_DAYS", 365)
    # Failed logins within LOGIN_LOCK_MINUTES after which a username from one address (PER_USER), or an address
    # whatever the username (PER_ADDRESS), is refused (429) until then (auth/throttle.py).
    LOGIN_FAILURES_PER_USER = _int("LOGIN_FAILURES_PER_USER", 5)
    LOGIN_FAILURES_PER_ADDRESS = _int("LOGIN_FAILURES_PER_ADDRESS", 30)
    LOGIN_LOCK_MINUTES = _int("LOGIN_LOCK_MINUTES", 15)
    # Behind nginx, the proxies in front that set X-Forwarded-For (and -Proto): the client's address is then theirs.
    PROXY_HOPS = _int("PROXY_HOPS", 0)
    # A dashboard session ends after this long without a request, and this long after its login (auth/sessions.py).
    DASHBOARD_SESSION_IDLE_MINUTES = _int("DASHBOARD_SESSION_IDLE_MINUTES", 8 * 60)
    DASHBOARD_SESSION_HOURS = _int("DASHBOARD_SESSION_HOURS", 24)
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


# Every setting read from the environment: (variable, config key, secret). `doorstep config check` prints them in this
# order, and docs/install.md's table lists each (a test checks it).
SETTINGS = (
    ("DATABASE_URL", "SQLALCHEMY_DATABASE_URI", True), ("SECRET_KEY", "SECRET_KEY", True),
    ("DOORSTEP_DEMO", "DEMO", False), ("DOORSTEP_TIMEZONE", "TIMEZONE", False), ("PROXY_HOPS", "PROXY_HOPS", False),
    ("SESSION_COOKIE_SECURE", "SESSION_COOKIE_SECURE", False),
    ("LOGIN_FAILURES_PER_USER", "LOGIN_FAILURES_PER_USER", False),
    ("LOGIN_FAILURES_PER_ADDRESS", "LOGIN_FAILURES_PER_ADDRESS", False),
    ("LOGIN_LOCK_MINUTES", "LOGIN_LOCK_MINUTES", False), ("PASSWORD_MIN_LENGTH", "PASSWORD_MIN_LENGTH", False),
    ("DASHBOARD_SESSION_IDLE_MINUTES", "DASHBOARD_SESSION_IDLE_MINUTES", False),
    ("DASHBOARD_SESSION_HOURS", "DASHBOARD_SESSION_HOURS", False), ("TOKEN_MAX_AGE_DAYS", "TOKEN_MAX_AGE_DAYS", False),
    ("TOMBSTONE_HORIZON_DAYS", "TOMBSTONE_HORIZON_DAYS", False), ("MAX_CONTENT_LENGTH", "MAX_CONTENT_LENGTH", False),
    ("IMPORT_MAX_BYTES", "IMPORT_MAX_BYTES", False), ("IMPORT_MAX_ROWS", "IMPORT_MAX_ROWS", False),
    ("UPLOAD_FOLDER", "UPLOAD_FOLDER", False), ("JOB_QUEUE_URL", "JOB_QUEUE_URL", True),
    ("JOB_QUEUE_NAME", "JOB_QUEUE_NAME", False), ("DOORSTEP_INSTANCE", None, False),
)
# The number settings and the least value each may take.
LEAST = {"PROXY_HOPS": 0, "LOGIN_FAILURES_PER_USER": 1, "LOGIN_FAILURES_PER_ADDRESS": 1, "LOGIN_LOCK_MINUTES": 1,
         "PASSWORD_MIN_LENGTH": 8, "DASHBOARD_SESSION_IDLE_MINUTES": 1, "DASHBOARD_SESSION_HOURS": 1,
         "TOKEN_MAX_AGE_DAYS": 1, "TOMBSTONE_HORIZON_DAYS": 1, "MAX_CONTENT_LENGTH": 1024, "IMPORT_MAX_BYTES": 1024,
         "IMPORT_MAX_ROWS": 1}


class Problem(NamedTuple):
    """A setting the app refuses: `message` is English with {placeholders}; its Vietnamese is in the catalogue."""
    setting: str
    message: str
    values: dict


NO_DATABASE = N_(
    "DATABASE_URL is not set: outside the demo Doorstep does not fall back to a SQLite file. Set it in the "
    "service's environment file (docs/deploy.md), or DOORSTEP_DEMO=1 for the demo.")
BAD_KEY = N_("SECRET_KEY is empty or a default written in the repository: set a long random value of this "
             "installation's own (docs/deploy.md), e.g. python3 -c 'import secrets; print(secrets.token_hex(32))'.")
BAD_ZONE = N_("DOORSTEP_TIMEZONE={value} is not a time zone name: use a name of the IANA time zone database, such as "
              "Asia/Ho_Chi_Minh (not an offset like UTC+7).")
NOT_A_NUMBER = N_("{name}={value} is not a whole number.")
TOO_SMALL = N_("{name}={value} is too small: at least {least}.")


def problems(config: Mapping, embedded: bool) -> list[Problem]:
    """What is wrong with `config` (an app's config, or Config's values), empty when the app may start.

    `embedded`: DATABASE_URL is unset (the SQLite file of the instance folder); allowed only with DEMO.
    """
    found = []
    if embedded and not config.get("DEMO"):
        found.append(Problem("DATABASE_URL", NO_DATABASE, {}))
    key = config.get("SECRET_KEY")
    if not embedded and not (isinstance(key, str) and key.strip() and key not in REPOSITORY_KEYS):
        found.append(Problem("SECRET_KEY", BAD_KEY, {}))
    zone = config.get("TIMEZONE")
    try:
        ZoneInfo(zone)
    except Exception:  # ZoneInfo raises several kinds (not found, not a valid key, a path)
        found.append(Problem("DOORSTEP_TIMEZONE", BAD_ZONE, {"value": zone}))
    for name, least in LEAST.items():
        value = config.get(name)
        if isinstance(value, bool) or not isinstance(value, int):
            found.append(Problem(name, NOT_A_NUMBER, {"name": name, "value": value}))
        elif value < least:
            found.append(Problem(name, TOO_SMALL, {"name": name, "value": value, "least": least}))
    return found


def bilingual(message: str, values: dict | None = None) -> str:
    """`message` in Vietnamese (the dashboard's catalogue), then in English on the next line."""
    from .dashboard.i18n import VI
    values = values or {}
    return VI.get(message, message).format(**values) + "\n  " + message.format(**values)


class ConfigError(RuntimeError):
    """The app refuses to start: every problem, each in Vietnamese then in English."""

    def __init__(self, found: list[Problem]):
        self.problems = found
        lines = [bilingual(HEADER)] + ["- " + bilingual(p.message, p.values) for p in found]
        super().__init__("\n".join(lines))


HEADER = N_("Doorstep refuses to start: its configuration is wrong.")
