"""Dashboard sessions kept on the server: the cookie carries a random session id and nothing else.

Terms:
- an *anonymous session* is Flask's signed cookie before login: it holds only the login form's CSRF token (and a
  message to show), nothing about any user;
- a *server session* starts at login (`begin`): a new random id (256 bits) goes into the cookie, signed, as
  `{"sid": ...}`; its sha256 names a `dashboard_sessions` row, which holds the user and the session's data. Logging
  out (`end`), a password reset or disabling the user (`end_all`) deletes the rows, so a copied cookie opens nothing
  afterwards; the cookie shows neither the user id nor anything of the password hash.
- a session is *idle* when no request used it for DASHBOARD_SESSION_IDLE_MINUTES, and *old* DASHBOARD_SESSION_HOURS
  after login: either way it is over, and its row is deleted at a later login.
A database that does not answer while a server session is read is kept as the session's `failure`: access.enforce
raises it, so the page is the usual 503 rather than a logout.
"""
import hashlib
import logging
import secrets
from datetime import timedelta

from flask import current_app, session as flask_session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from sqlalchemy import delete, or_, update
from sqlalchemy.exc import OperationalError, TimeoutError as PoolTimeout

from ..extensions import db
from ..models import DashboardSession, utcnow

log = logging.getLogger("doorstep.sessions")
SEEN_EVERY = timedelta(seconds=60)
_UNAVAILABLE = (OperationalError, PoolTimeout)


def _hash(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


class Session(SecureCookieSession):
    """Flask's session dict, plus where it lives: `sid` is None for an anonymous session."""
    sid: str | None = None
    user_id: int | None = None
    seen_at = None
    failure: Exception | None = None
    new_cookie = False


def _limits():
    config = current_app.config
    return (timedelta(minutes=config["DASHBOARD_SESSION_IDLE_MINUTES"]),
            timedelta(hours=config["DASHBOARD_SESSION_HOURS"]))


class ServerSessions(SecureCookieSessionInterface):
    session_class = Session

    def open_session(self, app, request):
        cookie = super().open_session(app, request)
        if cookie is None or "sid" not in cookie:
            return cookie
        sid, session = cookie.get("sid"), Session()
        if not isinstance(sid, str):
            session.modified = True  # not a cookie we wrote: drop it
            return session
        try:
            row = db.session.get(DashboardSession, _hash(sid))
        except _UNAVAILABLE as error:
            session.sid, session.failure = sid, error
            return session
        idle, oldest = _limits()
        now = utcnow()
        if row is None or now - row.last_seen_at > idle or now - row.created_at > oldest:
            session.modified = True  # ended on the server: the browser forgets the cookie
            return session
        session = Session(row.data or {})
        session.sid, session.user_id, session.seen_at = sid, row.user_id, row.last_seen_at
        return session

    def save_session(self, app, session, response):
        if session.failure is not None:
            return  # the database did not answer: leave the browser's cookie as it was
        if session.sid is None:
            return super().save_session(app, session, response)
        if session.accessed:
            response.vary.add("Cookie")
        if session.modified:
            try:
                db.session.execute(update(DashboardSession).where(DashboardSession.id_hash == _hash(session.sid))
                                   .values(data=dict(session)))
                db.session.commit()
            except _UNAVAILABLE as error:
                db.session.rollback()
                log.error("session not saved: %s", error.__class__.__name__)
        if session.new_cookie:
            response.set_cookie(
                self.get_cookie_name(app), self.get_signing_serializer(app).dumps({"sid": session.sid}),
                expires=self.get_expiration_time(app, session), httponly=self.get_cookie_httponly(app),
                domain=self.get_cookie_domain(app), path=self.get_cookie_path(app),
                secure=self.get_cookie_secure(app), samesite=self.get_cookie_samesite(app))
            response.vary.add("Cookie")


def begin(user_id: int, csrf: str) -> None:
    """Start a server session for the user in this request (a new id: nothing made before login carries over);
    sessions that are over are deleted on the way. Committed by the caller."""
    session = flask_session._get_current_object()
    idle, oldest = _limits()
    now = utcnow()
    db.session.execute(delete(DashboardSession).where(or_(DashboardSession.last_seen_at < now - idle,
                                                          DashboardSession.created_at < now - oldest)))
    sid = secrets.token_urlsafe(32)
    db.session.add(DashboardSession(id_hash=_hash(sid), user_id=user_id, data={"csrf": csrf},
                                    created_at=now, last_seen_at=now))
    session.clear()
    session["csrf"] = csrf
    session.sid, session.user_id, session.seen_at, session.new_cookie = sid, user_id, now, True


def end() -> None:
    """End this request's session on the server (logout): the cookie is deleted, and a copy of it opens nothing."""
    session = flask_session._get_current_object()
    if session.sid is not None:
        db.session.execute(delete(DashboardSession).where(DashboardSession.id_hash == _hash(session.sid)))
        db.session.commit()
    session.clear()
    session.sid = session.user_id = None
    session.modified = True


def end_all(user_id: int) -> int:
    """End every dashboard session of the user (password reset, disabled); committed by the caller."""
    return db.session.execute(delete(DashboardSession).where(DashboardSession.user_id == user_id)).rowcount


def touch() -> None:
    """Note that the session was used, at most once a minute: the idle limit counts from here."""
    session = flask_session._get_current_object()
    now = utcnow()
    if session.sid is not None and (session.seen_at is None or now - session.seen_at > SEEN_EVERY):
        db.session.execute(update(DashboardSession).where(DashboardSession.id_hash == _hash(session.sid))
                           .values(last_seen_at=now))
        db.session.commit()
        session.seen_at = now
