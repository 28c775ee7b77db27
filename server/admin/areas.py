"""Areas as an admin keeps them: names unique among siblings, renamed, merged and retired.

Terms:
- siblings: the live areas of one parent (the provinces are siblings of each other).
- name key: an area's folded name (shared.text.fold); two siblings never share one, because an import finds a
  village by it ("Thôn Đông" and "thon dong" are the same village to a household list).
- retire: the area is kept (visits and the audit log point at it) but no longer listed, assigned or pulled: tablets
  receive it as deleted.
- merge: a village's households move to another village of the same commune through the one write path (their
  residents and visits follow, tablets that lose them pull again), its officials are assigned the other village,
  and it is retired.
"""
from sqlalchemy import func, select

from .. import audit
from ..extensions import db
from ..inputs import has_control
from ..ledger import Ledger, take_seq
from ..models import Area, Household, User, UserVillage
from .service import AdminError, check_name


def list_areas(commune_id: int | None = None, duplicates: bool = False) -> list[dict]:
    """The live areas (of one commune, or all), each with its households and officials counted, and whether its
    name is that of a sibling (a duplicate left by the migration, without a name key)."""
    query = select(Area).where(Area.retired.is_(False))
    if commune_id is not None:
        query = query.where(Area.commune_id == commune_id)
    areas = list(db.session.execute(query.order_by(Area.level, Area.id)).scalars())
    households = dict(db.session.execute(
        select(Household.village_id, func.count()).where(Household.deleted.is_(False))
        .group_by(Household.village_id)).all())
    officials = dict(db.session.execute(
        select(UserVillage.village_id, func.count()).join(User, User.id == UserVillage.user_id)
        .where(User.active.is_(True)).group_by(UserVillage.village_id)).all())
    rows = [{"id": a.id, "level": a.level, "name": a.name, "parent_id": a.parent_id, "code": a.code,
             "households": households.get(a.id, 0), "officials": officials.get(a.id, 0),
             "duplicate": a.name_key is None} for a in areas]
    return [r for r in rows if r["duplicate"]] if duplicates else rows


def rename(area_id: int, name: str, by_user_id: int | None = None) -> Area:
    area = _live(area_id)
    name = _valid_name(name)
    check_name(name, area.parent_id, area.level, except_id=area.id)
    area.name = name
    _next_version(area)
    audit.record("rename_area", by_user_id=by_user_id, target=f"area:{area.id}")
    db.session.commit()
    return area


def merge(from_id: int, into_id: int, by_user_id: int | None = None) -> int:
    """Merge village `from_id` into village `into_id` of the same commune; returns the households moved."""
    source, target = _live(from_id), _live(into_id)
    if source.id == target.id:
        raise AdminError("A village cannot be merged into itself.")
    if source.level != "village" or target.level != "village" or source.commune_id != target.commune_id:
        raise AdminError("Only a village can be merged, into another village of the same commune.")
    ledger = Ledger(by_user_id)
    households = list(db.session.execute(
        select(Household).where(Household.village_id == source.id).order_by(Household.id)).scalars())
    for household in households:
        ledger.change(household, {"village_id": target.id}, commune_id=target.commune_id)
    ledger.write()
    # Everyone who served the merged village now serves the one it joined: their scope changes, so their
    # tablets pull again from zero (410) and receive the moved households.
    for user_id in db.session.execute(
            select(UserVillage.user_id).where(UserVillage.village_id == source.id)).scalars().all():
        if not db.session.get(UserVillage, (user_id, target.id)):
            db.session.add(UserVillage(user_id=user_id, village_id=target.id))
    db.session.execute(db.delete(UserVillage).where(UserVillage.village_id == source.id))
    source.merged_into_id = target.id
    _retire(source)
    audit.record("merge_area", by_user_id=by_user_id, target=f"area:{source.id}", into=str(target.id),
                 households=len(households))
    db.session.commit()
    return len(households)


def retire(area_id: int, by_user_id: int | None = None) -> Area:
    """Retire an area that nothing lives in any more: a village without households, a commune or province
    without live areas below it."""
    area = _live(area_id)
    if area.level == "village":
        live = db.session.execute(select(func.count()).select_from(Household).where(
            Household.village_id == area.id, Household.deleted.is_(False))).scalar()
        if live:
            raise AdminError("Households still live in this village: merge it into another village first.")
    elif db.session.execute(select(Area.id).where(Area.parent_id == area.id, Area.retired.is_(False)).limit(1)).first():
        raise AdminError("Areas below this one are still in use: retire or merge them first.")
    db.session.execute(db.delete(UserVillage).where(UserVillage.village_id == area.id))
    _retire(area)
    audit.record("retire_area", by_user_id=by_user_id, target=f"area:{area.id}")
    db.session.commit()
    return area


def _retire(area: Area) -> None:
    area.retired = True
    _next_version(area)


def _next_version(area: Area) -> None:
    """The change goes to the tablets by the pull, as every synced row's does."""
    area.version = (area.version or 1) + 1
    area.seq = take_seq(1)
    db.session.flush()


def _live(area_id: int) -> Area:
    area = db.session.get(Area, area_id)
    if area is None or area.retired:
        raise AdminError("No such area.")
    return area


def _valid_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 100 or has_control(name):
        raise AdminError("An area's name has 1 to 100 characters and its code at most 20, without control characters.")
    return name
