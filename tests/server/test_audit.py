"""The audit log: each view or export of personal data, and each audited change, leaves exactly its row, with who,
when, from where and what, and never a name, a phone or an address; admins read and export it, nobody else."""
import csv
import io
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from server import audit
from server.extensions import db
from server.models import AuditLog
from tests.server.test_dashboard_manage import _conflict
from tests.server.test_dashboard_pages import Campaign
from tests.server.test_dashboard_views import csrf, logged_in, user_id

PERSONAL = ("Lê Văn Tám", "Phạm Thị Bé", "Võ Văn Ba", "Hồ Thị Tư", "Lê Thị Hai", "Kiệt 3", "Đường Làng",
            "Trần Văn", "Nguyễn Thị Mai", "0905123456", "Phạm Văn Út", "Đỗ Văn Năm")


@pytest.fixture
def campaign(client, world):
    return Campaign(client, world)


def _rows(app) -> list[dict]:
    with app.app_context():
        return [{"id": r.id, "at": r.at, "user_id": r.user_id, "action": r.action, "detail": r.detail,
                 "address": r.address, "device_id": r.device_id, "target": r.target}
                for r in db.session.execute(select(AuditLog).order_by(AuditLog.id)).scalars()]


def _one_new_row(app, before: list[dict], action: str) -> dict:
    """The rows added since `before`: exactly one, of `action`, holding no personal value."""
    seen = {r["id"] for r in before}
    new = [r for r in _rows(app) if r["id"] not in seen]
    assert [r["action"] for r in new] == [action], new
    row = new[0]
    for value in PERSONAL:
        assert value not in repr(row), (action, value)
    assert row["address"] == "127.0.0.1"
    assert datetime.now(timezone.utc) - row["at"] < timedelta(minutes=1)
    return row


DASHBOARD = [
    ("never_reached", "/communes/{a}/never-reached", "view_never_reached"),
    ("follow_ups", "/communes/{a}", "view_follow_ups"),
    ("export_xlsx", "/communes/{a}/export.xlsx", "export"),
    ("export_csv", "/communes/{a}/export.csv?table=officials", "export"),
    ("visits_csv", "/communes/{a}/visits.csv?village={a1}", "export"),
    ("visits_xlsx", "/communes/{a}/visits.xlsx", "export"),
]


@pytest.mark.parametrize("name, path, action", DASHBOARD, ids=[d[0] for d in DASHBOARD])
def test_each_dashboard_view_or_export_of_names_leaves_its_row(app, client, world, campaign, name, path, action):
    logged_in(client, world.leader)
    before = _rows(app)
    reply = client.get(path.format(a=world.commune_a, a1=world.a1))
    assert reply.status_code == 200
    row = _one_new_row(app, before, action)
    assert row["user_id"] == user_id(app, world.leader) and row["target"] == f"commune:{world.commune_a}"
    assert row["device_id"] is None and row["detail"]["rows"] >= 1
    if action == "export":
        assert row["detail"]["format"] == path.split("export.")[-1].split("visits.")[-1][:4].rstrip("?")
        assert row["detail"]["personal"] is name.startswith("visits")
    if name == "visits_csv":
        assert row["detail"]["filters"] == {"village": str(world.a1)} and row["detail"]["tables"] == ["visits"]


def test_an_admins_views_are_recorded_as_without_names(app, client, world, campaign):
    logged_in(client, world.admin)
    before = _rows(app)
    assert client.get(f"/communes/{world.commune_a}/never-reached").status_code == 200
    row = _one_new_row(app, before, "view_never_reached")
    assert row["detail"] == {"personal": False, "rows": 3, "village": None}
    # The overview shows an admin no names: nothing to record.
    before = _rows(app)
    assert client.get(f"/communes/{world.commune_a}").status_code == 200
    assert _rows(app) == before


def test_the_conflicts_page_is_recorded_when_it_shows_values(app, client, world):
    _conflict(client, world)
    logged_in(client, world.leader)
    before = _rows(app)
    assert client.get(f"/communes/{world.commune_a}/conflicts").status_code == 200
    assert _one_new_row(app, before, "view_conflicts")["detail"] == {"rows": 1}


@pytest.mark.parametrize("path, who, detail", [
    ("/api/v1/households?village_id={a1}", "official", {"table": "households", "page": 1, "per_page": 100,
                                                        "village": "a1", "rows": 3}),
    ("/api/v1/residents", "leader", {"table": "residents", "page": 1, "per_page": 100, "village": None, "rows": 5}),
    ("/api/v1/visits?per_page=2&page=2", "leader", {"table": "visits", "page": 2, "per_page": 2, "village": None,
                                                    "rows": 1}),
    ("/api/v1/stats/never-reached?area={a}", "leader", {"list": "never_reached", "village": None,
                                                        "personal": True, "rows": 3}),
    ("/api/v1/stats/follow-ups?area={a}", "admin", {"list": "follow_ups", "village": None, "personal": False,
                                                    "rows": 1}),
])
def test_each_api_page_of_records_served_to_a_token_leaves_its_row(app, client, world, campaign, path, who, detail):
    headers = world.login(client, getattr(world, who))
    before = _rows(app)
    assert client.get(path.format(a=world.commune_a, a1=world.a1), headers=headers).status_code == 200
    action = "api_work_list" if "/stats/" in path else "api_records"
    row = _one_new_row(app, before, action)
    detail = {**detail, "village": world.a1} if detail["village"] == "a1" else detail
    assert row["detail"] == detail
    assert row["user_id"] == user_id(app, getattr(world, who)) and row["device_id"] == headers["X-Device-Id"]
    if action == "api_work_list":
        assert row["target"] == f"area:{world.commune_a}"


def test_a_tablets_download_from_zero_is_recorded_and_later_pages_are_not(app, client, world, campaign):
    headers = world.login(client, world.official)
    before = _rows(app)
    first = client.get("/api/v1/sync/pull?since=0&limit=3", headers=headers).get_json()
    row = _one_new_row(app, before, "pull_from_zero")
    assert row["detail"] == {"limit": 3} and row["device_id"] == headers["X-Device-Id"]
    before = _rows(app)
    assert client.get(f"/api/v1/sync/pull?since={first['cursor']}", headers=headers).status_code == 200
    assert _rows(app) == before


def test_a_new_user_is_recorded_without_their_name(app, client, world):
    logged_in(client, world.leader)
    before = _rows(app)
    reply = client.post(f"/communes/{world.commune_a}/officials", data={
        "csrf_token": csrf(client), "username": "mai.nt", "full_name": "Nguyễn Thị Mai", "role": "official",
        "password": "một-mật-khẩu-dài", "village": [str(world.a1)]})
    assert reply.status_code == 302
    row = _one_new_row(app, before, "create_user")
    assert row["user_id"] == user_id(app, world.leader) and row["target"] == f"user:{user_id(app, 'mai.nt')}"
    assert row["detail"] == {"user": user_id(app, "mai.nt"), "role": "official"}


@pytest.mark.parametrize("detail", [{"name": "Lê Văn Tám"}, {"phone": "0905 123 456"}, {"phone": "0905123456"},
                                    {"phone": "+84905123456"}, {"q": {"a": ["Kiệt 3"]}},
                                    {"day": datetime(2026, 1, 1)}, {"blob": b"x"}, {"long": "x" * 65}])
def test_record_refuses_what_could_be_personal_data(app, detail):
    with app.app_context():
        with pytest.raises(audit.PersonalDataRefused):
            audit.record("export", **detail)
        with pytest.raises(audit.PersonalDataRefused):
            audit.record("export", target="household:Lê Văn Tám")
        with pytest.raises(ValueError):
            audit.record("looked_around")
        db.session.rollback()
    assert _rows(app) == []


def test_record_outside_a_request_takes_the_user_given(app, world):
    with app.app_context():
        row = audit.record("set_target", by_user_id=7, target="commune:3", topic="vneid_account", percent=50.0)
        db.session.commit()
        assert (row.user_id, row.address, row.device_id, row.detail) == (7, None, None,
                                                                         {"topic": "vneid_account", "percent": 50.0})


# --- The admins' page and its exports ----------------------------------------------------------------------------

def _filled(app, world, count: int = 60) -> None:
    """`count` rows a day apart, newest now: reads by the leader, and every fifth an export by the admin (the
    world's own rows, its users' creation, are taken out first)."""
    leader, admin = user_id(app, world.leader), user_id(app, world.admin)
    now = datetime.now(timezone.utc)
    with app.app_context():
        db.session.execute(AuditLog.__table__.delete())
        for i in range(count):
            action, who = ("export", admin) if i % 5 == 0 else ("view_never_reached", leader)
            db.session.add(AuditLog(at=now - timedelta(days=i), user_id=who, action=action, address="10.0.0.7",
                                    target=f"commune:{world.commune_a}", detail={"rows": i}))
        db.session.commit()


def test_only_admins_open_the_audit_log(app, client, world):
    logged_in(client, world.leader)
    for path in ("/audit", "/audit.xlsx", "/audit.csv"):
        assert client.get(path).status_code == 403, path
    assert "/audit" not in client.get(f"/communes/{world.commune_a}").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf(client)})
    assert client.get("/audit").status_code == 302  # to the login page
    logged_in(client, world.admin)
    page = client.get("/communes").get_data(as_text=True)
    assert 'href="/audit"' in page and "Nhật ký truy cập" in page


def test_the_page_filters_pages_and_translates(app, client, world):
    _filled(app, world)
    logged_in(client, world.admin)  # the admin's login is the 61st row, the newest
    page = client.get("/audit").get_data(as_text=True)
    assert "61 mục" in page and "Trang 1/2" in page and page.count('<tr data-action=') == 50
    assert "Xem danh sách hộ chưa tiếp cận" in page and "10.0.0.7" in page and world.leader in page
    older = client.get("/audit?page=2").get_data(as_text=True)
    assert older.count('<tr data-action=') == 11 and "rows=59" in older and "rows=59" not in page
    exports = client.get("/audit?action=export").get_data(as_text=True)
    assert "12 mục" in exports and 'data-action="view_never_reached"' not in exports
    mine = client.get(f"/audit?user={user_id(app, world.leader)}").get_data(as_text=True)
    assert "48 mục" in mine
    today = datetime.now(ZoneInfo(app.config["TIMEZONE"])).date()  # days are the commune's local days
    week = client.get(f"/audit?from={today - timedelta(days=6)}&to={today}")
    assert "8 mục" in week.get_data(as_text=True)
    assert "2 mục" in client.get(f"/audit?from={today}&to={today}").get_data(as_text=True)
    # Nonsense filters are dropped, not a 500.
    assert "61 mục" in client.get("/audit?action=nope&user=x&from=2026-13-01&page=-4").get_data(as_text=True)
    client.get("/lang/en")
    english = client.get("/audit?action=export").get_data(as_text=True)
    assert "12 entries" in english and "Exported a table" in english and "Page 1 of 1" not in english


def test_the_audit_log_exports_with_the_pages_filters_and_is_audited_itself(app, client, world):
    _filled(app, world)
    logged_in(client, world.admin)
    reply = client.get("/audit.xlsx?action=export")
    assert reply.status_code == 200 and reply.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(reply.data))["Nhật ký truy cập"]
    rows = list(sheet.values)
    assert rows[0][:4] == ("Thời gian", "Người dùng", "Vai trò", "Thao tác") and len(rows) == 13
    assert all(row[3] == "Xuất một bảng" and row[1] == world.admin for row in rows[1:])
    reply = client.get(f"/audit.csv?user={user_id(app, world.leader)}")
    lines = list(csv.reader(io.StringIO(reply.data.decode("utf-8-sig"))))
    assert len(lines) == 49 and lines[1][6] == "10.0.0.7"
    assert client.get("/audit.pdf").status_code == 404
    last = _rows(app)[-2:]
    assert [r["action"] for r in last] == ["export_audit", "export_audit"]
    assert last[0]["detail"] == {"format": "xlsx", "tables": ["audit"], "rows": 12, "personal": False,
                                 "filters": {"action": "export"}}


def test_every_action_has_its_label_in_both_languages():
    from server.dashboard import i18n
    from server.dashboard.audit_page import ACTION_LABELS

    assert set(ACTION_LABELS) == set(audit.ACTIONS)
    assert [label for label in ACTION_LABELS.values() if label not in i18n.VI] == []
