"""The dashboard in a real headless Chromium (Debian's), on demo data behind a real HTTP server.

One app, one server and one browser for the whole module; each test opens a fresh browser context (no cookies).
These run on SQLite only: the server tests of the views run each page on PostgreSQL too. Every page is
screenshotted (dashboard-*.png: into docs/screenshots for the README through `make screenshots`).
"""
import io
import os
import shutil
import tempfile
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlparse

import pytest
from openpyxl import load_workbook
from werkzeug.serving import make_server

from server.admin import demo, demo_data
from server.extensions import db
from server.ledger import ensure_counter
from server.models import Area, Conflict, Device, Household, User
from tests.conftest import make_app

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SHOTS = Path(os.environ.get("DOORSTEP_SHOTS") or tempfile.mkdtemp(prefix="doorstep-shots-"))
"""Where screenshots go: docs/screenshots only through `make screenshots`; a test run leaves the tree as it was."""
PASSWORDS = demo_data.PASSWORDS

if not shutil.which(CHROMIUM):
    pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does it)", pytrace=False)
sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright


class Site:
    """The running demo: its base URL and the people and places the tests use."""

    def __init__(self, app, url):
        self.app, self.url = app, url
        with app.app_context():
            users = db.session.execute(db.select(User).order_by(User.id)).scalars().all()
            self.commune_a = db.session.execute(
                db.select(Area.id).where(Area.level == "commune", Area.name == "Phong Phú")).scalar_one()
            self.commune_b = db.session.execute(
                db.select(Area.id).where(Area.level == "commune", Area.name == "Nam Đông")).scalar_one()
            self.leader = next(u.username for u in users if u.role == "leader" and u.commune_id == self.commune_a)
            official = next(u for u in users if u.role == "official" and u.commune_id == self.commune_a)
            self.official, self.official_id = official.username, official.id
            # A tablet that has been quiet for a week, so that the overview flags it.
            db.session.add(Device(id="0190d0a0-0000-7000-8000-000000000001", user_id=official.id, label="Tab A8",
                                  created_at=datetime.now(timezone.utc) - timedelta(days=30),
                                  last_sync_at=datetime.now(timezone.utc) - timedelta(days=7)))
            # Two tablets changed the same phone number: the leader has one conflict to review.
            home = db.session.execute(db.select(Household).where(Household.commune_id == self.commune_a)
                                      .order_by(Household.id).limit(1)).scalar_one()
            self.household_id = home.id
            db.session.add(Conflict(table_name="households", row_id=home.id, field="phone", kept_value=home.phone,
                                    lost_value="0905 123 456", kept_by=official.id, lost_by=official.id,
                                    commune_id=self.commune_a))
            db.session.commit()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    path = tmp_path_factory.mktemp("browser") / "doorstep.db"
    app = make_app(f"sqlite:///{path}")
    with app.app_context():
        db.create_all()
        ensure_counter()
        demo.seed(seed=3, households_per_village=12, weeks=8)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Site(app, f"http://127.0.0.1:{server.server_port}")
    server.shutdown()
    thread.join(5)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, site):
    """A fresh context whose every request off 127.0.0.1 is blocked and recorded: pages must need no network."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True, locale="vi-VN")
    context.off_site = []

    def guard(route):
        if urlparse(route.request.url).hostname == "127.0.0.1":
            return route.continue_()
        context.off_site.append(route.request.url)
        return route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    yield page
    assert context.off_site == []
    context.close()


def log_in(page, site, username, password):
    page.goto(site.url + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"dashboard-{name}.png"), full_page=True)


def test_a_leader_logs_in_sees_the_charts_and_filters(page, site):
    page.goto(site.url + "/login")
    shot(page, "login")
    log_in(page, site, site.leader, PASSWORDS["leader"])
    page.wait_for_url(f"**/communes/{site.commune_a}")
    assert page.locator("h1").inner_text() == "Phong Phú"
    for chart in ("svg.chart.trend", "svg.chart.bars"):
        box = page.locator(chart).bounding_box()
        assert box and box["width"] > 300 and box["height"] > 100, chart
    assert page.locator("svg.chart.trend rect.bar").count() >= 8
    assert page.locator("[data-stale]").count() >= 1  # the quiet tablet is flagged
    shot(page, "overview")
    total = int(page.locator('[data-figure="households-total"]').inner_text().replace(".", ""))
    page.select_option("select[name=village]", label="Thôn Phò Trạch")
    page.click(".filters button[type=submit]")
    page.wait_for_url("**village=*")
    assert int(page.locator('[data-figure="households-total"]').inner_text()) == 12 < total
    assert page.locator("tr[data-village]").count() == 1
    # The filtered view is a URL: opened again, it shows the same.
    page.goto(page.url)
    assert page.locator('select[name=village] option:checked').inner_text() == "Thôn Phò Trạch"


def test_a_leader_edits_a_target(page, site):
    log_in(page, site, site.leader, PASSWORDS["leader"])
    page.wait_for_url(f"**/communes/{site.commune_a}")
    page.fill("input[name=target_scam_awareness]", "42.5")
    page.click("#targets button[type=submit]")
    page.wait_for_url("**#targets")
    assert page.locator('tr[data-topic="scam_awareness"] [data-target]').inner_text() == "42,5\u00a0%"
    assert page.input_value("input[name=target_scam_awareness]") == "42.5"


def test_a_leader_exports_to_excel(page, site):
    log_in(page, site, site.leader, PASSWORDS["leader"])
    page.wait_for_url(f"**/communes/{site.commune_a}")
    with page.expect_download() as download:
        page.click("text=Excel (mọi bảng)")
    book = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert book.sheetnames == ["Tổng quan", "Thôn", "Cán bộ", "Diễn biến theo tuần"]
    villages = list(book["Thôn"].values)
    shown = page.locator("tr[data-village]").count()
    assert len(villages) - 1 == shown == 7


def test_the_work_list_prints_per_village(page, site):
    log_in(page, site, site.leader, PASSWORDS["leader"])
    page.wait_for_url(f"**/communes/{site.commune_a}")
    page.click("header nav >> text=Chưa tiếp cận")
    assert page.locator("section.worklist").count() >= 2
    shot(page, "never-reached")
    page.emulate_media(media="print")
    assert not page.locator("header.top").is_visible() and page.locator("td.box").first.is_visible()


def test_management_pages(page, site):
    log_in(page, site, site.leader, PASSWORDS["leader"])
    page.wait_for_url(f"**/communes/{site.commune_a}")
    page.click("header nav >> text=Cán bộ")
    assert page.locator("tr[data-user]").count() >= 2
    shot(page, "officials")
    page.goto(f"{site.url}/users/{site.official_id}")
    assert page.locator("tr[data-device]").count() == 1
    shot(page, "official")
    page.click("text=Xung đột dữ liệu")
    assert page.locator("[data-lost]").inner_text() == "0905 123 456"
    shot(page, "conflicts")
    page.click("text=Dùng giá trị này")
    assert page.locator(".flash.ok").inner_text() == "Đã xử lý xung đột."
    with site.app.app_context():
        assert db.session.get(Household, site.household_id).phone == "0905 123 456"
    page.click("text=English")
    assert page.locator("h1").inner_text().startswith("Conflicts")


def test_an_admin_compares_communes_and_imports(page, site):
    log_in(page, site, "admin", PASSWORDS["admin"])
    page.wait_for_url("**/communes")
    assert page.locator("tr[data-commune]").count() == 3
    assert page.locator("svg.chart.bars rect.bar").count() == 3
    shot(page, "communes")
    page.click("text=Nhập danh sách hộ")
    page.select_option("select[name=commune]", label="Phong Phú")
    page.set_input_files("input[type=file]", files=[{
        "name": "ho.csv", "mimeType": "text/csv",
        "buffer": "Thôn,Địa chỉ,Chủ hộ\nThôn Phò Trạch,99 Kiệt 1,Lê Văn Một\nThôn Nowhere,1 A,B\n".encode()}])
    page.click("#import-form button[type=submit]")
    assert page.locator("#errors tbody tr").count() == 1
    shot(page, "import")


def test_an_official_cannot_open_the_dashboard(page, site):
    log_in(page, site, site.official, PASSWORDS["official"])
    assert "/login" in page.url and page.locator(".flash.error").is_visible()
    reply = page.goto(f"{site.url}/communes/{site.commune_a}")
    assert "/login" in page.url and reply.status == 200  # sent back to the login page


def test_leader_of_a_cannot_see_commune_b_by_editing_the_url(page, site):
    log_in(page, site, site.leader, PASSWORDS["leader"])
    page.wait_for_url(f"**/communes/{site.commune_a}")
    reply = page.goto(f"{site.url}/communes/{site.commune_b}")
    assert reply.status == 403 and "Nam Đông" not in page.content()
    assert page.goto(f"{site.url}/communes/{site.commune_b}/never-reached").status == 403


def test_a_post_without_the_csrf_token_is_refused(page, site):
    log_in(page, site, site.leader, PASSWORDS["leader"])
    page.wait_for_url(f"**/communes/{site.commune_a}")
    reply = page.context.request.post(f"{site.url}/communes/{site.commune_a}/targets",
                                      form={"target_vneid_account": "1"}, max_redirects=0)
    assert reply.status == 400
    page.reload()
    assert page.input_value("input[name=target_vneid_account]") != "1"


def test_an_admin_reads_the_audit_log_of_a_leaders_reads(page, site):
    log_in(page, site, site.leader, PASSWORDS["leader"])
    page.wait_for_url(f"**/communes/{site.commune_a}")
    page.click("header nav >> text=Chưa tiếp cận")
    page.goto(f"{site.url}/communes/{site.commune_a}")
    with page.expect_download():
        page.click("text=Excel (mọi bảng)")
    page.click("text=Đăng xuất")
    log_in(page, site, "admin", PASSWORDS["admin"])
    page.wait_for_url("**/communes")
    page.click("header nav >> text=Nhật ký truy cập")
    assert page.locator("h1").inner_text() == "Nhật ký truy cập"
    read = page.locator('tr[data-action="view_never_reached"]').first
    assert site.leader in read.inner_text() and "127.0.0.1" in read.inner_text()
    assert page.locator('tr[data-action="export"]').count() >= 1
    with site.app.app_context():
        heads = db.session.execute(db.select(Household.head_name).where(Household.commune_id == site.commune_a)
                                   .limit(20)).scalars().all()
    assert heads and not any(head in page.content() for head in heads)  # the log holds no names
    shot(page, "audit")
    page.select_option("select[name=action]", label="Xuất một bảng")
    page.click(".filters button[type=submit]")
    page.wait_for_url("**action=export*")
    actions = page.locator("tr[data-action]")
    assert actions.count() >= 1 and {actions.nth(i).get_attribute("data-action")
                                     for i in range(actions.count())} == {"export"}
    with page.expect_download() as download:
        page.click("text=Excel (.xlsx)")
    rows = list(load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))["Nhật ký truy cập"].values)
    assert len(rows) - 1 == actions.count() and all(row[3] == "Xuất một bảng" for row in rows[1:])
    page.click("text=English")
    assert page.locator("h1").inner_text() == "Audit log"
    log_in(page, site, site.leader, PASSWORDS["leader"])
    assert page.goto(f"{site.url}/audit").status == 403
