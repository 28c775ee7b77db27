"""Deny by default: every endpoint states who may call it, or nobody can.

An *access rule* is set on a view by one of the decorators below. A request to an endpoint without one is refused
with 403 before the view runs, and tests/server/test_access.py walks `app.url_map` so that an endpoint added without
a rule fails the suite.
- `token(*roles)`: the API. The caller shows `Authorization: Bearer <token>` of a live device of an active user.
- `session(*roles)`: the dashboard pages. The caller has logged in through the login page, and its session is
  still on the server (auth/sessions.py).
- `public`: anyone (login, the OpenAPI document, static files).
"""
import hashlib
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, g, redirect, request, session as flask_session, url_for
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from .errors import ApiError
from .extensions import db
from .models import Device, User, utcnow

SEEN_EVERY = timedelta(seconds=60)


@dataclass(frozen=True)
class Rule:
    via: str
    roles: tuple = ()


def _mark(rule: Rule):
    def decorate(view):
        view.access_rule = rule
        return view
    return decorate


def token(*roles: str):
    return _mark(Rule("token", roles))


def session(*roles: str):
    return _mark(Rule("session", roles))


def public(view):
    view.access_rule = Rule("public")
    return view


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def rule_of(endpoint: str | None) -> Rule | None:
    # Static files and flask-smorest's OpenAPI document are registered by Flask and flask-smorest, not by us.
    if endpoint == "static" or endpoint.endswith(".static") or endpoint.startswith("api-docs."):
        return Rule("public")
    view = current_app.view_functions.get(endpoint) if endpoint else None
    return getattr(view, "access_rule", None)


def enforce():
    """before_request: authenticate the caller and apply the endpoint's rule."""
    if request.endpoint is None:
        return None  # 404 or 405: Flask answers them
    failure = getattr(flask_session, "failure", None)
    if failure is not None:
        raise failure  # the session's database did not answer: 503, not a logout
    rule = rule_of(request.endpoint)
    if rule is None:
        raise ApiError(403, "This endpoint has no access rule.")
    if rule.via == "token":
        _authenticate_token()
    elif rule.via == "session":
        if not _authenticate_session():
            return redirect(url_for("dashboard.login", next=request.full_path))
    if rule.via != "public" and g.user.role not in rule.roles:
        raise ApiError(403, "Your role may not do this.")
    return None


# With its user in the same query, one round trip less per request; built once, as building it cost more than
# running it.
_DEVICE_OF_TOKEN = select(Device).options(joinedload(Device.user)).where(Device.token_hash == bindparam("token_hash"))


ERASED_ENDPOINT = "auth.erased"
"""The one endpoint an erase-pending device's token reaches."""


def _authenticate_token():
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        raise ApiError(401, "Log in first.")
    device = db.session.execute(_DEVICE_OF_TOKEN, {"token_hash": hash_token(header[7:].strip())}).scalar_one_or_none()
    if device is None:
        raise ApiError(401, "Your session has ended: log in again.")
    claimed = request.headers.get("X-Device-Id")
    if claimed and claimed.lower() != device.id:
        raise ApiError(403, "This token belongs to another device.", {"X-Device-Id": ["Does not match the token."]})
    # Before expiry and the user's state: a tablet told to erase must hear it however old its token is.
    if device.erase_requested_at is not None:
        if request.endpoint != ERASED_ENDPOINT:
            raise ApiError(401, "This tablet must erase its data: log in again after the erase.",
                           {"reason": [device.erase_reason or "revoked"]}, code="erase_required")
        g.device, g.user = device, device.user
        return
    now = utcnow()
    max_age = timedelta(days=current_app.config["TOKEN_MAX_AGE_DAYS"])
    if device.revoked_at is not None or not device.user.active or now - device.created_at > max_age:
        raise ApiError(401, "Your session has ended: log in again.")
    if device.last_seen_at is None or now - device.last_seen_at > SEEN_EVERY:
        device.last_seen_at = now
        db.session.commit()
    g.device, g.user = device, device.user


def _authenticate_session() -> bool:
    """The session's user, from its server-side row (auth/sessions.py): the cookie names no user."""
    from .auth import sessions

    user_id = getattr(flask_session, "user_id", None)
    user = db.session.get(User, user_id) if user_id else None
    if user is None or not user.active:
        sessions.end()
        return False
    sessions.touch()
    g.user = user
    return True
