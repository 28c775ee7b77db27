"""Users, passwords, devices and their tokens."""
import secrets

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..models import AuditLog, Device, User, utcnow
from . import throttle

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
    throttle.check(username, address)
    user = check_credentials(username, password)
    if user is None:
        throttle.failed(username, address)
    else:
        throttle.succeeded(username)
    return user


def register_device(user: User, device_id: str, label: str, app_version: str) -> str:
    """Give the device a new token (>= 256 random bits) and return it; only its hash is stored."""
    from ..access import hash_token

    device = db.session.get(Device, device_id)
    if device is not None and device.user_id != user.id:
        raise DeviceTaken(device_id)
    if device is None:
        device = Device(id=device_id, user_id=user.id)
        db.session.add(device)
    raw = secrets.token_urlsafe(32)
    device.token_hash = hash_token(raw)
    device.label, device.app_version = label, app_version
    device.created_at, device.revoked_at, device.last_seen_at = utcnow(), None, utcnow()
    db.session.add(AuditLog(user_id=user.id, action="login", detail={"device": device_id}))
    db.session.commit()
    return raw


def revoke_device(device: Device, by_user_id: int | None) -> None:
    device.revoked_at = utcnow()
    device.token_hash = None
    db.session.add(AuditLog(user_id=by_user_id, action="revoke_device", detail={"device": device.id}))
    db.session.commit()


def set_active(user: User, active: bool, by_user_id: int | None) -> None:
    """Enable or disable a user; disabling kills every token the user has."""
    user.active = active
    if not active:
        for device in db.session.execute(db.select(Device).where(Device.user_id == user.id)).scalars():
            device.revoked_at, device.token_hash = device.revoked_at or utcnow(), None
    db.session.add(AuditLog(user_id=by_user_id, action="set_active", detail={"user": user.id, "active": active}))
    db.session.commit()
