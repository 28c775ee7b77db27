"""Failed logins slow down guessing: after too many failures for one username, or from one address, within the
lock window, logins from them are refused with 429 until the window has passed.

Terms:
- a *key* is what failures are counted against: `user:<username, lowercased>` or `addr:<remote address>`, stored as
  a sha256 so that a password typed into the username field is never stored;
- the *window* is LOGIN_LOCK_MINUTES: failures older than it no longer count, and are deleted.
The check runs before the password is looked at, the same for a username that exists and one that does not, so
neither the answer nor its timing tells them apart. A successful login clears its username's failures.
"""
import hashlib
import math
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from ..extensions import db
from ..models import LoginFailure, utcnow


class TooManyFailures(Exception):
    """Logins from this username or address are refused for `retry_after` more seconds."""

    def __init__(self, retry_after: int):
        super().__init__(retry_after)
        self.retry_after = retry_after

    @property
    def minutes(self) -> int:
        """The wait in whole minutes, rounded up, for the message."""
        return -(-self.retry_after // 60)


def keys(username: str, address: str | None) -> dict[str, str]:
    """The hashed keys of a login attempt, by kind."""
    digest = lambda text: hashlib.sha256(text.encode()).hexdigest()  # noqa: E731
    return {"user": digest("user:" + username.strip().lower()), "addr": digest("addr:" + (address or "-"))}


def check(username: str, address: str | None) -> None:
    """Raise TooManyFailures when the username or the address has used up its failures within the window."""
    config, now = current_app.config, utcnow()
    window = timedelta(minutes=config["LOGIN_LOCK_MINUTES"])
    limits = {"user": config["LOGIN_FAILURES_PER_USER"], "addr": config["LOGIN_FAILURES_PER_ADDRESS"]}
    for kind, key in keys(username, address).items():
        count, oldest = db.session.execute(
            select(func.count(), func.min(LoginFailure.at))
            .where(LoginFailure.key == key, LoginFailure.at > now - window)).one()
        if count >= limits[kind]:
            raise TooManyFailures(max(1, math.ceil((oldest + window - now).total_seconds())))


def failed(username: str, address: str | None) -> None:
    """Count a failed login against its username and address; forget failures older than the window."""
    now = utcnow()
    db.session.execute(delete(LoginFailure).where(
        LoginFailure.at <= now - timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])))
    db.session.add_all(LoginFailure(key=key, at=now) for key in keys(username, address).values())
    db.session.commit()


def succeeded(username: str) -> None:
    """Forget the username's failures: its owner got in."""
    db.session.execute(delete(LoginFailure).where(LoginFailure.key == keys(username, None)["user"]))
    db.session.commit()
