"""The push's hand-written inserts (server/ledger/visits.py) store exactly what SQLAlchemy stores for the same rows."""
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import delete, insert, select, text

from server.extensions import db
from server.models import Assist, Household, User, Visit
from server.ledger import visits as writer
from shared.ids import new_id

ICT = timezone(timedelta(hours=7))


def rows(world, household: str, official: int) -> tuple[list[dict], list[dict]]:
    """Two visits, one with every optional value and one with none, and their assists."""
    full, bare = new_id(), new_id()
    common = {"household_id": household, "village_id": world.a1, "commune_id": world.commune_a,
              "official_id": official, "payload_hash": "ab" * 32, "voided": False, "version": 1}
    visits = [
        {**common, "id": full, "device_id": new_id(), "started_at": datetime(2026, 11, 20, 9, 5, 7, 123, tzinfo=ICT),
         "duration_min": 25, "status": "met", "notes": "Hướng dẫn cài VNeID cho bà Ánh; đã xong.",
         "follow_up_on": date(2026, 11, 27), "lat": 16.5512345, "lon": 107.4512345, "accuracy_m": 12.5,
         "replaces_id": new_id(), "received_at": datetime(2026, 11, 21, 1, 0, tzinfo=timezone.utc), "seq": 7},
        {**common, "id": bare, "device_id": None, "started_at": datetime(2026, 11, 20, 0, 0, tzinfo=ICT),
         "duration_min": None, "status": "not_home", "notes": "", "follow_up_on": None, "lat": None, "lon": None,
         "accuracy_m": None, "replaces_id": None, "voided": True, "received_at": datetime.now(timezone.utc),
         "seq": 8},
    ]
    assists = [{"visit_id": full, "resident_id": new_id(), "topic": "vneid_account", "outcome": "done",
                "note": "Đã làm xong tại nhà.", "household_id": household, "commune_id": world.commune_a},
               {"visit_id": full, "resident_id": None, "topic": "scam_awareness", "outcome": "partial", "note": "",
                "household_id": household, "commune_id": world.commune_a}]
    return visits, assists


def a_household_and_official(world) -> tuple[str, int]:
    """A stored household of village a1, and the official's user id: what the visits refer to."""
    household = new_id()
    db.session.execute(insert(Household), [{"id": household, "village_id": world.a1, "commune_id": world.commune_a,
                                            "address": "Số 3", "head_name": "Lê Thị Mai", "seq": 1,
                                            "field_versions": {}}])
    return household, db.session.execute(select(User.id).where(User.username == world.official)).scalar_one()


def stored() -> list:
    """Every column of every visit and assist as the database holds it, without the assists' own numbers."""
    visits = db.session.execute(text("SELECT * FROM visits ORDER BY seq")).all()
    assists = db.session.execute(text("SELECT visit_id, resident_id, topic, outcome, note, household_id, commune_id "
                                      "FROM assists ORDER BY topic")).all()
    return [tuple(row) for row in visits + assists]


def stored_by_sqlalchemy(world) -> tuple[list, list, list]:
    """The rows, and what SQLAlchemy stores of them; the tables are left empty again."""
    visits, assists = rows(world, *a_household_and_official(world))
    db.session.execute(insert(Visit), [{**v} for v in visits])
    db.session.execute(insert(Assist), assists)
    by_sqlalchemy = stored()
    db.session.execute(delete(Assist))
    db.session.execute(delete(Visit))
    return visits, assists, by_sqlalchemy


def test_the_writer_stores_what_sqlalchemy_stores(app, world):
    with app.app_context():
        visits, assists, by_sqlalchemy = stored_by_sqlalchemy(world)

        assert writer.insert_visits([{**v} for v in visits]) == {v["id"] for v in visits}
        writer.insert_assists(assists)
        assert stored() == by_sqlalchemy
        read = db.session.execute(select(Visit).where(Visit.id == visits[0]["id"])).scalar_one()
        assert (read.started_at, read.follow_up_on, read.replaces_id) == (
            visits[0]["started_at"], date(2026, 11, 27), visits[0]["replaces_id"])
        db.session.rollback()


def test_visits_with_their_assists_store_what_sqlalchemy_stores(app, world):
    with app.app_context():
        visits, assists, by_sqlalchemy = stored_by_sqlalchemy(world)

        assert writer.insert_visits([{**v} for v in visits], assists) == {v["id"] for v in visits}
        assert stored() == by_sqlalchemy
        db.session.rollback()


def test_the_assists_of_a_visit_stored_first_are_not_inserted(app, world):
    with app.app_context():
        (first, second), assists = rows(world, *a_household_and_official(world))
        assert {a["visit_id"] for a in assists} == {first["id"]}
        assert writer.insert_visits([first]) == {first["id"]}  # stored first, by another push, without its assists
        again = {**first, "seq": 9}
        assert writer.insert_visits([again, {**second, "seq": 10}], assists) == {second["id"]}
        assert db.session.execute(select(Assist.visit_id)).scalars().all() == []
        assert writer.insert_visits([{**second, "id": new_id(), "seq": 11}, {**first, "id": (third := new_id()),
                                     "seq": 12}], [{**a, "visit_id": third} for a in assists]) != set()
        assert db.session.execute(select(Assist.visit_id)).scalars().all() == [third, third]
        db.session.rollback()


def test_the_writer_skips_ids_already_stored(app, world):
    with app.app_context():
        first, second = rows(world, *a_household_and_official(world))[0]
        assert writer.insert_visits([first]) == {first["id"]}
        again = {**first, "notes": "Another push of the same id, committed first", "seq": 9}
        assert writer.insert_visits([again, {**second, "seq": 10}]) == {second["id"]}
        notes = db.session.execute(select(Visit.notes).where(Visit.id == first["id"])).scalar_one()
        assert notes == first["notes"]
        db.session.rollback()
