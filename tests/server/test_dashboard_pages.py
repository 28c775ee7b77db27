"""The overview, its filters, targets, the work list and the exports, on data pushed by tablets."""
import csv
import io
import re
from datetime import datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook
from sqlalchemy import distinct, func, select

from server.extensions import db
from server.models import Device, Household, Visit
from server.stats.service import get_targets
from shared.ids import new_id
from tests.conftest import household_change, push, visit_change
from tests.server.test_dashboard_views import csrf, logged_in, user_id


def ago(days: float) -> str:
    return (datetime.now(timezone.utc) - timedelta(days=days)).isoformat()


class Campaign:
    """Commune A: five households in two villages, two reached (one with a follow-up now overdue), one not home,
    one whose only visit was voided. Residents for each definition of the indicators: r1 done, r2 not applicable
    for cashless payment, r3 a child (done, but too young to count), r4 with no birth year who already had VNeID,
    r5 whose done was voided. VNeID account: eligible r1 r2 r4 r5, have it r1 r4: 50%.
    Commune B: one household, reached."""

    def __init__(self, client, world):
        headers = world.login(client, world.official)
        self.h = [new_id() for _ in range(5)]
        self.r1, self.r2 = new_id(), new_id()
        changes = [household_change(world.a1, id=self.h[0], address="1 Kiệt 3", head_name="Lê Văn Tám"),
                   household_change(world.a1, id=self.h[1], address="2 Kiệt 3", head_name="Phạm Thị Bé"),
                   household_change(world.a1, id=self.h[2], address="3 Kiệt 3", head_name="Võ Văn Ba"),
                   household_change(world.a2, id=self.h[3], address="4 Đường Làng", head_name="Hồ Thị Tư"),
                   household_change(world.a2, id=self.h[4], address="5 Đường Làng", head_name="Đỗ Văn Năm")]
        self.r3, self.r4, self.r5 = new_id(), new_id(), new_id()
        child = datetime.now(timezone.utc).year - 8
        for rid, home, name, born in ((self.r1, 0, "Lê Văn Tám", 1960), (self.r2, 0, "Lê Thị Hai", 1960),
                                      (self.r3, 1, "Phạm Văn Út", child), (self.r4, 1, "Phạm Thị Bé", None),
                                      (self.r5, 2, "Võ Văn Ba", 1990)):
            changes.append({"table": "residents", "op": "upsert", "id": rid, "base_version": 0,
                            "data": {"household_id": self.h[home], "full_name": name, "birth_year": born}})
        self.voided = visit_change(self.h[2], started_at=ago(6), assists=[
            {"topic": "vneid_account", "outcome": "done", "resident_id": self.r5}])
        changes += [
            visit_change(self.h[0], started_at=ago(10), duration_min=30, assists=[
                {"topic": "vneid_account", "outcome": "done", "resident_id": self.r1},
                {"topic": "cashless_payment", "outcome": "not_applicable", "resident_id": self.r2}]),
            visit_change(self.h[1], started_at=ago(3), duration_min=15,
                         follow_up_on=(datetime.now(timezone.utc) - timedelta(days=2)).date().isoformat(), assists=[
                             {"topic": "vneid_account", "outcome": "done", "resident_id": self.r3},
                             {"topic": "vneid_account", "outcome": "already_had", "resident_id": self.r4}]),
            visit_change(self.h[3], started_at=ago(5), status="not_home", duration_min=5, assists=[]),
            self.voided,
        ]
        reply = push(client, headers, *changes)
        assert {r["status"] for r in reply.get_json()["results"]} == {"applied"}, reply.get_json()
        reply = push(client, headers, {"table": "visits", "op": "delete", "id": self.voided["id"], "base_version": 1,
                                       "data": {}})
        assert reply.get_json()["results"][0]["status"] == "applied", reply.get_json()
        headers_b = world.login(client, world.official_b)
        hb = new_id()
        reply = push(client, headers_b, household_change(world.b1, id=hb, head_name="Ngô Thị Bảy"),
                     visit_change(hb, started_at=ago(1)))
        assert {r["status"] for r in reply.get_json()["results"]} == {"applied"}


@pytest.fixture
def campaign(client, world):
    return Campaign(client, world)


def figure(page: str, name: str) -> str:
    return re.search(rf'data-figure="{name}"[^>]*>([^<]*)<', page).group(1).strip()


def test_overview_figures_equal_a_direct_count(app, client, world, campaign):
    logged_in(client, world.leader)
    page = client.get(f"/communes/{world.commune_a}").get_data(as_text=True)
    with app.app_context():
        total = db.session.scalar(select(func.count()).select_from(Household).where(
            Household.commune_id == world.commune_a, Household.deleted.is_(False)))
        reached = db.session.scalar(select(func.count(distinct(Visit.household_id))).where(
            Visit.commune_id == world.commune_a, Visit.status == "met", Visit.voided.is_(False)))
    assert (total, reached) == (5, 2)
    assert figure(page, "households-total") == "5"
    assert figure(page, "households-reached") == "2"
    assert figure(page, "reached-percent") == "40,0\u00a0%"
    assert figure(page, "residents-total") == "5"
    assert figure(page, "households-not-home") == "1" and figure(page, "unknown-age") == "1"
    assert figure(page, "follow-ups-open") == "1" and figure(page, "follow-ups-overdue") == "1"
    assert "Ngô Thị Bảy" not in page  # commune B's data stays out
    assert topic_cells(page, "vneid_account") == ("4", "2", "50,0 % (2 / 4)")
    assert topic_cells(page, "cashless_payment") == ("3", "0", "0,0 % (0 / 3)")  # r2 not applicable, r3 too young
    # The villages' cells say what they count, and link to who is counted.
    row = re.search(rf'<tr data-village="{world.a1}">(.*?)</tr>', page, re.S).group(1)
    cell = re.search(r'<td class="num" data-topic="vneid_account"[^>]*>(.*?)</td>', row, re.S).group(1)
    assert "50,0\u00a0%" in cell and "(2 / 4)" in re.sub(r"<[^>]+>", "", cell) and "/counted/vneid_account" in cell


def topic_cells(page: str, topic: str) -> tuple[str, str, str]:
    """Eligible, have it and the coverage with its counts, as the topic table shows them."""
    row = re.search(rf'<tr data-topic="{topic}">(.*?)</tr>', page, re.S).group(1)
    text = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", re.search(rf"<td[^>]*{name}[^>]*>(.*?)</td>", row, re.S)
                                        .group(1))).strip() for name in ("data-eligible", "data-has", "data-percent")]
    return tuple(text)


def test_who_is_counted_lists_each_class(app, client, world, campaign):
    logged_in(client, world.leader)
    base = f"/communes/{world.commune_a}/counted/vneid_account"
    page = client.get(f"{base}?which=has").get_data(as_text=True)
    counts = dict(re.findall(r'<tr data-class="(\w+)".*?<td class="num"[^>]*>(\d+)</td>', page, re.S))
    assert counts == {"has": "2", "missing": "2", "not_applicable": "0", "too_young": "1", "unknown_age": "1"}
    assert set(re.findall(r'data-resident="([^"]+)"', page)) == {campaign.r1, campaign.r4}
    page = client.get(f"{base}?which=too_young").get_data(as_text=True)
    assert re.findall(r'data-resident="([^"]+)"', page) == [campaign.r3] and "Phạm Văn Út" in page
    assert client.get(f"/communes/{world.commune_a}/counted/astrology").status_code == 404
    logged_in(client, world.admin)  # aggregates only
    page = client.get(f"{base}?which=has").get_data(as_text=True)
    assert "data-resident" not in page and "Lê Văn Tám" not in page


def test_official_activity_and_a_stale_tablet(app, client, world, campaign):
    with app.app_context():
        device = db.session.execute(db.select(Device).where(
            Device.user_id == user_id(app, world.official))).scalar_one()
        device.last_sync_at = device.last_seen_at = datetime.now(timezone.utc) - timedelta(days=4)
        db.session.commit()
    logged_in(client, world.leader)
    page = client.get(f"/communes/{world.commune_a}").get_data(as_text=True)
    row = re.search(rf'<tr data-official="{user_id(app, world.official)}"[^>]*>(.*?)</tr>', page, re.S).group(1)
    # visits, of which nobody home, households visited, households met, hours (50 minutes)
    assert re.findall(r'<td class="num"(?: data-label="[^"]*")?>([^<]*)</td>', row) == ["3", "1", "3", "2", "0.8"]
    # Their villages (a1 and a2): 2 of 5 households reached, not a share of the commune.
    reached = re.search(r"<td[^>]*data-villages-reached>(.*?)</td>", row, re.S).group(1)
    assert "40,0\u00a0%" in reached and "(2 / 5)" in re.sub(r"<[^>]+>", "", reached)
    assert "data-stale" in row and "Chưa đồng bộ quá 3 ngày" in row


def test_filters_travel_in_the_url(client, world, campaign):
    logged_in(client, world.leader)
    base = f"/communes/{world.commune_a}"
    page = client.get(f"{base}?village={world.a2}").get_data(as_text=True)
    assert figure(page, "households-total") == "2" and figure(page, "households-reached") == "0"
    assert f"village={world.a2}" in page  # export links keep the filter
    recent = (datetime.now(timezone.utc) - timedelta(days=4)).date().isoformat()
    page = client.get(f"{base}?from={recent}").get_data(as_text=True)
    assert figure(page, "households-reached") == "1"
    page = client.get(f"{base}?topic=vneid_account").get_data(as_text=True)
    assert 'data-topic="cashless_payment"' not in page and 'data-topic="vneid_account"' in page
    # A village of another commune is not a filter here: it is dropped and said so.
    page = client.get(f"{base}?village={world.b1}").get_data(as_text=True)
    assert figure(page, "households-total") == "5" and "Bộ lọc không hợp lệ đã bỏ qua: Thôn" in page


def test_the_village_table_sorts_by_any_column(client, world, campaign):
    logged_in(client, world.leader)
    page = client.get(f"/communes/{world.commune_a}?sort=households_reached&desc=1").get_data(as_text=True)
    order = re.findall(r'<tr data-village="(\d+)"', page)
    assert order[0] == str(world.a1) and set(order) == {str(world.a1), str(world.a2), str(world.a3)}
    page = client.get(f"/communes/{world.commune_a}?sort=name").get_data(as_text=True)
    assert re.findall(r'<tr data-village="(\d+)"', page) == [str(world.a3), str(world.a1), str(world.a2)]


def test_the_leader_edits_the_targets(app, client, world, campaign):
    logged_in(client, world.leader)
    path = f"/communes/{world.commune_a}/targets"
    reply = client.post(path, data={"csrf_token": csrf(client), "target_vneid_account": "45",
                                    "target_cashless_payment": "80,5"})
    assert reply.status_code == 302
    with app.app_context():
        assert get_targets(world.commune_a) == {"vneid_account": 45.0, "cashless_payment": 80.5}
    page = client.get(f"/communes/{world.commune_a}").get_data(as_text=True)
    vneid = re.search(r'<tr data-topic="vneid_account">(.*?)</tr>', page, re.S).group(1)
    assert "45,0\u00a0%" in vneid and "Đạt chỉ tiêu" in vneid  # 50% of residents against 45%
    reply = client.post(path, data={"csrf_token": csrf(client), "target_vneid_account": "120"})
    with app.app_context():
        assert get_targets(world.commune_a)["vneid_account"] == 45.0
    assert "từ 0 đến 100" in client.get(reply.headers["Location"]).get_data(as_text=True)


def test_the_trend_chart_has_its_numbers_in_a_table(client, world, campaign):
    logged_in(client, world.leader)
    page = client.get(f"/communes/{world.commune_a}").get_data(as_text=True)
    assert '<svg class="chart trend"' in page and "<polyline" in page
    weeks = re.search(r'<table class="data" id="weeks">(.*?)</table>', page, re.S).group(1)
    visits = [int(n) for n in re.findall(r'<tr><th scope="row">[^<]*</th><td class="num"[^>]*>(\d+)</td>', weeks)]
    assert sum(visits) == 3


def test_the_work_list_of_households_never_reached(client, world, campaign):
    logged_in(client, world.leader)
    page = client.get(f"/communes/{world.commune_a}/never-reached").get_data(as_text=True)
    assert figure(page, "never-reached") == "3 hộ"
    assert "3 Kiệt 3" in page and "Võ Văn Ba" in page and "Hồ Thị Tư" in page and "Lê Văn Tám" not in page
    page = client.get(f"/communes/{world.commune_a}/never-reached?village={world.a2}").get_data(as_text=True)
    assert figure(page, "never-reached") == "2 hộ" and "Võ Văn Ba" not in page


def test_an_admin_gets_the_work_list_without_names(client, world, campaign):
    logged_in(client, world.admin)
    page = client.get(f"/communes/{world.commune_a}/never-reached").get_data(as_text=True)
    # Aggregates only, as on the API (server/personal.py): the count, no name and no address.
    assert figure(page, "never-reached") == "3 hộ" and "3 Kiệt 3" not in page and "Võ Văn Ba" not in page


def test_the_excel_export_has_a_sheet_per_table_with_vietnamese_headers(client, world, campaign):
    logged_in(client, world.leader)
    reply = client.get(f"/communes/{world.commune_a}/export.xlsx")
    assert reply.status_code == 200 and reply.mimetype.endswith("spreadsheetml.sheet")
    assert reply.headers["Cache-Control"] == "no-store"
    book = load_workbook(io.BytesIO(reply.data))
    assert book.sheetnames == ["Tổng quan", "Thôn", "Cán bộ", "Diễn biến theo tuần"]
    villages = list(book["Thôn"].values)
    assert villages[0][:4] == ("Thôn", "Tổng số hộ", "Hộ đã tiếp cận", "Tỷ lệ (%)")
    assert {row[0]: row[1:3] for row in villages[1:]} == {"Thôn Đông": (3, 2), "Thôn Tây": (2, 0), "Thôn Bắc": (0, 0)}
    overview = {row[0]: row[1:] for row in book["Tổng quan"].values}
    assert overview["Nội dung"][:5] == ("Từ tuổi", "Người trong diện", "Đã có", "Tỷ lệ đạt (%)", "Chỉ tiêu (%)")
    assert overview["Tài khoản VNeID"][:4] == (14, 4, 2, 50.0)  # from age 14: 4 eligible, 2 have it
    assert overview["Hộ đã tiếp cận"][1:4] == (5, 2, 40.0) and overview["Đã đến, vắng nhà"][2] == 1
    officials = list(book["Cán bộ"].values)
    assert officials[0][1:5] == ("Lượt thăm", "Trong đó vắng nhà", "Hộ đã đến", "Hộ đã gặp")


def test_the_csv_export_of_one_table(client, world, campaign):
    logged_in(client, world.leader)
    reply = client.get(f"/communes/{world.commune_a}/export.csv?table=villages&village={world.a1}")
    assert reply.status_code == 200 and reply.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(reply.data.decode("utf-8-sig"))))
    assert rows[0][0] == "Thôn" and rows[1][:3] == ["Thôn Đông", "3", "2"] and len(rows) == 2
    assert client.get(f"/communes/{world.commune_a}/export.csv?table=nope").status_code == 404
    assert client.get(f"/communes/{world.commune_a}/export.pdf").status_code == 404


def test_the_visit_log_shows_names_only_to_the_leader(client, world, campaign):
    leader_rows = _visit_log(client, world, world.leader)
    assert len(leader_rows) == 4 and "Chủ hộ" in leader_rows[0]
    assert any("Lê Văn Tám" in row for row in leader_rows[1:])
    client.post("/logout", data={"csrf_token": csrf(client)})
    admin_rows = _visit_log(client, world, world.admin)
    assert len(admin_rows) == 4 and "Chủ hộ" not in admin_rows[0] and "Địa chỉ" not in admin_rows[0]
    assert not any("Lê Văn Tám" in cell or "Kiệt" in cell for row in admin_rows for cell in row)


def _visit_log(client, world, username) -> list[list[str]]:
    logged_in(client, username)
    reply = client.get(f"/communes/{world.commune_a}/visits.csv")
    assert reply.status_code == 200
    return list(csv.reader(io.StringIO(reply.data.decode("utf-8-sig"))))


def test_the_visit_log_in_excel_follows_the_filters(client, world, campaign):
    logged_in(client, world.leader)
    reply = client.get(f"/communes/{world.commune_a}/visits.xlsx?village={world.a2}")
    rows = list(load_workbook(io.BytesIO(reply.data)).active.values)
    assert len(rows) == 2 and "Vắng nhà" in rows[1]


def test_an_admin_sets_the_minimum_ages_and_the_figures_follow(app, client, world, campaign):
    logged_in(client, world.leader)
    assert client.post("/topic-rules", data={"csrf_token": csrf(client), "min_age_vneid_account": "6"}) \
        .status_code == 403
    logged_in(client, world.admin)
    page = client.get("/communes").get_data(as_text=True)
    assert 'name="min_age_vneid_account"' in page and 'value="14"' in page
    reply = client.post("/topic-rules", data={"csrf_token": csrf(client), "min_age_vneid_account": "6",
                                              "min_age_public_services": "18"})
    assert reply.status_code == 302
    page = client.get(f"/communes/{world.commune_a}").get_data(as_text=True)
    assert topic_cells(page, "vneid_account") == ("5", "3", "60,0 % (3 / 5)")  # the child of 8 now counts
    reply = client.post("/topic-rules", data={"csrf_token": csrf(client), "min_age_vneid_account": "abc"})
    assert "từ 0 đến 120" in client.get(reply.headers["Location"]).get_data(as_text=True)
    page = client.get(f"/communes/{world.commune_a}").get_data(as_text=True)
    assert topic_cells(page, "vneid_account")[0] == "5"  # nothing half-saved

    runner = app.test_cli_runner()
    result = runner.invoke(args=["min-age", "vneid_account", "--default"])
    assert result.exit_code == 0 and "vneid_account      14" in result.output
    assert runner.invoke(args=["min-age", "astrology", "3"]).exit_code != 0
    assert runner.invoke(args=["min-age", "vneid_account", "300"]).exit_code != 0
