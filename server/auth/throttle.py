"""Failed logins slow down guessing: after too many failures for one username from one address, or from one
address whatever the username, within the lock window, logins from there are refused with 429 until the window has
passed.

Terms:
- a *key* is what failures are counted against: `pair:<username, lowercased>\\n<remote address>` or
  `addr:<remote address>`, stored as a sha256 so that a password typed into the username field is never stored.
  There is no key of the username alone: nobody can lock a user out from an address that user never used;
- the *window* is LOGIN_LOCK_MINUTES: failures older than it no longer count, and are deleted;
- a *reservation* is the failure rows an attempt writes, and commits, before its password is looked at. The attempt
  then counts the rows of its keys; it goes on only if the count is within the limits. So a burst of parallel
  attempts cannot all pass a check made before any of them failed: whichever counts last sees every attempt that
  went on before it, and at most the limit go on. A right password takes its reservation back; a wrong one leaves
  it as the failure it is.
The check is made the same way for a username that exists and one that does not, so neither the answer nor its
timing tells them apart. A successful login clears the failures of its username from its address.
"""
import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from ..extensions import db
from ..models import LoginFailure, utcnow


class TooManyFailures(Exception):
    """Logins from this username and address, or from this address, are refused for `retry_after` more seconds."""

    def __init__(self, retry_after: int):
        super().__init__(retry_after)
        self.retry_after = retry_after

    @property
    def minutes(self) -> int:
        """The wait in whole minutes, rounded up, for the message."""
        return -(-self.retry_after // 60)


@dataclass
class Reservation:
    keys: dict[str, str]
    row_ids: list[int]


def keys(username: str, address: str | None) -> dict[str, str]:
    """The hashed keys of a login attempt, by kind."""
    digest = lambda text: hashlib.sha256(text.encode()).hexdigest()  # noqa: E731
    address = address or "-"
    return {"pair": digest("pair:" + username.strip().lower() + "\n" + address), "addr": digest("addr:" + address)}


def _limits() -> dict[str, int]:
    config = current_app.config
    return {"pair": config["LOGIN_FAILURES_PER_USER"], "addr": config["LOGIN_FAILURES_PER_ADDRESS"]}


def _window() -> timedelta:
    return timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])


def _over(attempt_keys: dict[str, str], now: datetime, strict: bool) -> int | None:
    """Seconds to wait if a key has too many rows in the window (strict: more than its limit, else as many), or
    None."""
    window, limits = _window(), _limits()
    for kind, key in attempt_keys.items():
        count, oldest = db.session.execute(
            select(func.count(), func.min(LoginFailure.at))
            .where(LoginFailure.key == key, LoginFailure.at > now - window)).one()
        if count > limits[kind] or (not strict and count >= limits[kind]):
            return max(1, math.ceil((oldest + window - now).total_seconds()))
    return None


def reserve(username: str, address: str | None) -> Reservation:
    """Count this attempt as a failure now, committed, then go on only if that keeps within the limits; raise
    TooManyFailures otherwise (the refused attempt's rows are taken back: it tried no password)."""
    now, attempt_keys = utcnow(), keys(username, address)
    wait = _over(attempt_keys, now, strict=False)  # already shut: no row to write
    if wait is not None:
        db.session.rollback()
        raise TooManyFailures(wait)
    db.session.execute(delete(LoginFailure).where(LoginFailure.at <= now - _window()))
    rows = [LoginFailure(key=key, at=now) for key in attempt_keys.values()]
    db.session.add_all(rows)
    db.session.flush()
    reservation = Reservation(attempt_keys, [row.id for row in rows])
    db.session.commit()
    wait = _over(attempt_keys, utcnow(), strict=True)
    if wait is not None:
        release(reservation)
        raise TooManyFailures(wait)
    return reservation


def release(reservation: Reservation) -> None:
    """Take the attempt's rows back."""
    db.session.execute(delete(LoginFailure).where(LoginFailure.id.in_(reservation.row_ids)))
    db.session.commit()


def succeeded(reservation: Reservation) -> None:
    """Forget the username's failures from this address, and the attempt's own: its owner got in."""
    db.session.execute(delete(LoginFailure).where(
        LoginFailure.id.in_(reservation.row_ids) | (LoginFailure.key == reservation.keys["pair"])))
    db.session.commit()
