"""Households that move to another village, and what follows them.

A household's residents and visits carry its village and commune (so that a pull reads one index range per
village), and its assists carry its commune. When the household moves, they move with it, and the tablets that
served it and no longer do are sent through a full pull, which drops it from them.
"""
from sqlalchemy import bindparam, select, update

from ..extensions import db
from ..models import Assist, Device, Household, Resident, User, UserVillage, Visit
from .counter import take_seq


def move_members(moved: dict[str, tuple]) -> None:
    """Follow households to the village they moved to: {household id: (village id, commune id) it left}.

    Their residents and visits get the household's new village and commune, with new seq numbers, so that the
    officials of the new village pull them and may write them. The devices of those who can no longer see them
    pull their scope again from zero (410), which drops them from the tablets. Call it under the counter lock,
    after the households' new village is written."""
    connection = db.session.connection()
    table, ids = Household.__table__, list(moved)
    where = {row.id: row for row in connection.execute(
        select(table.c.id, table.c.village_id, table.c.commune_id).where(table.c.id.in_(ids)))}
    for model in (Resident, Visit):
        members = model.__table__
        rows = connection.execute(select(members.c.id, members.c.household_id)
                                  .where(members.c.household_id.in_(ids)).order_by(members.c.seq)).all()
        if not rows:
            continue
        seq = take_seq(len(rows))
        connection.execute(
            update(members).where(members.c.id == bindparam("row_id"))
            .values(village_id=bindparam("village"), commune_id=bindparam("commune"), seq=bindparam("new_seq")),
            [{"row_id": row.id, "village": where[row.household_id].village_id,
              "commune": where[row.household_id].commune_id, "new_seq": seq + n} for n, row in enumerate(rows)])
        if model is Visit:  # an admin may move a household to another commune: its assists count there
            assists = Assist.__table__
            connection.execute(
                update(assists).where(assists.c.visit_id == bindparam("visit"))
                .values(commune_id=bindparam("commune")),
                [{"visit": row.id, "commune": where[row.household_id].commune_id} for row in rows])
    _reset_left_behind([((where[i].village_id, where[i].commune_id), left) for i, left in moved.items()], connection)


def _reset_left_behind(moves: list[tuple], connection) -> None:
    """Make the devices of the users who saw a moved household and no longer do pull their scope from zero:
    officials of the village it left but not of the one it went to, and the leaders of the commune it left when
    it changed commune. `moves` holds ((village, commune) now, (village, commune) left) pairs."""
    users = set()
    for (village, commune), (left_village, left_commune) in moves:
        if village == left_village:
            continue
        users.update(connection.execute(
            select(UserVillage.user_id).where(UserVillage.village_id == left_village)
            .except_(select(UserVillage.user_id).where(UserVillage.village_id == village))).scalars())
        if commune != left_commune:
            users.update(connection.execute(
                select(User.id).where(User.role == "leader", User.commune_id == left_commune)).scalars())
    if users:
        connection.execute(update(Device).where(Device.user_id.in_(users)).values(scope_hash=None))
