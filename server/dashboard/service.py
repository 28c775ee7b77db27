"""Database work of the dashboard pages that is not a coverage figure: scope, users, tablets, conflicts, visit log.

Coverage numbers come from server.stats.service; nothing here counts households.
"""
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from shared.i18n import N_
from shared.sorting import name_key, vi_key

from .. import audit
from ..extensions import db
from ..models import Area, Assist, Conflict, Device, Household, Resident, User, UserVillage, Visit, utcnow
from ..inputs import is_id
from ..ledger import Ledger, Scope, hold

# Who may see residents' names, phones and addresses on the dashboard: the leader works with them; the
# province's administrators see aggregates.
PERSONAL_ROLES = ("leader",)
STALE_AFTER = timedelta(days=3)
AHEAD = timedelta(hours=1)
BEHIND = timedelta(days=180)
"""A visit dated more than AHEAD after the server received it, or more than BEHIND before, was most likely logged on
a tablet whose clock was wrong: it is kept and counted, and listed for the leader to check."""
CONFLICT_TABLES = {"households": Household, "residents": Resident, "visits": Visit}
FIELD_LABELS = {"address": N_("Address"), "head_name": N_("Head of household"), "phone": N_("Phone"),
                "note": N_("Note"), "village_id": N_("Village"), "full_name": N_("Full name"),
                "birth_year": N_("Birth year"), "sex": N_("Sex"), "has_smartphone": N_("Has a smartphone"),
                "deleted": N_("Deleted")}
"""A conflict's field as the pages name it (a msgid, translated where shown), never the column's name."""


class DashboardError(ValueError):
    """A request the data does not allow; the message says why."""


def by_name(areas) -> list[Area]:
    """Areas in Vietnamese alphabetical order (SQL's ORDER BY puts "Đông" after "Yên")."""
    return sorted(areas, key=lambda a: (vi_key(a.name), a.id))


def by_person(users) -> list[User]:
    """Users by their given name, as a commune office lists people (shared/sorting.py)."""
    return sorted(users, key=lambda u: (name_key(u.full_name), u.username))


def sees_personal(user: User) -> bool:
    return user.role in PERSONAL_ROLES


def communes_of(user: User) -> list[Area]:
    """The communes the user may open: its own for a leader, all for an admin."""
    query = select(Area).where(Area.level == "commune", Area.retired.is_(False))
    where = Scope.of_commune(user).filter(Area)
    return by_name(db.session.execute(query if where is None else query.where(where)).scalars())


def may_open(user: User, commune_id: int) -> bool:
    return Scope.of_commune(user).holds_commune(commune_id)


def provinces() -> list[Area]:
    return by_name(db.session.execute(
        select(Area).where(Area.level == "province", Area.retired.is_(False))).scalars())


def area(area_id: int, level: str) -> Area | None:
    found = db.session.get(Area, area_id)
    return found if found is not None and found.level == level else None


def villages_of(commune_id: int) -> list[Area]:
    return by_name(db.session.execute(
        select(Area).where(Area.level == "village", Area.commune_id == commune_id, Area.retired.is_(False))).scalars())


def manageable_roles(manager: User) -> tuple[str, ...]:
    return ("official", "leader") if manager.role == "admin" else ("official",)


def staff_of(manager: User, commune_id: int) -> list[User]:
    """The users of a commune that `manager` manages, by name."""
    return by_person(db.session.execute(
        select(User).where(User.commune_id == commune_id, User.role.in_(manageable_roles(manager)))).scalars())


def officials_of(commune_id: int) -> list[User]:
    return by_person(db.session.execute(
        select(User).where(User.commune_id == commune_id, User.role == "official")).scalars())


def officials_by_village(commune_id: int) -> dict[int, list[str]]:
    """The names of the active officials assigned to each village of the commune, by given name."""
    rows = db.session.execute(
        select(UserVillage.village_id, User.full_name).join(User, User.id == UserVillage.user_id)
        .where(User.commune_id == commune_id, User.role == "official", User.active.is_(True))).all()
    found: dict[int, list[str]] = {}
    for village_id, name in sorted(rows, key=lambda r: name_key(r.full_name)):
        found.setdefault(village_id, []).append(name)
    return found


def managed_user(manager: User, user_id: int) -> User | None:
    """The user if `manager` may manage them, else None."""
    user = db.session.get(User, user_id)
    if user is None or user.role not in manageable_roles(manager) or not may_open(manager, user.commune_id):
        return None
    return user


def devices_of(user_id: int) -> list[Device]:
    return list(db.session.execute(
        select(Device).where(Device.user_id == user_id).order_by(Device.created_at.desc())).scalars())


def is_stale(last_sync: datetime | None, now: datetime | None = None) -> bool:
    """A tablet that has not synced for more than three days needs a look (or was lost)."""
    return last_sync is None or (now or utcnow()) - last_sync > STALE_AFTER


def open_conflicts(commune_id: int) -> list[dict]:
    """The commune's unresolved conflicts, oldest first, each with the record's current value."""
    conflicts = list(db.session.execute(
        select(Conflict).where(Conflict.commune_id == commune_id, Conflict.resolved.is_(False))
        .order_by(Conflict.at, Conflict.id)).scalars())
    names = _user_names({c.kept_by for c in conflicts} | {c.lost_by for c in conflicts})
    result = []
    for conflict in conflicts:
        row = _conflict_row(conflict)
        current = getattr(row, conflict.field, None) if row is not None else None
        household = _household_of(conflict.table_name, row)
        village = db.session.get(Area, household.village_id) if household is not None else None
        result.append({"conflict": conflict, "current": current, "row": row, "household": household,
                       "village": village.name if village is not None else "",
                       "field": FIELD_LABELS.get(conflict.field, conflict.field),
                       "kept_by": names.get(conflict.kept_by, ""), "lost_by": names.get(conflict.lost_by, ""),
                       "changed_since": current != conflict.kept_value})
    return result


def resolve_conflict(commune_id: int, conflict_id: int, pick: str, by_user_id: int) -> Conflict:
    """Close a conflict keeping the current value (`kept`) or writing back the overwritten one (`lost`).

    Writing back goes through the ledger, as a push does. A visit kept in conflict is only acknowledged: visits
    are never overwritten, a correction is a new visit.
    """
    conflict = db.session.get(Conflict, conflict_id)
    if conflict is None or conflict.commune_id != commune_id:
        raise DashboardError("no such conflict")
    if conflict.resolved:
        raise DashboardError("this conflict was already resolved")
    if pick not in ("kept", "lost"):
        raise DashboardError("pick the kept or the lost value")
    if pick == "lost":
        _write_back(conflict, commune_id, by_user_id)
    conflict.resolved, conflict.resolved_by, conflict.resolved_at = True, by_user_id, utcnow()
    audit.record("resolve_conflict", by_user_id=by_user_id, conflict=conflict.id, field=conflict.field, pick=pick)
    db.session.commit()
    return conflict


def odd_dates(commune_id: int, tz: str, limit: int = 200) -> list[dict]:
    """The commune's live visits whose date is far from when the server received them, newest received first."""
    zone, after = ZoneInfo(tz), _days_after_received()
    rows = db.session.execute(
        select(Visit.started_at, Visit.received_at, Area.name.label("village"), User.full_name.label("official"))
        .join(Area, Area.id == Visit.village_id).join(User, User.id == Visit.official_id)
        .where(Visit.commune_id == commune_id, Visit.voided.is_(False))
        .where(~after.between(-BEHIND / DAY, AHEAD / DAY))
        .order_by(Visit.received_at.desc()).limit(limit)).all()
    return [{"started_at": r.started_at.astimezone(zone), "received_at": r.received_at.astimezone(zone),
             "village": r.village, "official": r.official} for r in rows]


DAY = timedelta(days=1)


def _days_after_received():
    """How many days a visit's date is after its receipt (negative: before), in SQL."""
    if db.engine.dialect.name == "sqlite":
        return func.julianday(Visit.started_at) - func.julianday(Visit.received_at)
    return func.extract("epoch", Visit.started_at - Visit.received_at) / 86400


def _write_back(conflict: Conflict, commune_id: int, by_user_id: int) -> None:
    if conflict.table_name == "visits":
        raise DashboardError("a visit is never overwritten: log a new one on the tablet")
    hold()  # before the row is read: no tablet's push gets in between
    row = _conflict_row(conflict)
    if row is None or row.deleted:
        raise DashboardError("the record is gone")
    village = None
    if conflict.field == "village_id":
        village = db.session.get(Area, conflict.lost_value) if is_id(conflict.lost_value) else None
        if village is None or village.level != "village" or village.commune_id != commune_id:
            raise DashboardError("that village is not in this commune")
    ledger = Ledger(by_user_id)
    ledger.change(row, {conflict.field: conflict.lost_value}, commune_id=village and village.commune_id)
    ledger.write()


def _household_of(table: str, row) -> Household | None:
    """The household a conflicting row belongs to (itself for a household)."""
    if row is None:
        return None
    if table == "households":
        return row
    return db.session.get(Household, row.household_id)


def household(commune_id: int, household_id: str) -> Household | None:
    """A live household of the commune, or None."""
    found = db.session.get(Household, household_id)
    return found if found is not None and found.commune_id == commune_id and not found.deleted else None


def household_visits(household_id: str, tz: str, limit: int = 100) -> list[dict]:
    """The household's visits, newest first, with the official's name."""
    zone = ZoneInfo(tz)
    rows = db.session.execute(
        select(Visit, User.full_name).join(User, User.id == Visit.official_id)
        .where(Visit.household_id == household_id, Visit.voided.is_(False))
        .order_by(Visit.started_at.desc(), Visit.id).limit(limit)).all()
    return [{"started_at": visit.started_at.astimezone(zone), "official": name, "status": visit.status,
             "follow_up_on": visit.follow_up_on, "notes": visit.notes} for visit, name in rows]


def _conflict_row(conflict: Conflict):
    model = CONFLICT_TABLES.get(conflict.table_name)
    return db.session.get(model, conflict.row_id) if model is not None else None


def _user_names(ids) -> dict[int, str]:
    ids = [i for i in ids if i is not None]
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.full_name).where(User.id.in_(ids))).all())


def visit_log(commune_id: int, filters, tz: str, personal: bool):
    """The commune's visits, newest first, as dicts; names and addresses only when `personal`."""
    zone = ZoneInfo(tz)
    query = (select(Visit, Household.address, Household.head_name, Area.name.label("village"),
                    User.full_name.label("official"))
             .join(Household, Household.id == Visit.household_id)
             .join(Area, Area.id == Household.village_id)
             .join(User, User.id == Visit.official_id)
             .where(Visit.commune_id == commune_id, Visit.voided.is_(False), Household.deleted.is_(False))
             .order_by(Visit.started_at.desc(), Visit.id))
    if filters.date_from:
        query = query.where(Visit.started_at >= datetime.combine(filters.date_from, time(), zone))
    if filters.date_to:
        query = query.where(Visit.started_at < datetime.combine(filters.date_to + timedelta(days=1), time(), zone))
    if filters.village_id:
        query = query.where(Household.village_id == filters.village_id)
    if filters.official_id:
        query = query.where(Visit.official_id == filters.official_id)
    if filters.topic:
        query = query.where(Visit.id.in_(select(Assist.visit_id).where(Assist.commune_id == commune_id,
                                                                        Assist.topic == filters.topic)))
    rows = db.session.execute(query).all()
    assists = _assists_of(commune_id, [row.Visit.id for row in rows])
    for row in rows:
        visit = row.Visit
        entry = {"started_at": visit.started_at.astimezone(zone), "village": row.village,
                 "household_id": visit.household_id, "official": row.official, "status": visit.status,
                 "duration_min": visit.duration_min, "follow_up_on": visit.follow_up_on,
                 "assists": assists.get(visit.id, [])}
        if personal:
            entry.update(address=row.address, head_name=row.head_name)
        yield entry


def _assists_of(commune_id: int, visit_ids: list[str]) -> dict[str, list[tuple[str, str]]]:
    found: dict[str, list] = {}
    for start in range(0, len(visit_ids), 5000):
        chunk = visit_ids[start:start + 5000]
        for visit_id, topic, outcome in db.session.execute(
                select(Assist.visit_id, Assist.topic, Assist.outcome)
                .where(Assist.commune_id == commune_id, Assist.visit_id.in_(chunk)).order_by(Assist.id)):
            found.setdefault(visit_id, []).append((topic, outcome))
    return found
