"""The database writes each pulled record's JSON (server/sync/page.py): every page must be byte for byte what
orjson.dumps gives for the records built from the ORM rows with records.record_of."""
from datetime import date, datetime, timedelta, timezone

import orjson
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import select

from server.extensions import db
from server.ledger import take_seq
from server.models import Area, Assist, Household, Resident, User, Visit
from server.sync import page as pages, reader, records
from shared.ids import new_id
from shared.vocab import OUTCOMES
from tests.conftest import household_change, visit_change

ICT = timezone(timedelta(hours=7))
MODELS = {"households": Household, "residents": Resident, "visits": Visit}


def local(days_ago: int, micro: int = 0) -> str:
    moment = datetime.now(ICT).replace(hour=9, minute=5, second=7, microsecond=micro) - timedelta(days=days_ago)
    return moment.isoformat()


def expected(change: dict, schema: int) -> dict:
    """The record the old code built for the row `change` names: the ORM row through records.record_of."""
    table = change["table"]
    if table == "areas":
        row = db.session.get(Area, int(change["id"]))
        return {"table": table, "id": str(row.id), "version": row.version, "deleted": bool(row.retired),
                "data": {f: getattr(row, f) for f in records.AREA_FIELDS}}
    row = db.session.get(MODELS[table], change["id"])
    data = records.record_of(table, row)
    if schema < 2:
        for assist in data.get("assists", ()):
            assist["outcome"] = pages.OLDER_OUTCOMES.get(assist["outcome"], assist["outcome"])
    gone = row.voided if table == "visits" else row.deleted
    return {"table": table, "id": row.id, "version": row.version, "deleted": bool(gone), "data": data}


def pull_checked(app, client, headers, since: int = 0, limit: int = 3) -> list[dict]:
    """Pull from `since` to the end; each page's body must be what orjson.dumps writes for the expected records.
    Returns the changes pulled."""
    changes, schema = [], int(headers["X-Schema-Version"])
    while True:
        reply = client.get(f"/api/v1/sync/pull?since={since}&limit={limit}", headers=headers)
        assert reply.status_code == 200 and reply.mimetype == "application/json"
        page = orjson.loads(reply.data)
        with app.app_context():
            built = {"changes": [expected(c, schema) for c in page["changes"]], "cursor": page["cursor"],
                     "has_more": page["has_more"]}
        assert reply.data == orjson.dumps(built)
        changes += page["changes"]
        since = page["cursor"]
        if not page["has_more"]:
            return changes


def test_pulled_pages_are_the_orm_rows_dumped(app, client, world):
    official, leader = world.login(client, world.official), world.login(client, world.leader)
    home = household_change(world.a1, phone="0912345678", note='Nhà có người già "ông Tư" \\ cửa sau')
    bare = household_change(world.a2)
    lan = {"table": "residents", "op": "upsert", "id": new_id(), "base_version": 0,
           "data": {"household_id": home["id"], "full_name": "Võ Thị Lan", "birth_year": 1958, "sex": "f",
                    "has_smartphone": True}}
    nobody = {"table": "residents", "op": "upsert", "id": new_id(), "base_version": 0,
              "data": {"household_id": home["id"], "full_name": "Đặng Văn Tư", "has_smartphone": False}}
    full = visit_change(home["id"], started_at=local(3, 123), duration_min=25, lat=16.55, lon=107.0,
                        accuracy_m=8.0, follow_up_on=(datetime.now(ICT).date() + timedelta(days=3)).isoformat(),
                        notes="Dòng một\nDòng hai\tcó tab",
                        assists=[{"topic": "vneid_account", "outcome": "already_had", "resident_id": lan["id"]},
                                 {"topic": "scam_awareness", "outcome": "not_applicable", "note": "Hẹn tuần sau"},
                                 {"topic": "vneid_level2", "outcome": "partial"}])
    plain = visit_change(bare["id"], started_at=local(2, 120000), status="not_home", assists=[])
    fix = visit_change(home["id"], started_at=local(3), replaces_id=full["id"], lat=-0.00001234, lon=1e-07)
    batch = {"batch_id": new_id(), "schema_version": 2, "changes": [home, bare, lan, nobody, full, plain, fix]}
    assert client.post("/api/v1/sync/push", headers=official, json=batch).status_code == 200
    client.post("/api/v1/sync/push", headers=official, json={"batch_id": new_id(), "schema_version": 2, "changes": [
        {"table": "residents", "op": "delete", "id": nobody["id"], "base_version": 1, "data": {}}]})

    for headers in (official, leader, {**official, "X-Schema-Version": "2"}):
        pulled = pull_checked(app, client, headers)
        assert {c["table"] for c in pulled} == {"areas", "households", "residents", "visits"}
    by_id = {c["id"]: c for c in pulled}
    assert by_id[full["id"]]["deleted"] and by_id[nobody["id"]]["deleted"]
    assert by_id[full["id"]]["data"]["started_at"].endswith(".000123+00:00")
    assert by_id[plain["id"]]["data"]["started_at"].endswith(":07.120000+00:00")
    assert [a["resident_id"] for a in by_id[full["id"]]["data"]["assists"]] == [lan["id"], None, None]
    assert [a["outcome"] for a in by_id[full["id"]]["data"]["assists"]] == ["already_had", "not_applicable",
                                                                            "partial"]
    assert by_id[full["id"]]["data"]["lon"] == 107.0 and b'"lon":107.0,' in orjson.dumps(by_id[full["id"]])
    older = pull_checked(app, client, official, limit=1000)
    assert [a["outcome"] for c in older if c["id"] == full["id"] for a in c["data"]["assists"]] == [
        "done", "declined", "partial"]
    with app.app_context():
        assert db.session.execute(select(Visit.replaces_id).where(Visit.id == fix["id"])).scalar() == full["id"]


def test_a_pushs_lookups_still_come_in_slices(app, client, world, monkeypatch):
    monkeypatch.setattr(reader, "SLICE", 2)  # a push's lookups then take several statements
    official = world.login(client, world.official)
    home = household_change(world.a1)
    people = [{"table": "residents", "op": "upsert", "id": new_id(), "base_version": 0,
               "data": {"household_id": home["id"], "full_name": f"Người {n}"}} for n in range(5)]
    visit = visit_change(home["id"], assists=[{"topic": "vneid_account", "outcome": "done", "resident_id": p["id"]}
                                              for p in people])
    reply = client.post("/api/v1/sync/push", headers=official,
                        json={"batch_id": new_id(), "schema_version": 2, "changes": [home, *people, visit]})
    assert {r["status"] for r in reply.get_json()["results"]} == {"applied"}
    pulled = pull_checked(app, client, official, limit=1000)
    assert len([c for c in pulled if c["table"] == "visits"][0]["data"]["assists"]) == 5


# Text as it may be stored by any path (an import, the dashboard, an old app): quotes, backslashes, control
# characters (but NUL, which PostgreSQL refuses), Vietnamese, emoji, the line separators JavaScript minds.
HOSTILE = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=20),
    st.sampled_from(["Nguyễn Thị Ánh", 'a"b\\c\\"', "\x01\x08\x0b\x1f\x7f\x80\x9f", "\u2028\u2029", "</script>",
                     "\\u0000", "😀 Đặng Văn Tư", ""]))
MAYBE_FLOAT = {name: st.none() | st.floats(low, high, allow_nan=False) | st.sampled_from(edges)
               for name, low, high, edges in (
                   ("lat", -90, 90, [0.0, -0.0, 8.0, 1e-05, 1.5e-05, 9.99e-05, 1e-06, -90.0, 16.551234567890123]),
                   ("lon", -180, 180, [180.0, 107.1, 1e-07, 123.456789012345678, 5e-324]),
                   ("accuracy_m", 0, 100_000, [100_000.0, 0.1, 99999.99999999999, 2.5e-05]))}


def test_hostile_text_times_and_floats_are_pulled_as_orjson_writes_them(app, client, world):
    headers = world.login(client, world.official)
    since = orjson.loads(client.get("/api/v1/sync/pull?since=0&limit=1000", headers=headers).data)["cursor"]
    with app.app_context():
        official_id = db.session.execute(select(User.id).where(User.username == world.official)).scalar_one()
    state = {"since": since}

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(text=st.lists(HOSTILE, min_size=8, max_size=8), floats=st.fixed_dictionaries(MAYBE_FLOAT),
           started=st.datetimes(datetime(2000, 1, 1), datetime(2099, 12, 31), timezones=st.just(timezone.utc)),
           follow=st.none() | st.dates(date(2000, 1, 1), date(2099, 12, 31)),
           flags=st.tuples(st.booleans(), st.booleans(), st.none() | st.booleans()),
           numbers=st.tuples(st.none() | st.integers(0, 10_000), st.none() | st.integers(1900, 2026)),
           outcomes=st.lists(st.sampled_from(sorted(OUTCOMES)), max_size=3))
    def check(text, floats, started, follow, flags, numbers, outcomes):
        gone, voided, smartphone = flags
        with app.app_context():
            first = take_seq(3)
            home, person, visit = new_id(), new_id(), new_id()
            common = {"village_id": world.a1, "commune_id": world.commune_a, "version": 1, "field_versions": {},
                      "deleted": gone}
            db.session.add(Household(id=home, seq=first, address=text[0], head_name=text[1], phone=text[2][:20],
                                     note=text[3], **common))
            db.session.add(Resident(id=person, seq=first + 1, household_id=home, full_name=text[4],
                                    birth_year=numbers[1], sex=None, phone="", has_smartphone=smartphone,
                                    **common))
            db.session.add(Visit(id=visit, seq=first + 2, household_id=home, village_id=world.a1,
                                 commune_id=world.commune_a, official_id=official_id, started_at=started,
                                 duration_min=numbers[0], status=text[5][:10], notes=text[6], follow_up_on=follow,
                                 replaces_id=None if voided else visit, voided=voided, payload_hash="0" * 64,
                                 version=1, received_at=started + timedelta(microseconds=1), **floats))
            for n, outcome in enumerate(outcomes):
                db.session.add(Assist(visit_id=visit, resident_id=person if n % 2 else None, topic=text[7][:20],
                                      outcome=outcome, note=text[n], household_id=home, commune_id=world.commune_a))
            db.session.commit()
        # Moved on before any assert: a failed example's rows stay behind the next one's pull.
        since, state["since"] = state["since"], state["since"] + 3
        for schema in ("1", "2"):
            pulled = pull_checked(app, client, {**headers, "X-Schema-Version": schema}, since, 1000)
            assert [c["id"] for c in pulled] == [home, person, visit]

    check()
