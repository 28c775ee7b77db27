"""The sync problems screen through real touches against a real server: two households the server refuses (a village
outside the official's commune), one fixed and sent again, one discarded after a question; and the home screen's
warning about a tablet clock that is off. See ui.py for the harness."""
import os
import time

import pytest

from server.admin import service as admin
from shared.vocab import REJECT_CODES, label
from tests.fieldapp.test_ui_offline import dialog, log_in
from tests.fieldapp.ui import Driver, Server, nav

pytestmark = pytest.mark.timeout(240)


@pytest.fixture
def server(tmp_path):
    with Server.holding_households(tmp_path) as s:
        with s.app.app_context():
            province = admin.create_area("province", "Quảng Trị").id
            other = admin.create_area("commune", "Phong Hoà", province).id
            s.outside = admin.create_area("village", "Thôn Bắc", other).id
        yield s


def _driver(tmp_path, server, **options):
    os.environ["DOORSTEP_SERVER"] = server.url
    return Driver(tmp_path / "tablet", **options)


@pytest.fixture
def driver(tmp_path, server):
    d = _driver(tmp_path, server)
    yield d
    d.close()
    os.environ.pop("DOORSTEP_SERVER", None)


def test_refused_households_are_fixed_or_discarded_on_the_problems_screen(driver, server):
    from fieldapp import i18n
    core = driver.app.core
    log_in(driver)
    driver.wait(lambda: len(core.store.households()) == 5 and not core.syncing, what="the first pull")
    # Saved with a village of another commune (as an older app or a mistaken import could): the server refuses both.
    wrong = core.save_household({"village_id": server.outside, "address": "Xóm Bến", "head_name": "Phan Văn Lộc"})
    dropped = core.save_household({"village_id": server.outside, "address": "Xóm Trại", "head_name": "Đỗ Thị Mai"})
    visit = core.log_visit(wrong, assists=[{"topic": "vneid_account", "outcome": "done"}], notes="đã cài VNeID",
                           started_at="2026-11-02T09:15:00+07:00")
    driver.wait(lambda: core.status()["problems"] == 3 and core.status()["pending"] == 0 and not core.syncing,
                what="the refusals")
    home = driver.screen
    assert home.name == "home"
    driver.wait(lambda: home.problems_text == i18n.tr("home.problems", n=3), what="the problems button on Home")
    assert home.clock_text == ""  # the tablet's clock agrees with the server's
    driver.tap(home.ids.problems)

    screen = driver.screen
    assert screen.name == "problems"
    rows = {r.problem["row_id"]: r for r in driver.find(screen.ids.problems, "ProblemRow")}
    assert set(rows) == {wrong, dropped, visit}
    text = rows[wrong].text
    assert text.startswith(label(REJECT_CODES, "outside_scope", "vi") + ": thôn."), text  # from the result's code
    assert "Outside" not in text and rows[wrong].title == "Hộ: Phan Văn Lộc - Xóm Bến"
    assert rows[visit].title == "Lượt thăm: 02/11/2026 09:15 - Phan Văn Lộc"
    driver.shot("problems")

    # Discard: asked first; "no" keeps it, "yes" drops it from the tablet.
    driver.tap(rows[dropped].ids.discard)
    driver.tap(dialog(driver).ids.no)
    assert core.store.household(dropped) is not None and len(core.store.problems()) == 3
    driver.tap(rows[dropped].ids.discard)
    question = dialog(driver)
    assert "Đỗ Thị Mai" in question.question and question.question.endswith(i18n.tr("problems.discard_question"))
    driver.tap(question.ids.yes)
    driver.wait(lambda: len(driver.find(screen.ids.problems, "ProblemRow")) == 2, what="the discarded row to go")
    assert core.store.household(dropped) is None

    # Fix: the household opens in its form; the right village, one tap on save, and it goes again.
    (row,) = [r for r in driver.find(screen.ids.problems, "ProblemRow") if r.problem["row_id"] == wrong]
    driver.tap(row.ids.fix)
    form = driver.screen
    assert form.name == "household_edit" and form.ids.head_name.text == "Phan Văn Lộc"
    driver.tap([c for c in form.ids.villages.children if c.text == "Thôn Đông"][0])
    driver.tap(form.ids.save)
    assert form.message == i18n.tr("edit.saved")
    driver.wait(lambda: core.status()["pending"] == 0 and not core.syncing, what="the correction to be sent")
    with server.app.app_context():
        from server.extensions import db
        stored = db.session.execute(db.text("SELECT village_id FROM households WHERE head_name = 'Phan Văn Lộc'"))
        assert [r[0] for r in stored] == [server.village]

    # Then the visit to it, refused because its household was not on the server: it opens as it was logged.
    driver.tap(nav(driver, "problems"))
    (row,) = driver.find(driver.screen.ids.problems, "ProblemRow")
    assert row.problem["row_id"] == visit and row.ids.fix.disabled is False
    driver.tap(row.ids.fix)
    form = driver.screen
    driver.tap(dialog(driver).ids.no)  # the first form asks once whether to record locations
    assert form.name == "visit" and form.ids.notes.text == "đã cài VNeID"
    assert form.topic_chips["vneid_account"]["done"].state == "down"
    driver.tap(form.ids.save)
    driver.wait(lambda: core.status()["pending"] == 0 and not core.syncing, what="the visit to be sent again")
    ((household, status, notes, _, assists),) = server.visits()
    assert (status, notes, assists) == ("met", "đã cài VNeID", [("vneid_account", "done")])
    with server.app.app_context():
        from server.extensions import db
        (started,) = db.session.execute(db.text("SELECT started_at FROM visits")).one()
    assert str(started).startswith("2026-11-02 02:15")  # the time it happened, in UTC, not the time of the fix
    # Nothing is wrong any more: the problems tab is gone until there is a problem again.
    driver.wait(lambda: driver.app.problems == 0, what="no problem left")
    assert nav(driver, "problems").disabled and nav(driver, "problems").opacity == 0
    assert driver.app.badge_state == "sent"
    assert driver.find(driver.screen.ids.problems, "Caption", i18n.tr("problems.none"))


def test_home_warns_when_the_tablet_clock_is_two_days_behind(tmp_path, server):
    from fieldapp import i18n
    from fieldapp.sync import ApiClient

    def behind(url):
        client = ApiClient(url, retries=0)
        client.clock = lambda: time.time() - 2 * 86400  # the tablet's clock only
        return client
    driver = _driver(tmp_path, server, client_factory=behind)
    try:
        log_in(driver)
        core = driver.app.core
        driver.wait(lambda: core.status()["last_sync_at"] and not core.syncing, what="the first sync")
        home = driver.screen
        driver.wait(lambda: home.clock_text, what="the clock warning")
        assert home.clock_text == i18n.tr("home.clock", direction="chậm", amount="2 ngày")
        assert home.ids.clock.opacity == 1 and home.ids.clock.height > 0
        assert len(core.store.households()) == 5  # synced as usual
    finally:
        driver.close()
        os.environ.pop("DOORSTEP_SERVER", None)
