"""The audit log: who read or exported residents' personal data, and who changed accounts, devices and targets.

An *audit row* (models.AuditLog) says who (the logged-in user, or the user a command acts for), when, from where
(the client's address, and the device when the request came with a token), what (the action and its detail) and to
what (the target, such as "commune:3"). It never holds the personal data itself: `detail` takes ids, counts, flags,
dates and filter values only, and record() refuses a text that is not a short token of letters, digits and
`_.:-`, so that a name, a phone with spaces or an address cannot slip in by mistake.

*Actions* recorded here and their detail are listed in ACTIONS; the dashboard's audit page offers them as a filter.
"""
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import g, has_request_context, request
from sqlalchemy import func, select

from shared.sorting import vi_key

from .extensions import db
from .models import AuditLog, User

ACTIONS = (
    # Views and exports of residents' names and phones (or of the pages that would show them to another role)
    "view_never_reached", "view_follow_ups", "view_conflicts", "export", "export_audit",
    "api_records", "api_work_list", "pull_from_zero",
    # Accounts, devices, targets, imports, conflicts (some recorded by other modules with the same names)
    "create_user", "set_target", "reset_password", "password_reset", "resolve_conflict", "import_households",
    "import_started", "import_finished", "login", "logout", "revoke_device", "device_revoked", "device_erased",
    "set_active", "user_disabled", "user_enabled", "role_changed", "view_residents", "set_min_age",
    # Areas (server/admin/areas.py)
    "rename_area", "merge_area", "retire_area",
    "view_map",
    "view_household",
)
_TOKEN = re.compile(r"[A-Za-z0-9_.:+-]{0,64}")
"""A text allowed in `detail`: an id, a table or topic name, an ISO date or time, a role; never a name (spaces and
letters with diacritics are refused) and never a phone written with spaces."""
_PHONE = re.compile(r"\+?\d{8,15}")
"""A text of 8 or more digits is refused too: a phone written without spaces (ids are numbers or UUIDs)."""


class PersonalDataRefused(ValueError):
    """A value of `detail` that could be personal data: a bug of the caller, raised before anything is written."""


def record(action: str, *, by_user_id: int | None = None, target: str | None = None, **detail) -> AuditLog:
    """Add one audit row to the current transaction (the caller commits it with its own work).

    `by_user_id` is for work done outside a request (the CLI, an import job): in a request the logged-in user is
    taken. `target` names what the action was done to ("commune:3", "user:12", "household:<uuid>").
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action: {action}")
    _check(detail)
    if target is not None:
        _check({"target": target})
    user, device, address = None, None, None
    if has_request_context():
        user, device, address = g.get("user"), g.get("device"), request.remote_addr
    row = AuditLog(action=action, detail=detail, target=target, address=address,
                   user_id=by_user_id if by_user_id is not None else (user.id if user is not None else None),
                   device_id=device.id if device is not None else None)
    db.session.add(row)
    return row


def _check(value, where: str = "detail") -> None:
    if value is None or isinstance(value, (bool, int, float)):
        return
    if isinstance(value, (date, datetime)):
        raise PersonalDataRefused(f"{where}: write {value!r} as an ISO text")  # JSON has no dates
    if isinstance(value, str):
        if not _TOKEN.fullmatch(value) or _PHONE.fullmatch(value):
            raise PersonalDataRefused(f"{where}: not an id, a count or a filter value")
        return
    if isinstance(value, (list, tuple)):
        for item in value:
            _check(item, where)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            _check(str(key), where)
            _check(item, f"{where}.{key}")
        return
    raise PersonalDataRefused(f"{where}: a {type(value).__name__} is not audit detail")


# --- Reading the log (the admins' audit page and its exports) --------------------------------------------------

@dataclass(frozen=True)
class Query:
    """What the audit page asks for: an action, a user, local days from and to (each may be None)."""
    action: str | None = None
    user_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None


def _where(query: Query, tz: str) -> list:
    zone = ZoneInfo(tz)
    where = []
    if query.action is not None:
        where.append(AuditLog.action == query.action)
    if query.user_id is not None:
        where.append(AuditLog.user_id == query.user_id)
    if query.date_from is not None:  # days are the commune's local days; rows are stored in UTC
        where.append(AuditLog.at >= datetime.combine(query.date_from, time(), zone))
    if query.date_to is not None:
        where.append(AuditLog.at < datetime.combine(query.date_to + timedelta(days=1), time(), zone))
    return where


def entries(query: Query, tz: str, offset: int = 0, limit: int = 50) -> tuple[list[dict], int]:
    """The rows that match, newest first, with their user's username and role, and how many match in all."""
    where = _where(query, tz)
    total = db.session.execute(select(func.count()).select_from(AuditLog).where(*where)).scalar_one()
    rows = db.session.execute(
        select(AuditLog, User.username, User.role).outerjoin(User, User.id == AuditLog.user_id).where(*where)
        .order_by(AuditLog.at.desc(), AuditLog.id.desc()).offset(offset).limit(limit))
    return [{"id": row.id, "at": row.at, "user_id": row.user_id, "username": username, "role": role,
             "action": row.action, "target": row.target, "detail": row.detail or {}, "address": row.address,
             "device_id": row.device_id} for row, username, role in rows], total


def users_in_log() -> list[tuple[int, str]]:
    """(id, username) of every user with a row in the log, for the page's filter."""
    rows = db.session.execute(
        select(User.id, User.username).where(User.id.in_(select(AuditLog.user_id).distinct()))).all()
    return sorted(((id_, username) for id_, username in rows), key=lambda r: (vi_key(r[1]), r[0]))


def actions_in_log() -> list[str]:
    """The known actions and any other found in the log (rows written before an action got its name here)."""
    found = set(db.session.execute(select(AuditLog.action).distinct()).scalars())
    return list(ACTIONS) + sorted(found - set(ACTIONS))


def detail_text(detail: dict) -> str:
    """The detail as one line, "key=value" each, for the page and the exports."""
    return ", ".join(f"{key}={_text(value)}" for key, value in sorted(detail.items()) if value not in (None, {}))


def _text(value) -> str:
    if isinstance(value, (list, tuple)):
        return "[" + " ".join(_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + detail_text(value) + "}"
    return str(value).lower() if isinstance(value, bool) else str(value)
