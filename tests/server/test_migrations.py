"""The Alembic migrations build, from an empty database, exactly the schema the models describe."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from server.extensions import db
from tests.conftest import make_app


def test_upgrade_from_empty_matches_the_models(database_url):
    app = make_app(database_url)
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        db.engine.dispose()
    assert diff == []


def test_the_indicators_migration_keeps_old_visits_meaning(database_url):
    """Visits stored before issue 11 (a done assist of an adult, a voided one) count under the new definitions once
    the migration ran: it empties the facts and marks every household stale, and the next reader computes them."""
    from datetime import datetime, timezone

    from sqlalchemy import insert, select

    from server.ledger import ensure_counter
    from server.models import Area, Assist, Household, Resident, StaleHousehold, User, Visit
    from server.stats import service

    app = make_app(database_url)
    with app.app_context():
        upgrade(revision="b7c1d2e3f4a5")
        db.session.execute(insert(Area), [{"id": 1, "level": "province", "name": "Tỉnh", "seq": 0},
                                          {"id": 2, "parent_id": 1, "level": "commune", "name": "Xã", "commune_id": 2,
                                           "seq": 0},
                                          {"id": 3, "parent_id": 2, "level": "village", "name": "Thôn", "commune_id": 2,
                                           "seq": 0}])
        db.session.execute(insert(User), [{"id": 1, "username": "cb", "full_name": "Cán bộ", "role": "official",
                                           "commune_id": 2, "active": True, "password_hash": "x",
                                           "created_at": datetime.now(timezone.utc)}])
        common = {"village_id": 3, "commune_id": 2, "seq": 0, "field_versions": {}, "deleted": False}
        hid, adult, child = "0190e9f0-0000-7000-8000-000000000001", "0190e9f0-0000-7000-8000-000000000002", \
            "0190e9f0-0000-7000-8000-000000000003"
        db.session.execute(insert(Household), [{"id": hid, "address": "Số 1", "head_name": "Lê Văn A", **common}])
        year = datetime.now().year
        db.session.execute(insert(Resident), [
            {"id": adult, "household_id": hid, "full_name": "Lê Văn A", "birth_year": 1970, **common},
            {"id": child, "household_id": hid, "full_name": "Lê Thị B", "birth_year": year - 5, **common}])
        started = datetime.now(timezone.utc)
        for n, voided in ((1, False), (2, True)):
            vid = f"0190e9f0-0000-7000-8000-00000000001{n}"
            db.session.execute(insert(Visit), [{"id": vid, "household_id": hid, "village_id": 3, "commune_id": 2,
                                                "official_id": 1, "started_at": started, "status": "met",
                                                "voided": voided, "payload_hash": "0" * 64, "seq": 0}])
            db.session.execute(insert(Assist), [{"visit_id": vid, "resident_id": who, "topic": "vneid_account",
                                                 "outcome": "done", "household_id": hid, "commune_id": 2}
                                                for who in (adult, child)])
        db.session.commit()

        upgrade()
        ensure_counter()

        assert db.session.execute(select(StaleHousehold.household_id)).scalars().all() == [hid]
        figures = service.coverage(2)
        vneid = next(t for t in figures["topics"] if t["topic"] == "vneid_account")
        assert (figures["households_reached"], vneid["has_it"], vneid["eligible"]) == (1, 1, 1)
        db.session.remove()
        db.engine.dispose()


def test_the_identity_and_heartbeat_migration_goes_down_and_up(database_url):
    """d7a3c5e9f1b2 only adds two tables (expand): down removes them, up brings them back."""
    from sqlalchemy import inspect

    from flask_migrate import downgrade

    app = make_app(database_url)
    with app.app_context():
        upgrade(revision="d7a3c5e9f1b2")
        with db.engine.connect() as conn:
            assert {"database_identity", "worker_heartbeats"} <= set(inspect(conn).get_table_names())
        downgrade(revision="-1")
        with db.engine.connect() as conn:
            assert not {"database_identity", "worker_heartbeats"} & set(inspect(conn).get_table_names())
        upgrade()
        db.engine.dispose()


def test_visits_and_assists_lose_their_foreign_keys_and_get_them_back(database_url):
    """f3c8d2a6b9e1 drops the three foreign keys the push checks itself; downgrade makes them again."""
    from sqlalchemy import inspect

    from flask_migrate import downgrade

    def keys(conn):
        return {(table, fk["referred_table"]) for table in ("visits", "assists")
                for fk in inspect(conn).get_foreign_keys(table)}

    app = make_app(database_url)
    with app.app_context():
        upgrade(revision="f3c8d2a6b9e1")
        with db.engine.connect() as conn:
            assert keys(conn) == set()
            assert {"ix_visits_household_id", "ix_visits_official_id"} <= {
                i["name"] for i in inspect(conn).get_indexes("visits")}
        downgrade(revision="-1")
        with db.engine.connect() as conn:
            assert keys(conn) == {("visits", "households"), ("visits", "users"), ("assists", "visits")}
        upgrade()
        db.engine.dispose()


def test_the_area_names_migration_reports_duplicates_and_goes_back(database_url, capfd):
    """Two villages of one commune named alike ("Thôn Đông", "thon dong") before names were unique: the migration
    keeps both, gives the name's key to the first only and logs the command that resolves the second; downgrade
    removes the columns again."""
    from flask_migrate import downgrade
    from sqlalchemy import insert, inspect, text

    from server.models import Area

    app = make_app(database_url)
    with app.app_context():
        upgrade(revision="c4e8a1f0d2b6")
        areas = [{"id": 1, "level": "province", "name": "Tỉnh", "seq": 0},
                 {"id": 2, "parent_id": 1, "level": "commune", "name": "Xã", "commune_id": 2, "seq": 0},
                 {"id": 3, "parent_id": 2, "level": "village", "name": "Thôn Đông", "commune_id": 2, "seq": 0},
                 {"id": 4, "parent_id": 2, "level": "village", "name": "thon dong", "commune_id": 2, "seq": 0},
                 {"id": 5, "parent_id": 2, "level": "village", "name": "Thôn Tây", "commune_id": 2, "seq": 0}]
        db.session.execute(insert(Area.__table__).values(
            [{k: a.get(k) for k in ("id", "parent_id", "level", "name", "commune_id", "seq")} for a in areas]))
        db.session.commit()
        capfd.readouterr()
        upgrade(revision="d5a1e2c3b4f6")  # alembic.ini sends its log to stderr
        keys = dict(db.session.execute(text("SELECT id, name_key FROM areas ORDER BY id")).all())
        assert keys == {1: "tinh", 2: "xa", 3: "thon dong", 4: None, 5: "thon tay"}
        assert "doorstep areas merge 4 3" in capfd.readouterr().err
        db.session.commit()
        downgrade(revision="c4e8a1f0d2b6")
        columns = {c["name"] for c in inspect(db.engine).get_columns("areas")}
        assert not columns & {"name_key", "retired", "merged_into_id"}
        assert db.session.execute(text("SELECT count(*) FROM areas")).scalar() == 5
        db.session.remove()
        db.engine.dispose()
