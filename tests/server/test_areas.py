"""Areas an admin keeps: names unique among siblings, renamed, merged through the one write path, retired."""
import pytest
from sqlalchemy import func, select

from server.admin import areas, service as admin
from server.admin.service import AdminError
from server.extensions import db
from server.models import Area, AuditLog, Household, Resident, UserVillage, Visit
from shared.ids import new_id
from tests.conftest import household_change, push, visit_change
from tests.server.test_cli import run
from tests.server.test_dashboard_views import csrf, logged_in, user_id


def pull_all(client, headers, since=0):
    changes = []
    while True:
        reply = client.get(f"/api/v1/sync/pull?since={since}&limit=500", headers=headers)
        assert reply.status_code == 200, reply.get_json()
        page = reply.get_json()
        changes += page["changes"]
        since = page["cursor"]
        if not page["has_more"]:
            return changes, since


def test_a_sibling_name_is_refused_whatever_its_case_and_marks(app, world):
    with app.app_context():
        for name in ("Thôn Đông", "thon dong", "  THÔN ĐÔNG "):
            with pytest.raises(AdminError, match="already has this name"):
                admin.create_area("village", name, world.commune_a)
        db.session.rollback()
        # Another commune may have its own Thôn Đông, and a rename to one's own name is no change of name.
        assert admin.create_area("village", "Thôn Đông", world.commune_b).name == "Thôn Đông"
        assert areas.rename(world.a1, "Thôn  Đông").name == "Thôn  Đông"
        with pytest.raises(AdminError):
            areas.rename(world.a2, "thôn bắc")


def test_the_cli_refuses_a_second_village_of_the_same_name(app, world):
    result = run(app, "create-area", "--level", "village", "--name", "Thôn Tây", "--parent", str(world.commune_a))
    assert result.exit_code != 0 and "already has this name" in result.output
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Area).where(
            Area.commune_id == world.commune_a, Area.name == "Thôn Tây")).scalar() == 1


def test_a_rename_reaches_the_tablets_by_the_pull(app, client, world):
    headers = world.login(client, world.official)
    _, cursor = pull_all(client, headers)
    result = run(app, "areas", "rename", str(world.a1), "Thôn Đông Hải")
    assert result.exit_code == 0, result.output
    changes, _ = pull_all(client, headers, cursor)
    assert [(c["id"], c["data"]["name"], c["deleted"]) for c in changes] == [(str(world.a1), "Thôn Đông Hải", False)]


def test_merge_moves_households_with_their_residents_and_visits_and_officials(app, client, world):
    official, other = world.login(client, world.official), world.login(client, world.official2)
    home = household_change(world.a3, address="Số 9")
    lan = {"table": "residents", "op": "upsert", "id": new_id(), "base_version": 0,
           "data": {"household_id": home["id"], "full_name": "Võ Thị Lan", "birth_year": 1960}}
    visit = visit_change(home["id"], assists=[{"topic": "vneid_account", "outcome": "done", "resident_id": lan["id"]}])
    assert push(client, other, home, lan, visit).status_code == 200
    staying = household_change(world.a1, address="Số 18")
    assert push(client, official, staying).status_code == 200
    leader = world.login(client, world.leader)
    before = client.get(f"/api/v1/stats/coverage?area={world.commune_a}", headers=leader).get_json()

    result = run(app, "areas", "merge", str(world.a3), str(world.a1))
    assert result.exit_code == 0, result.output
    assert "1 households moved" in result.output

    with app.app_context():
        assert db.session.get(Household, home["id"]).village_id == world.a1
        assert db.session.get(Resident, lan["id"]).village_id == world.a1
        assert db.session.get(Visit, visit["id"]).village_id == world.a1
        merged = db.session.get(Area, world.a3)
        assert (merged.retired, merged.merged_into_id) == (True, world.a1)
        official2 = user_id(app, world.official2)
        assert set(db.session.execute(select(UserVillage.village_id).where(
            UserVillage.user_id == official2)).scalars()) == {world.a1}
        assert db.session.execute(select(AuditLog.target).where(AuditLog.action == "merge_area")).scalar() == \
            f"area:{world.a3}"
    # The official of the merged village pulls again from zero, and then holds the moved household in its village.
    assert client.get("/api/v1/sync/pull?since=1", headers=other).status_code == 410
    changes, _ = pull_all(client, other)
    held = {(c["table"], c["id"]): c for c in changes}
    assert held["households", home["id"]]["data"]["village_id"] == world.a1
    assert held["areas", str(world.a3)]["deleted"] is True
    # The commune's figures are the same households and residents, in one village fewer.
    after = client.get(f"/api/v1/stats/coverage?area={world.commune_a}", headers=leader).get_json()
    assert after["households_total"] == before["households_total"] == 2
    assert after["households_reached"] == before["households_reached"]
    assert world.a3 in [v["area_id"] for v in before["villages"]]
    assert world.a3 not in [v["area_id"] for v in after["villages"]]


def test_merge_and_retire_refuse_what_the_data_does_not_allow(app, client, world):
    official = world.login(client, world.official)
    push(client, official, household_change(world.a2))
    with app.app_context():
        for call, message in ((lambda: areas.merge(world.a1, world.a1), "into itself"),
                              (lambda: areas.merge(world.a1, world.b1), "same commune"),
                              (lambda: areas.merge(world.commune_a, world.commune_b), "same commune"),
                              (lambda: areas.retire(world.a2), "merge it into another village first"),
                              (lambda: areas.retire(world.commune_a), "retire or merge them first"),
                              (lambda: areas.rename(999_999, "X"), "No such area")):
            with pytest.raises(AdminError, match=message):
                call()
            db.session.rollback()


def test_a_retired_village_leaves_lists_imports_and_tablets(app, client, world, tmp_path):
    official = world.login(client, world.official)
    _, cursor = pull_all(client, official)
    assert run(app, "areas", "retire", str(world.a2)).exit_code == 0
    assert run(app, "areas", "retire", str(world.a2)).exit_code != 0  # retired already: no such area
    with app.app_context():
        from server.dashboard import service
        assert world.a2 not in [v.id for v in service.villages_of(world.commune_a)]
        assert not db.session.get(UserVillage, (user_id(app, world.official), world.a2))
    # Its officials' scope changed: they pull again, and the village comes as deleted.
    assert client.get(f"/api/v1/sync/pull?since={cursor}", headers=official).status_code == 410
    changes, _ = pull_all(client, official)
    assert {c["id"]: c["deleted"] for c in changes if c["table"] == "areas"}[str(world.a2)] is True
    # A new village may take the retired one's name; a household pushed into the retired one is refused.
    with app.app_context():
        assert admin.create_area("village", "Thôn Tây", world.commune_a).id != world.a2
    leader = world.login(client, world.leader)
    reply = push(client, leader, household_change(world.a2)).get_json()
    assert reply["results"][0]["status"] == "rejected"
    listing = run(app, "areas", "list", "--commune", str(world.commune_a))
    assert "Thôn Tây" in listing.output and f"{world.a2}\t" not in listing.output


def test_the_tablet_drops_a_village_pulled_as_deleted(tmp_path):
    from fieldapp.store import Store
    store = Store(tmp_path / "t.db")
    store.apply_pull([{"table": "areas", "id": 7, "version": 1, "deleted": False,
                       "data": {"parent_id": 1, "level": "village", "code": None, "name": "Thôn Tây"}}], 5)
    assert [r[0] for r in store.db.execute("SELECT id FROM areas")] == [7]
    store.apply_pull([{"table": "areas", "id": 7, "version": 2, "deleted": True,
                       "data": {"parent_id": 1, "level": "village", "code": None, "name": "Thôn Tây"}}], 6)
    assert store.db.execute("SELECT count(*) FROM areas").fetchone()[0] == 0


def test_the_areas_page_renames_merges_and_retires_for_admins_only(app, client, world):
    logged_in(client, world.leader)
    assert client.get("/areas").status_code == 403
    client.post("/logout", data={"csrf_token": csrf(client)})
    logged_in(client, world.admin)
    page = client.get(f"/areas?commune={world.commune_a}").get_data(as_text=True)
    assert "Thôn Bắc" in page and "Thôn Đông" in page and "Thôn Hạ" not in page
    reply = client.post(f"/areas/{world.a3}/rename", data={"csrf_token": csrf(client), "name": "Thôn Tây",
                                                         "commune": world.commune_a}, follow_redirects=True)
    assert "Một địa bàn khác cùng cấp trên đã có tên này." in reply.get_data(as_text=True)
    reply = client.post(f"/areas/{world.a3}/merge", data={"csrf_token": csrf(client), "into": world.a2,
                                                        "commune": world.commune_a}, follow_redirects=True)
    assert "Đã gộp thôn: 0 hộ đã được chuyển." in reply.get_data(as_text=True)
    reply = client.post(f"/areas/{world.a2}/retire", data={"csrf_token": csrf(client), "commune": world.commune_a},
                        follow_redirects=True)
    assert "Đã ngừng sử dụng địa bàn." in reply.get_data(as_text=True)
    page = client.get(f"/areas?commune={world.commune_a}").get_data(as_text=True)
    assert "Thôn Bắc" not in page and "Thôn Tây" not in page and "Thôn Đông" in page
    assert client.post(f"/areas/{world.a1}/explode", data={"csrf_token": csrf(client)}).status_code == 404


def test_reset_password_from_the_console_for_an_admin(app, world, client):
    result = run(app, "reset-password", world.admin, input="gió lùa qua khe cửa 93\n")
    assert result.exit_code == 0, result.output
    from server.auth.service import check_credentials
    with app.app_context():
        assert check_credentials(world.admin, "gió lùa qua khe cửa 93").username == world.admin
        assert check_credentials(world.admin, world.PASSWORD) is None


def test_an_import_refuses_a_village_name_two_villages_answer_to(app, world):
    """"Đông" is how a household list writes "Thôn Đông": a village named just "Đông" makes it ambiguous."""
    from server.admin.importer import import_households
    with app.app_context():
        admin.create_area("village", "Đông", world.commune_a)
        report = import_households("Thôn,Địa chỉ,Chủ hộ\nĐông,Số 1,Lê Văn Tám\nThôn Tây,Số 2,Lê Thị Chín\n".encode(),
                                   world.commune_a)
        errors = report.english_errors()
        assert [(line, column) for line, column, _ in errors] == [(2, "Thôn")]
        assert "rename or merge" in errors[0][2]
        assert db.session.execute(select(func.count()).select_from(Household)).scalar() == 0
