"""The coverage map and the 390 px layout in a real headless Chromium, on demo data behind a real HTTP server.

Launched as tests/server/test_dashboard_browser.py does (its site, browser and helpers); SQLite only, like it: the
map's figures are checked on both databases by test_dashboard_map.py.
"""
from urllib.parse import urlparse

import pytest

from server.extensions import db
from server.models import Area, Household, Visit
from tests.server.test_dashboard_browser import PASSWORDS, browser, log_in, shot, site  # noqa: F401 (fixtures)

PHONE = {"width": 390, "height": 844}


def _context(browser, viewport):  # noqa: F811
    context = browser.new_context(viewport=viewport, locale="vi-VN", device_scale_factor=1)
    context.off_site = []

    def guard(route):
        if urlparse(route.request.url).hostname == "127.0.0.1":
            return route.continue_()
        context.off_site.append(route.request.url)
        return route.abort()

    context.route("**/*", guard)
    return context


@pytest.fixture
def phone(browser, site):  # noqa: F811
    """A fresh context 390 px wide, every request off 127.0.0.1 blocked and recorded: pages need no network."""
    context = _context(browser, PHONE)
    page = context.new_page()
    yield page
    assert context.off_site == []
    context.close()


@pytest.fixture
def desk(browser, site):  # noqa: F811
    context = _context(browser, {"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    assert context.off_site == []
    context.close()


def scroll_width(page) -> int:
    return page.evaluate("document.scrollingElement.scrollWidth")


def assert_cards(page, table: str) -> None:
    """The table's header row is hidden and each labelled cell shows its column's name before its value."""
    assert not page.locator(table).locator("thead").is_visible()
    cells = page.locator(table).locator("tbody td[data-label]")
    assert cells.count() > 0, table
    for i in range(min(cells.count(), 6)):
        cell = cells.nth(i)
        label = cell.get_attribute("data-label")
        shown = cell.evaluate("td => getComputedStyle(td, '::before').content")
        assert shown == f'"{label}"', (table, shown, label)
        box = cell.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (table, box)
    # A card: a row is a box of its own, as wide as the screen allows, its cells stacked.
    row = page.locator(table).locator("tbody tr").first
    assert row.evaluate("tr => getComputedStyle(tr).display") == "block"


def test_a_leader_reads_every_page_on_a_phone(phone, site):  # noqa: F811
    log_in(phone, site, site.leader, PASSWORDS["leader"])
    phone.wait_for_url(f"**/communes/{site.commune_a}")
    pages = {
        f"/communes/{site.commune_a}": ["#topics", "#villages", "#officials", "#follow-ups"],
        f"/communes/{site.commune_a}?topic=vneid_account": ["#villages"],
        f"/communes/{site.commune_a}/officials": ["#staff"],
        f"/communes/{site.commune_a}/never-reached": ["table.data"],
        f"/communes/{site.commune_a}/counted/vneid_account?which=has": ["#classes", "#residents"],
        f"/communes/{site.commune_a}/map?topic=vneid_account": ["#map-counts"],
        f"/communes/{site.commune_a}/conflicts": [],
        f"/users/{site.official_id}": ["table.data"],
        "/tablets/connect": [],
    }
    for path, tables in pages.items():
        assert phone.goto(site.url + path).status == 200, path
        assert scroll_width(phone) <= PHONE["width"], path
        for table in tables:
            assert_cards(phone, table if table != "table.data" else "table.data >> nth=0")
    phone.goto(f"{site.url}/communes/{site.commune_a}")
    shot(phone, "phone-overview")
    # The weekly table sits in a closed <details>: opened, it is cards too and still fits.
    phone.click("details.numbers summary")
    assert_cards(phone, "#weeks")
    assert scroll_width(phone) <= PHONE["width"]
    phone.goto(f"{site.url}/communes/{site.commune_a}/officials")
    shot(phone, "phone-officials")


def test_an_admin_reads_its_pages_on_a_phone(phone, site):  # noqa: F811
    log_in(phone, site, "admin", PASSWORDS["admin"])
    phone.wait_for_url("**/communes")
    for path, tables in {"/communes": ["#communes"], "/audit": ["table.data >> nth=0"], "/import": [],
                         "/areas": [],
                         f"/communes/{site.commune_a}": ["#villages"],
                         f"/communes/{site.commune_a}/map": ["#map-counts"]}.items():
        assert phone.goto(site.url + path).status == 200, path
        assert scroll_width(phone) <= PHONE["width"], path
        for table in tables:
            assert_cards(phone, table)


def test_on_a_wide_screen_tables_stay_tables(desk, site):  # noqa: F811
    log_in(desk, site, site.leader, PASSWORDS["leader"])
    desk.wait_for_url(f"**/communes/{site.commune_a}")
    assert desk.locator("#villages thead").is_visible()
    cell = desk.locator("#villages tbody td[data-label]").first
    assert cell.evaluate("td => getComputedStyle(td, '::before').content") in ("none", "normal")


def test_a_leader_opens_the_map_of_a_village_from_the_overview(desk, site):  # noqa: F811
    log_in(desk, site, site.leader, PASSWORDS["leader"])
    desk.wait_for_url(f"**/communes/{site.commune_a}")
    with site.app.app_context():
        village = db.session.execute(db.select(Area).where(Area.name == "Thôn Phò Trạch")).scalar_one()
        located = db.session.execute(
            db.select(db.func.count(db.distinct(Visit.household_id)))
            .join(Household, Household.id == Visit.household_id)
            .where(Household.village_id == village.id, Visit.voided.is_(False), Visit.lat.is_not(None))).scalar()
    desk.click(f'tr[data-village="{village.id}"] a[data-map-link]')
    desk.wait_for_url(f"**/map?village={village.id}*")
    svg = desk.locator("svg.chart.map")
    box = svg.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 200
    dots = desk.locator("svg.chart.map circle.home")
    assert dots.count() == located == int(desk.locator('[data-figure="with-fix"]').inner_text()) > 0
    total = int(desk.locator('[data-figure="map-total"]').inner_text())
    assert total == 12 and int(desk.locator('[data-figure="without-fix"]').inner_text()) == total - located
    # Every dot is drawn inside the map, in its class's colour, and says what it is.
    for i in range(dots.count()):
        dot = dots.nth(i).bounding_box()
        assert box["x"] <= dot["x"] and dot["x"] + dot["width"] <= box["x"] + box["width"] + 1
        assert box["y"] <= dot["y"] and dot["y"] + dot["height"] <= box["y"] + box["height"] + 1
    colours = {desk.locator(f"svg.chart.map circle.home.{kind}").first.evaluate("c => getComputedStyle(c).fill")
               for kind in ("not_reached", "reached") if desk.locator(f"svg.chart.map circle.home.{kind}").count()}
    assert len(colours) == len([k for k in ("not_reached", "reached")
                                if desk.locator(f"svg.chart.map circle.home.{k}").count()])
    assert "Kiệt" in dots.first.locator("title").text_content() or "Số" in dots.first.locator("title").text_content()
    # The topic filter recolours the dots; the counts beside the map follow.
    desk.select_option("select[name=topic]", value="vneid_account")
    desk.click(".filters button[type=submit]")
    desk.wait_for_url("**topic=vneid_account*")
    for kind in ("not_reached", "reached", "some", "all"):
        shown = int(desk.locator(f'tr[data-class="{kind}"] td[data-fix]').inner_text())
        assert desk.locator(f"svg.chart.map circle.home.{kind}").count() == shown, kind
    assert desk.locator('tr[data-class="all"] th').inner_text().strip() == "Mọi người trong diện đã có"
    shot(desk, "map")
