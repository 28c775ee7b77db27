"""Management from the dashboard: officials, villages, passwords, lost tablets, conflicts and imports."""
import html
import io

from openpyxl import Workbook

from server.extensions import db
from server.models import AuditLog, Conflict, Household, User
from shared.ids import new_id
from tests.conftest import World, household_change, push
from tests.server.test_dashboard_views import csrf, logged_in, user_id


def test_a_leader_creates_an_official_with_villages(app, client, world):
    logged_in(client, world.leader)
    path = f"/communes/{world.commune_a}/officials"
    form = {"csrf_token": csrf(client), "full_name": "Nguyễn Thị Mai", "username": "mai.nt",
            "password": "mật-khẩu-đủ-dài", "village": [str(world.a1), str(world.a3), str(world.b1)]}
    assert client.post(path, data=form).status_code == 302
    with app.app_context():
        mai = db.session.execute(db.select(User).where(User.username == "mai.nt")).scalar_one()
        assert (mai.role, mai.commune_id) == ("official", world.commune_a)
        assert {v.id for v in mai.villages} == {world.a1, world.a3}  # another commune's village is not offered
    assert "Nguyễn Thị Mai" in client.get(path).get_data(as_text=True)
    # The same username again is refused with the reason, not a 500.
    again = client.post(path, data={**form, "csrf_token": csrf(client)})
    assert again.status_code == 200 and "Tên đăng nhập mai.nt đã có người dùng." in again.get_data(as_text=True)
    # A leader makes officials only.
    assert client.post(path, data={**form, "username": "boss", "role": "leader"}).status_code == 403


def test_assign_villages_reset_password_and_disable(app, client, world):
    logged_in(client, world.leader)
    official = user_id(app, world.official)
    assert world.official in client.get(f"/users/{official}").get_data(as_text=True)
    client.post(f"/users/{official}/villages", data={"csrf_token": csrf(client), "village": [str(world.a3)]})
    client.post(f"/users/{official}/password", data={"csrf_token": csrf(client), "password": "ngõ hẹp mưa phùn 47"})
    reply = client.post("/api/v1/auth/login", json={"username": world.official, "password": "ngõ hẹp mưa phùn 47",
                                                    "device_id": new_id(), "device_label": "Tab"})
    assert reply.status_code == 200
    short = client.post(f"/users/{official}/password", data={"csrf_token": csrf(client), "password": "short"})
    assert "Mật khẩu cần ít nhất 10 ký tự." in client.get(short.headers["Location"]).get_data(as_text=True)
    client.post(f"/users/{official}/active", data={"csrf_token": csrf(client), "active": "0"})
    with app.app_context():
        person = db.session.get(User, official)
        assert [v.id for v in person.villages] == [world.a3] and person.active is False
        actions = [a.action for a in db.session.execute(db.select(AuditLog).order_by(AuditLog.id)).scalars()]
        assert {"password_reset", "user_disabled"} <= set(actions)
        # The audit log names ids, never the password.
        assert all("mới" not in str(a.detail) for a in db.session.execute(db.select(AuditLog)).scalars())


def test_revoking_a_lost_tablet_ends_its_token(app, client, world):
    headers = world.login(client, world.official)
    assert client.get("/api/v1/sync/pull?since=0", headers=headers).status_code == 200
    logged_in(client, world.leader)
    page = client.get(f"/users/{user_id(app, world.official)}").get_data(as_text=True)
    assert f'data-device="{headers["X-Device-Id"]}"' in page
    reply = client.post(f"/devices/{headers['X-Device-Id']}/revoke", data={"csrf_token": csrf(client)})
    assert reply.status_code == 302
    assert client.get("/api/v1/sync/pull?since=0", headers=headers).status_code == 401


def test_a_leader_cannot_revoke_another_communes_tablet(app, client, world):
    headers = world.login(client, world.official_b)
    logged_in(client, world.leader)
    reply = client.post(f"/devices/{headers['X-Device-Id']}/revoke", data={"csrf_token": csrf(client)})
    assert reply.status_code == 404
    assert client.get("/api/v1/sync/pull?since=0", headers=headers).status_code == 200


def _conflict(client, world) -> str:
    """Two changes of the head of household from the same base: the later one wins, the other value is lost."""
    first = world.login(client, world.official)
    hh = new_id()
    push(client, first, household_change(world.a1, id=hh, head_name="Trần Văn Một"))
    update = lambda name: {"table": "households", "op": "upsert", "id": hh, "base_version": 1,  # noqa: E731
                           "data": {"head_name": name}}
    assert push(client, first, update("Trần Văn Hai")).get_json()["results"][0]["status"] == "applied"
    assert push(client, first, update("Trần Văn Ba")).get_json()["results"][0]["status"] in ("merged", "applied")
    return hh


def test_the_leader_keeps_the_lost_value_of_a_conflict(app, client, world):
    hh = _conflict(client, world)
    with app.app_context():
        conflict = db.session.execute(db.select(Conflict)).scalar_one()
        before = db.session.get(Household, hh)
        version, seq, lost = before.version, before.seq, conflict.lost_value
    logged_in(client, world.leader)
    page = client.get(f"/communes/{world.commune_a}/conflicts").get_data(as_text=True)
    assert "Trần Văn Ba" in page and "Trần Văn Hai" in page and f'data-conflict="{conflict.id}"' in page
    reply = client.post(f"/communes/{world.commune_a}/conflicts",
                        data={"csrf_token": csrf(client), "conflict": conflict.id, "pick": "lost"})
    assert reply.status_code == 302
    with app.app_context():
        row = db.session.get(Household, hh)
        assert row.head_name == lost and row.version == version + 1 and row.seq > seq
        assert row.field_versions["head_name"] == row.version
        assert db.session.get(Conflict, conflict.id).resolved
    assert "Không có xung đột" in client.get(f"/communes/{world.commune_a}/conflicts").get_data(as_text=True)
    # The tablets pull the chosen value.
    pulled = client.get("/api/v1/sync/pull?since=0", headers=world.login(client, world.official)).get_json()
    assert any(c["id"] == hh and c["data"]["head_name"] == lost for c in pulled["changes"])


def test_keeping_the_kept_value_changes_nothing_but_the_conflict(app, client, world):
    hh = _conflict(client, world)
    with app.app_context():
        conflict_id = db.session.execute(db.select(Conflict.id)).scalar_one()
        version = db.session.get(Household, hh).version
    logged_in(client, world.leader)
    client.post(f"/communes/{world.commune_a}/conflicts",
                data={"csrf_token": csrf(client), "conflict": conflict_id, "pick": "kept"})
    with app.app_context():
        assert db.session.get(Household, hh).version == version
        assert db.session.get(Conflict, conflict_id).resolved
    # Another commune's leader can neither see nor resolve it.
    other = app.test_client()
    logged_in(other, world.leader_b)
    assert other.get(f"/communes/{world.commune_a}/conflicts").status_code == 403


def test_an_admin_uploads_a_household_list_and_sees_the_row_errors(app, client, world):
    logged_in(client, world.admin)
    assert client.get("/import").status_code == 200
    bad = "Thôn,Địa chỉ,Chủ hộ\nThôn Đông,1 Kiệt 9,Lê Thị Chín\nThôn Không Có,2 Kiệt 9,Lê Văn Mười\n"
    page = client.post("/import", data={"csrf_token": csrf(client), "commune": world.commune_a,
                                        "file": (io.BytesIO(bad.encode()), "ho.csv")},
                       content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
    assert 'id="errors"' in page and "<td class=\"num\">3</td>" in page and "Chưa nhập gì" in page
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Household)) == 0
    book = Workbook()
    book.active.append(["Thôn", "Địa chỉ", "Chủ hộ"])
    book.active.append(["Thôn Tây", "7 Đường Làng", "Phan Văn Bảy"])
    data = io.BytesIO()
    book.save(data)
    page = client.post("/import", data={"csrf_token": csrf(client), "commune": world.commune_a,
                                        "file": (io.BytesIO(data.getvalue()), "ho.xlsx")},
                       content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
    assert "Đã nhập 1 hộ" in page
    with app.app_context():
        assert db.session.execute(db.select(Household.village_id)).scalar_one() == world.a2


def test_a_leader_may_not_import(client, world):
    logged_in(client, world.leader)
    assert client.get("/import").status_code == 403


def test_an_admin_creates_a_leader(app, client, world):
    logged_in(client, world.admin)
    client.post(f"/communes/{world.commune_b}/officials", data={
        "csrf_token": csrf(client), "full_name": "Hồ Văn Lãnh", "username": "lanh.hv", "password": World.PASSWORD,
        "role": "leader"})
    with app.app_context():
        assert db.session.execute(db.select(User.role).where(User.username == "lanh.hv")).scalar_one() == "leader"


def test_the_revoke_button_asks_first_and_says_what_will_happen_in_both_languages(app, client, world):
    headers = world.login(client, world.official)
    logged_in(client, world.leader)
    device = headers["X-Device-Id"]
    page = client.get(f"/users/{user_id(app, world.official)}").get_data(as_text=True)
    assert "Thu hồi và xóa dữ liệu" in page and "encrypt" not in page and "mã hóa" not in page
    assert f'action="/devices/{device}/revoke"' in page and 'method="get"' in page  # the button only asks
    asked = client.get(f"/devices/{device}/revoke").get_data(as_text=True)
    assert ("Ở lần kết nối tiếp theo, máy tính bảng sẽ xóa toàn bộ dữ liệu của xã đang lưu trên máy, kể cả các "
            "thay đổi chưa gửi; cán bộ sẽ phải đăng nhập lại.") in asked
    client.set_cookie("lang", "en")
    asked = html.unescape(client.get(f"/devices/{device}/revoke").get_data(as_text=True))
    assert ("At its next connection the tablet erases all the commune's data it holds, including changes not yet "
            "sent; the official will have to log in again.") in asked
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200  # asking changed nothing
    done = client.post(f"/devices/{device}/revoke", data={"csrf_token": csrf(client)}, follow_redirects=True)
    assert "it erases its data at its next connection" in done.get_data(as_text=True)
    assert "Erase requested at" in done.get_data(as_text=True)
