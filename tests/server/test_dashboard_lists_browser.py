"""The walk list's print view and the follow-ups' "xem thêm" in a real headless Chromium, on the demo data of
test_dashboard_browser.py (its fixtures: one demo site for this module, a fresh browser context per test)."""
import re

from server.dashboard import pages
from server.extensions import db
from server.models import Area, User, UserVillage
from shared.sorting import name_key, vi_key
from tests.server.test_dashboard_browser import PASSWORDS, browser, log_in, page, shot, site  # noqa: F401 (fixtures)


def test_the_walk_list_prints_a_page_per_village_without_the_site_around_it(page, site):  # noqa: F811
    log_in(page, site, site.leader, PASSWORDS["leader"])
    page.wait_for_url(f"**/communes/{site.commune_a}")
    page.click("header nav >> text=Chưa tiếp cận")
    page.click("text=Bản in: danh sách đi hộ theo từng thôn")
    page.wait_for_url("**print=1")
    walks = page.locator("section.walk")
    villages = walks.count()
    assert villages >= 2
    with site.app.app_context():
        names = dict(db.session.execute(db.select(Area.id, Area.name).where(Area.commune_id == site.commune_a,
                                                                            Area.level == "village")).all())
        officials = db.session.execute(
            db.select(UserVillage.village_id, User.full_name).join(User, User.id == UserVillage.user_id)
            .where(User.role == "official", User.active.is_(True))).all()
    shown = [int(walks.nth(i).get_attribute("data-village")) for i in range(villages)]
    assert shown == sorted(shown, key=lambda v: vi_key(names[v]))  # villages in Vietnamese order
    first = walks.first
    theirs = sorted((name for v, name in officials if v == shown[0]), key=name_key)
    assert theirs and first.locator("[data-officials]").inner_text() == ", ".join(theirs)
    assert re.search(r"In ngày \d\d/\d\d/\d{4}", first.inner_text())
    assert page.locator(".print-bar").is_visible() and page.locator("header.top").is_visible()
    page.emulate_media(media="print")
    assert not page.locator("header.top").is_visible() and not page.locator(".print-bar").is_visible()
    assert first.locator("td.box").first.is_visible()
    shot(page, "walk-list")  # as it prints
    breaks = page.evaluate("""() => [...document.querySelectorAll('section.walk')].map(s => {
        const style = getComputedStyle(s); return style.breakAfter || style.pageBreakAfter; })""")
    assert breaks[:-1] == ["page"] * (villages - 1) and breaks[-1] != "page"
    # Printed for real: at least one sheet per village.
    pdf = page.pdf(format="A4")
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) >= villages


def test_xem_them_shows_the_next_rows_and_keeps_the_filters(page, site, monkeypatch):  # noqa: F811
    monkeypatch.setattr(pages, "FOLLOW_UPS_SHOWN", 2)  # the demo has few follow-ups: a step of 2 shows paging
    log_in(page, site, site.leader, PASSWORDS["leader"])
    page.wait_for_url(f"**/communes/{site.commune_a}")
    total = int(re.match(r"[\d.]+", page.locator('[data-figure="follow-up-households"]').inner_text())
                .group().replace(".", ""))
    assert total > 2, "the demo needs more than 2 households with follow-ups"
    rows = page.locator("#follow-ups tbody tr")
    assert rows.count() == 2
    ids = [rows.nth(i).get_attribute("data-household") for i in range(2)]
    page.fill("input[name=from]", "2020-01-01")
    page.click(".filters button[type=submit]")
    page.wait_for_url("**from=2020-01-01*")
    page.click("#follow-ups ~ p a.more")
    page.wait_for_url("**shown=4*")
    assert "from=2020-01-01" in page.url
    assert page.input_value("input[name=from]") == "2020-01-01"
    rows = page.locator("#follow-ups tbody tr")
    assert rows.count() == min(4, total)
    seen = [rows.nth(i).get_attribute("data-household") for i in range(rows.count())]
    assert seen[:2] == ids and len(set(seen)) == len(seen)  # the same first rows, each household once
