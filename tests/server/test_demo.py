"""seed-demo: reproducible, sized by its flags, and made of rows the sync contract accepts."""
import re
from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from server.admin import demo
from server.admin.service import AdminError
from server.extensions import db
from server.models import Area, Assist, Household, Resident, SyncCounter, Target, User, UserVillage, Visit
from server.sync import records
from shared.ids import new_id, uuid7_time_ms
from shared.schemas import VisitData
from shared.text import fold
from shared.vocab import OUTCOMES, TOPICS

TODAY = date.today()


def snapshot() -> dict:
    rows = lambda *columns: [tuple(r) for r in db.session.execute(select(*columns).order_by(columns[0]))]  # noqa
    return {"heads": rows(Household.id, Household.head_name, Household.address, Household.phone),
            "residents": rows(Resident.id, Resident.full_name, Resident.birth_year),
            "visits": rows(Visit.id, Visit.started_at, Visit.status, Visit.notes),
            "assists": rows(Assist.visit_id, Assist.topic, Assist.outcome),
            "users": rows(User.username, User.full_name)}


def test_the_same_seed_gives_the_same_data(app):
    with app.app_context():
        demo.seed(seed=7, households_per_village=2, weeks=3, today=TODAY)
        first = snapshot()
        demo.reset()
        demo.seed(seed=7, households_per_village=2, weeks=3, today=TODAY)
        assert snapshot() == first
        demo.reset()
        demo.seed(seed=8, households_per_village=2, weeks=3, today=TODAY)
        other = snapshot()
    assert len(first["heads"]) == len(other["heads"]) == 20 * 2  # 20 villages in the three real communes
    assert other["heads"] != first["heads"]


def test_demo_rows_fit_the_sync_contract(app):
    with app.app_context():
        summary = demo.seed(seed=3, households_per_village=4, weeks=4, visits_per_household=2, today=TODAY)
        villages = db.session.execute(select(func.count()).where(Area.level == "village")).scalar_one()
        assert summary.counts["households"] == villages * 4
        seqs = [s for model in (Area, Household, Resident, Visit)
                for s in db.session.execute(select(model.seq)).scalars()]
        assert len(set(seqs)) == len(seqs) and min(seqs) > 0
        assert max(seqs) == db.session.get(SyncCounter, 1).v

        sizes = Counter(db.session.execute(select(Resident.household_id)).scalars())
        assert set(sizes.values()) <= set(range(2, 7)) and len(sizes) == summary.counts["households"]
        names = db.session.execute(select(Resident.full_name)).scalars().all()
        assert sum(fold(n) != n.lower() for n in names) > len(names) / 2  # diacritics, as Vietnamese names have
        phones = [p for p in db.session.execute(select(Resident.phone)).scalars() if p]
        assert phones and all(re.fullmatch(r"0\d{3} \d{3} \d{3}", p) for p in phones)

        assigned = set(db.session.execute(select(UserVillage.user_id, UserVillage.village_id)).all())
        visits = db.session.execute(select(Visit)).scalars().all()
        assert all((v.official_id, v.village_id) in assigned for v in visits)
        assert all(v.started_at.date() < TODAY and v.started_at.date() >= TODAY - timedelta(weeks=4) - timedelta(1)
                   for v in visits)
        assert all(abs(uuid7_time_ms(v.id) - v.started_at.timestamp() * 1000) < 1000 for v in visits)
        not_home = {v.id for v in visits if v.status == "not_home"}
        assert not_home and all(a.visit_id not in not_home for a in db.session.execute(select(Assist)).scalars())
        follow_ups = [v.follow_up_on for v in visits if v.follow_up_on]
        assert any(d < TODAY for d in follow_ups) and any(d >= TODAY for d in follow_ups)
        for visit in visits:  # each one as a tablet would have pushed it
            wire = {f: records.wire(getattr(visit, f)) for f in records.VISIT_FIELDS if f in VisitData().fields}
            wire["assists"] = [{f: getattr(a, f) for f in records.ASSIST_FIELDS} for a in visit.assists]
            VisitData().load(wire)
        pairs = set(db.session.execute(select(Assist.topic, Assist.outcome)).all())
        assert {t for t, _ in pairs} == set(TOPICS) and {o for _, o in pairs} == set(OUTCOMES)
        assert db.session.execute(select(func.count()).select_from(Target)).scalar_one() == 3 * len(TOPICS)


def test_a_demo_official_logs_in_and_pulls_its_villages(app, client):
    with app.app_context():
        summary = demo.seed(seed=1, households_per_village=2, weeks=2, today=TODAY)
        username, password, role, commune = next(login for login in summary.logins if login[0] == "canbo1.namdong")
        user = db.session.execute(select(User).where(User.username == username)).scalar_one()
        mine = set(db.session.execute(select(Household.id).where(
            Household.village_id.in_([v.id for v in user.villages]))).scalars())
    assert (role, commune) == ("official", "Nam Đông")
    reply = client.post("/api/v1/auth/login", json={"username": username, "password": password,
                                                    "device_id": new_id(), "device_label": "Tab A8"})
    assert reply.status_code == 200, reply.get_json()
    page = client.get("/api/v1/sync/pull?since=0&limit=1000", headers={
        "Authorization": "Bearer " + reply.get_json()["token"], "X-App-Version": "test", "X-Schema-Version": "1"})
    pulled = {c["id"] for c in page.get_json()["changes"] if c["table"] == "households"}
    assert pulled == mine and mine


def test_synthetic_communes_are_added_by_the_flag(app):
    with app.app_context():
        summary = demo.seed(seed=2, communes=2, households_per_village=1, visits_per_household=0, today=TODAY)
        communes = db.session.execute(select(Area.name).where(Area.level == "commune")).scalars().all()
        villages = db.session.execute(select(func.count()).where(Area.level == "village")).scalar_one()
        assert len(communes) == 5 and set(demo.REAL_COMMUNES) < set(communes)
        assert summary.counts["households"] == villages and summary.counts["visits"] == 0
        leaders = db.session.execute(select(func.count()).where(User.role == "leader")).scalar_one()
        assert leaders == 5


def test_seeding_twice_without_reset_is_refused(app):
    with app.app_context():
        demo.seed(seed=1, households_per_village=1, weeks=1, today=TODAY)
        with pytest.raises(AdminError, match="--reset"):
            demo.seed(seed=1, households_per_village=1, weeks=1, today=TODAY)


def test_the_demo_indicators_are_shares_a_leader_believes(app):
    """On the default demo most adults already had VNeID: its coverage is a large share, near the target but not
    past every one, some residents have no birth year and some cannot pay cashless (no phone)."""
    from server.stats import service

    with app.app_context():
        demo.seed(seed=3)
        commune = db.session.execute(select(Area.id).where(Area.name == "Nam Đông")).scalar_one()
        figures = service.coverage(commune)
        topics = {t["topic"]: t for t in figures["topics"]}
        outcomes = Counter(db.session.execute(select(Assist.outcome).where(Assist.topic == "vneid_account"))
                           .scalars())
    assert outcomes["already_had"] > outcomes["done"] > 0
    assert 50 <= topics["vneid_account"]["percent"] <= 90
    assert not all(t["target_met"] for t in topics.values())
    assert all(t["eligible"] <= figures["residents_total"] for t in topics.values())
    assert topics["public_services"]["eligible"] < topics["digital_skills"]["eligible"]  # 18 against 12
    assert topics["cashless_payment"]["not_applicable"] > 0 and figures["unknown_age"] > 0
