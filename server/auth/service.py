"""Users, passwords, devices and their tokens.

Terms:
- a device's *token* is sent as `Authorization: Bearer`; only its sha256 is stored (`devices.token_hash`). An *ended*
  token (the tablet's own logout, a password reset, expiry) answers 401 `unauthorized`: the tablet keeps its
  encrypted data and asks for an online login;
- the *device key* (`devices.wrap_key`) is 32 random bytes in base64url without padding, made when the device's
  registration is made (or re-made after an erase) and given back unchanged at each later login of that device by
  that user; the tablet wraps its data key with it, so that a forgotten PIN is reset by logging in online;
- an *erase order* (`devices.erase_requested_at`, with `erase_reason` "revoked" or "disabled") is set when a leader
  or an admin revokes the device, or disables its user. The token then answers every request with 401
  `erase_required` and does nothing else, until the tablet reports with POST /auth/erased that it has erased its
  data: `erased_at` is set and the token is ended for good.
"""
import base64
import secrets

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from .. import audit
from ..extensions import db
from ..models import Device, User, utcnow
from . import passwords, sessions, throttle
from .passwords import PasswordRefused  # noqa: F401  (callers catch it from here)

# Checked against when the username is unknown, so that a failed login takes as long whether the user exists or not.
_DUMMY_HASH = generate_password_hash("not a password", method="scrypt")


class DeviceTaken(Exception):
    pass


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH"])


def check_credentials(username: str, password: str) -> User | None:
    """The active user with these credentials, or None; the same work is done whether the user exists or not."""
    user = db.session.execute(db.select(User).where(User.username == username)).scalar_one_or_none()
    ok = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
    return user if ok and user is not None and user.active else None


def log_in(username: str, password: str, address: str | None) -> User | None:
    """check_credentials behind the failed-login throttle; raises throttle.TooManyFailures while it is shut."""
    reservation = throttle.reserve(username, address)
    user = check_credentials(username, password)
    if user is not None:
        throttle.succeeded(reservation)
    return user


def new_device_key() -> str:
    """32 random bytes as base64url text without padding (43 characters)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()


def register_device(user: User, device_id: str, label: str, app_version: str) -> Device:
    """Give the device a new token (>= 256 random bits) and return the device, with the raw token in `.raw_token`;
    only the token's hash is stored. The device key is kept, unless the device had an erase order."""
    from ..access import hash_token

    device = db.session.get(Device, device_id)
    if device is not None and device.user_id != user.id:
        raise DeviceTaken(device_id)
    if device is None:
        device = Device(id=device_id, user_id=user.id)
        db.session.add(device)
    if device.wrap_key is None or device.erase_requested_at is not None:
        device.wrap_key = new_device_key()  # the erased tablet starts a new store: its old key wraps nothing
    raw = secrets.token_urlsafe(32)
    device.token_hash = hash_token(raw)
    device.label, device.app_version = label, app_version
    device.created_at, device.revoked_at, device.last_seen_at = utcnow(), None, utcnow()
    device.erase_requested_at = device.erase_reason = device.erased_at = None
    audit.record("login", by_user_id=user.id, device=device_id, via="api")
    db.session.commit()
    device.raw_token = raw
    return device


def device_key(device: Device) -> str:
    """The device's key, made now for a device registered before device keys existed."""
    if device.wrap_key is None:
        device.wrap_key = new_device_key()
        db.session.commit()
    return device.wrap_key


def log_out_device(device: Device) -> None:
    """The tablet's own logout: its token ends, its data stays (encrypted) on it."""
    device.revoked_at = utcnow()
    device.token_hash = None
    audit.record("logout", by_user_id=device.user_id, device=device.id, via="api")
    db.session.commit()


def _order_erase(device: Device, reason: str) -> bool:
    """Give a device that still holds a token an erase order; False when there is nobody to tell."""
    if device.token_hash is None or device.erased_at is not None:
        return False
    now = utcnow()
    device.revoked_at = device.revoked_at or now
    if device.erase_requested_at is None:
        device.erase_requested_at, device.erase_reason = now, reason
    return True


def revoke_device(device: Device, by_user_id: int | None) -> None:
    """A leader or an admin revokes the tablet: at its next contact it is told to erase the commune's data it
    holds, changes not yet sent included. A tablet already logged out has no token to be told with: it just stays
    revoked, and its official needs the password to open it again."""
    ordered = _order_erase(device, "revoked")
    device.revoked_at = device.revoked_at or utcnow()
    audit.record("device_revoked", by_user_id=by_user_id, target=f"device:{device.id}", device=device.id,
                 user=device.user_id, erase_ordered=ordered)
    db.session.commit()


def mark_erased(device: Device) -> None:
    """The tablet reports that it erased its data: the token ends for good."""
    device.erased_at = utcnow()
    device.token_hash = None
    audit.record("device_erased", by_user_id=device.user_id, target=f"device:{device.id}", device=device.id,
                 reason=device.erase_reason)
    db.session.commit()


def end_tokens(user: User) -> list[str]:
    """End every token of the user, except those of devices with an erase order: they must still hear it."""
    ended = []
    for device in db.session.execute(db.select(Device).where(
            Device.user_id == user.id, Device.token_hash.is_not(None), Device.erase_requested_at.is_(None))).scalars():
        device.token_hash, device.revoked_at = None, device.revoked_at or utcnow()
        ended.append(device.id)
    return ended


def reset_password(user: User, password: str, by_user_id: int | None) -> None:
    """Set a new password; every tablet token and every dashboard session of the user ends."""
    passwords.check(password, user.username, user.full_name)
    user.password_hash = hash_password(password)
    ended = end_tokens(user)
    closed = sessions.end_all(user.id)
    audit.record("password_reset", by_user_id=by_user_id, target=f"user:{user.id}", user=user.id,
                 tokens_ended=len(ended), sessions_ended=closed)
    db.session.commit()


def set_active(user: User, active: bool, by_user_id: int | None) -> None:
    """Enable or disable a user; disabling gives every tablet of the user that holds a token an erase order."""
    user.active = active
    devices = []
    if not active:
        sessions.end_all(user.id)
        for device in db.session.execute(db.select(Device).where(Device.user_id == user.id)).scalars():
            if _order_erase(device, "disabled"):
                devices.append(device.id)
    audit.record("user_disabled" if not active else "user_enabled", by_user_id=by_user_id, target=f"user:{user.id}",
                 user=user.id, **({"erase_ordered": devices} if not active else {}))
    db.session.commit()
