"""Areas and users, as the admin CLI and the dashboard create them."""
from sqlalchemy import select

from .. import audit
from ..auth import passwords
from ..auth.service import hash_password
from ..extensions import db
from ..inputs import has_control
from ..models import Area, User, UserVillage
from ..ledger import take_seq
from shared.i18n import N_
from shared.text import fold
from shared.vocab import AREA_LEVELS, ROLES

PARENT_LEVEL = {"province": None, "commune": "province", "village": "commune"}


class AdminError(ValueError):
    """A request the data does not allow; the message (a msgid of the catalogue, with `{name}` placeholders filled
    from `values`) says why. str() is the English text."""

    def __init__(self, message: str, **values):
        super().__init__(message.format(**values) if values else message)
        self.message, self.values = message, values


def create_area(level: str, name: str, parent_id: int | None = None, code: str | None = None,
                commit: bool = True) -> Area:
    if level not in AREA_LEVELS:
        raise AdminError(f"level must be one of {', '.join(AREA_LEVELS)}")
    if not name.strip() or len(name) > 100 or has_control(name) or (code is not None and (
            len(code) > 20 or has_control(code))):
        raise AdminError("An area's name has 1 to 100 characters and its code at most 20, without control characters.")
    parent = db.session.get(Area, parent_id) if parent_id is not None else None
    if PARENT_LEVEL[level] != (parent.level if parent else None):
        raise AdminError(f"a {level} needs a parent {PARENT_LEVEL[level] or 'of none'}")
    check_name(name, parent_id, level)
    area = Area(level=level, name=name.strip(), parent_id=parent_id, code=code, version=1, seq=take_seq(1))
    db.session.add(area)
    db.session.flush()
    area.commune_id = area.id if level == "commune" else (parent.commune_id if parent else None)
    if commit:
        db.session.commit()
    return area


def check_name(name: str, parent_id: int | None, level: str, except_id: int | None = None) -> None:
    """Refuse a name that a live sibling has already (compared folded)."""
    query = select(Area.id).where(Area.name_key == fold(name)[:100], Area.retired.is_(False), Area.level == level,
                                  Area.parent_id.is_(None) if parent_id is None else Area.parent_id == parent_id)
    if except_id is not None:
        query = query.where(Area.id != except_id)
    if db.session.execute(query.limit(1)).first():
        raise AdminError("Another area of the same parent already has this name.")


def create_user(username: str, full_name: str, role: str, password: str, commune_id: int | None = None,
                village_ids: list[int] = (), by_user_id: int | None = None, commit: bool = True) -> User:
    if role not in ROLES:
        raise AdminError(f"role must be one of {', '.join(ROLES)}")
    if role != "admin" and commune_id is None:
        raise AdminError(f"a {role} needs a commune")
    _check_names(username, full_name)
    if db.session.execute(db.select(User.id).where(User.username == username)).first():
        raise AdminError(N_("The username {username} is taken."), username=username)
    passwords.check(password, username, full_name)  # PasswordRefused, with its message for the catalogue
    user = User(username=username, full_name=full_name, role=role, commune_id=commune_id, active=True,
                password_hash=hash_password(password))
    db.session.add(user)
    db.session.flush()
    set_villages(user, village_ids)
    audit.record("create_user", by_user_id=by_user_id, target=f"user:{user.id}", user=user.id, role=role)
    if commit:
        db.session.commit()
    return user


def _check_names(username: str, full_name: str) -> None:
    """Refused before any query: PostgreSQL refuses NUL in text, and the columns hold 64 and 100 characters."""
    if not username or len(username) > 64 or has_control(username) or any(ch.isspace() for ch in username):
        raise AdminError("A username has 1 to 64 characters, without spaces or control characters.")
    if not full_name.strip() or len(full_name) > 100 or has_control(full_name):
        raise AdminError("A full name has 1 to 100 characters, without control characters.")


def set_villages(user: User, village_ids) -> None:
    """Assign villages of the user's own commune; the official's devices must then pull again (410)."""
    villages = [db.session.get(Area, v) for v in village_ids]
    for village_id, village in zip(village_ids, villages):
        if village is None or village.level != "village" or village.commune_id != user.commune_id:
            raise AdminError(N_("Area {village_id} is not a village of the user's commune."), village_id=village_id)
    db.session.execute(db.delete(UserVillage).where(UserVillage.user_id == user.id))
    for village_id in sorted(set(village_ids)):
        db.session.add(UserVillage(user_id=user.id, village_id=village_id))
