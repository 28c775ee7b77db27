"""Where the field app keeps its data and which server it talks to by default.

The environment overrides the defaults, so tests, benchmarks and a demo can each use a folder of their own:
- DOORSTEP_DATA_DIR: the folder of the per-user databases (default: ~/.doorstep, or the app's private storage);
- DOORSTEP_SERVER: the server the login screen proposes (default: the one baked into the APK, see setup.py, else
  http://127.0.0.1:5000; a server set on the tablet, by QR code or typed, comes before either);
- DOORSTEP_TIMEZONE: the zone that days and "overdue" are counted in (default Asia/Ho_Chi_Minh).
"""
import os
import re
from datetime import timedelta, timezone, tzinfo
from pathlib import Path

DEFAULT_SERVER = "http://127.0.0.1:5000"


def data_dir() -> Path:
    """The folder of the per-user databases, created if missing."""
    path = Path(os.environ.get("DOORSTEP_DATA_DIR") or Path.home() / ".doorstep")
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_server() -> str:
    """The server URL of a store that has none: DOORSTEP_SERVER, else the baked one, else DEFAULT_SERVER."""
    from .setup import baked_site
    return os.environ.get("DOORSTEP_SERVER") or baked_site()["server"] or DEFAULT_SERVER


def db_path(username: str, folder: Path | None = None) -> Path:
    """The database file of one user: one file per user, so two users of a tablet never see each other's data."""
    safe = re.sub(r"[^a-z0-9_.-]", "_", username.strip().lower()) or "_"
    return (folder or data_dir()) / f"user-{safe}.sqlite3"


def key_path(username: str, folder: Path | None = None) -> Path:
    """The key file of one user's database (fieldapp/lock.py), beside it."""
    db = db_path(username, folder)
    return db.with_name(db.name + ".key")


def local_zone() -> tzinfo:
    """The commune's time zone; a fixed +07:00 where the zone database is missing."""
    name = os.environ.get("DOORSTEP_TIMEZONE", "Asia/Ho_Chi_Minh")
    try:
        from zoneinfo import ZoneInfo
        return ZoneInfo(name)
    except Exception:  # no tz database on this device: Vietnam has no summer time, so a fixed offset is exact
        return timezone(timedelta(hours=7))
