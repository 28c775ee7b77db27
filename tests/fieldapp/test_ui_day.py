"""A day of work through real touches, offscreen, against a live server (ui.py): the work list in the dashboard's
walk order, household -> visit -> "Đã lưu" -> next on the list -> the summary; the undo of "Vắng nhà" before and
after sync; the sync badge through offline -> online -> problem; and the large-text mode at 800x1280 and 1280x800.
"""
import os

import pytest

from server.extensions import db
from server.models import Area, Visit
from server.stats import service as stats
from tests.fieldapp.test_ui_offline import dialog, log_in
from tests.fieldapp.ui import Driver, Server, nav

pytestmark = pytest.mark.timeout(300)


class FakeGps:
    """A location source as plyer's GPS (fieldapp/location.py): it calls back from another thread with a fix."""

    def start(self, on_location):
        import threading
        threading.Timer(0.05, lambda: on_location(lat=16.4637, lon=107.5909, accuracy=8.0)).start()
        return True

    def stop(self):
        pass


@pytest.fixture
def server(tmp_path):
    with Server.holding_households(tmp_path) as s:
        yield s


@pytest.fixture
def driver(tmp_path, server):
    from fieldapp.sync import ApiClient

    os.environ["DOORSTEP_SERVER"] = server.url
    d = Driver(tmp_path / "tablet", first_backoff=0.2, max_backoff=1.0,
               client_factory=lambda url: ApiClient(url, retries=0))
    d.app.location_source = lambda: FakeGps()
    yield d
    d.close()
    os.environ.pop("DOORSTEP_SERVER", None)


def dashboard_walk_list(server):
    """The dashboard's printed walk list of the commune: its households never reached, in the order it prints them."""
    with server.app.app_context():
        commune = db.session.get(Area, server.village).parent_id
        return [r["household_id"] for r in stats.never_reached(commune)]


def work_rows(home):
    return list(reversed(home.ids.work.children))


def toast(driver):
    driver.frames(2)
    return driver.app._toast


def test_a_day_from_the_work_list_to_the_summary(driver, server):
    from fieldapp import i18n
    core = driver.app.core
    log_in(driver)
    driver.wait(lambda: len(core.store.households()) == 5 and not core.syncing, what="the first pull")
    home = driver.screen
    assert home.name == "home"
    home.refresh()
    rows = work_rows(home)
    # Nobody met yet: the work list is the dashboard's walk list, row for row, each with its village.
    assert [r.household_id for r in rows] == dashboard_walk_list(server)
    assert all(r.subtitle.split("  ·  ")[0] in ("Thôn Đông", "Thôn Tây") for r in rows)
    assert all(r.todo.startswith(i18n.tr("home.never_met")) for r in rows)
    first, second = rows[0], rows[1]
    assert first.phone and first.ids.call.opacity == 1
    driver.tap(first.ids.call)  # the desktop has no dialler: the number is shown
    assert toast(driver).text == i18n.tr("home.call_number", phone=first.phone)
    driver.shot("work-list")

    # Work list -> household -> visit (the location asked once: allowed) -> saved.
    driver.tap(first)
    detail = driver.screen
    assert detail.name == "household" and detail.household_id == first.household_id
    driver.tap(detail.ids.log_visit)
    visit = driver.screen
    driver.answer(True)
    driver.wait(lambda: visit.location, what="the fix")
    assert visit.location_text.startswith("Đã ghi vị trí")
    head = visit.household["residents"][0]["id"] if visit.household["residents"] else ""
    visit.pick(head)
    driver.tap(visit.topic_chips["vneid_account"]["done"])
    driver.tap(visit.topic_chips["cashless_payment"]["already_had"])
    driver.tap(visit.ids.save)
    assert driver.screen.name == "household" and toast(driver).text == i18n.tr("save.saved")
    driver.wait(lambda: core.store.pending() == 0 and not core.syncing, what="the visit's push")
    with server.app.app_context():
        sent = db.session.scalars(db.select(Visit)).one()
        assert (sent.lat, sent.lon) == (16.4637, 107.5909)

    # Next on the list: the second household of the walk.
    assert detail.next_text.startswith(i18n.tr("household.next", name=second.title, address="").rstrip(", "))
    driver.tap(detail.ids.next)
    assert driver.screen.household_id == second.household_id

    # "Vắng nhà" offline, then Undo before it was sent: the visit and its outbox entry are gone.
    server.stop()
    core.sync_now()
    driver.wait(lambda: core.online is False and not core.syncing, what="the app to notice it is offline")
    driver.tap(detail.ids.log_visit)
    visit = driver.screen
    assert visit.location_text == i18n.tr("visit.location_waiting") or visit.location  # no question this time
    assert dialog(driver, required=False) is None
    driver.tap(visit.ids.not_home)
    note = toast(driver)
    assert note.text == i18n.tr("save.saved_not_home") and note.action_text == i18n.tr("save.undo")
    assert core.store.pending() == 1
    driver.tap(note.ids.taction)
    assert core.store.pending() == 0 and not core.store.household(second.household_id)["visits"]
    assert toast(driver).text == i18n.tr("save.undone")
    server.start()

    # The summary: at the top of Home, and on demand.
    driver.tap(nav(driver, "home"))
    home = driver.screen
    assert home.summary_text == i18n.tr("summary.line", visits=1, met=1, done=1, had=1, follow_ups=0, pending=0)
    # Met now: behind the households never met, for the topics the commune is behind on that it still lacks.
    last = work_rows(home)[-1]
    assert last.household_id == first.household_id and last.todo.startswith(i18n.tr("home.topics_left", topics=""))
    assert "Tài khoản VNeID" not in last.todo
    driver.tap(home.ids.open_summary)
    sheet = [w for w in driver.window.children if type(w).__name__ == "Sheet"][0]
    assert i18n.tr("summary.topic", topic="Tài khoản VNeID", done=1, had=0) in sheet.text
    assert i18n.tr("summary.all_sent") in sheet.text
    driver.tap(sheet.ids.sclose)
    assert server.visit_ids() == [sent.id]


def test_undo_after_sync_and_the_badge_offline_online_problem(driver, server):
    from fieldapp import i18n
    from server.admin import service as admin
    core = driver.app.core
    log_in(driver)
    driver.wait(lambda: len(core.store.households()) == 5 and not core.syncing, what="the first pull")
    home = driver.screen
    driver.wait(lambda: driver.app.badge_state == "sent", what="the badge: all sent")
    assert home.ids.bar.ids.badge.text == i18n.tr("badge.sent")

    # "Vắng nhà", sent at once; Undo while it shows voids it on the server through the normal path.
    driver.tap(work_rows(home)[0])
    detail = driver.screen
    driver.tap(detail.ids.log_visit)
    driver.answer(False)
    driver.tap(driver.screen.ids.not_home)
    note = toast(driver)
    driver.wait(lambda: server.visit_ids() and core.store.pending() == 0 and not core.syncing, what="its push")
    (vid,) = server.visit_ids()
    assert toast(driver) is note
    driver.tap(note.ids.taction)
    driver.wait(lambda: core.store.pending() == 0 and not core.syncing, what="the void's push")
    with server.app.app_context():
        assert db.session.get(Visit, vid).voided
    assert core.store.visit(vid)["voided"]

    # Offline: the badge says so on every screen, with what waits; a tap opens the sync details.
    server.stop()
    core.log_visit(detail.household_id, status="not_home")
    driver.wait(lambda: driver.app.badge_state == "offline", what="the badge: offline")
    assert detail.ids.bar.ids.badge.text == i18n.tr("badge.offline", n=1)
    driver.tap(detail.ids.bar.ids.badge)
    sheet = driver.app.sync_sheet
    assert i18n.tr("home.pending", n=1) in sheet.text and i18n.tr("sync.error.offline") in sheet.text
    driver.tap(sheet.ids.sclose)

    # Online again: all sent.
    server.start()
    driver.wait(lambda: driver.app.badge_state == "sent", what="the badge: all sent again")

    # A refused record: the badge says problem, the problems tab appears, and the details lead to it.
    assert nav(driver, "problems").disabled
    with server.app.app_context():
        province = admin.create_area("province", "Quảng Trị").id
        outside = admin.create_area("village", "Thôn Bắc", admin.create_area("commune", "Phong Hoà", province).id).id
    core.save_household({"village_id": outside, "address": "Xóm Bến", "head_name": "Phan Văn Lộc"})
    driver.wait(lambda: driver.app.badge_state == "problem", what="the badge: problem")
    assert detail.ids.bar.ids.badge.text == i18n.tr("badge.problem", n=1)
    assert not nav(driver, "problems").disabled and nav(driver, "problems").opacity == 1
    driver.tap(detail.ids.bar.ids.badge)
    button = [b for b in driver.app.sync_sheet.ids.sbuttons.children if b.text == i18n.tr("home.problems", n=1)]
    driver.tap(button[0])
    assert driver.screen.name == "problems"


@pytest.mark.parametrize("size", [(800, 1280), (1280, 800)])
def test_large_text_mode(driver, server, size):
    from fieldapp import i18n
    from fieldapp.screens import theme
    core = driver.app.core
    log_in(driver)
    driver.wait(lambda: len(core.store.households()) == 5 and not core.syncing, what="the first pull")
    normal = theme.TEXT
    driver.tap(nav(driver, "settings"))
    driver.tap(driver.screen.ids.large_text)
    assert theme.scale == theme.LARGE and driver.app.prefs.get("large_text") is True
    driver.window.size = size
    driver.tap(nav(driver, "home"))
    home = driver.screen
    driver.frames(5)
    rows = work_rows(home)
    assert rows
    for row in rows:
        # Bigger, and nothing cut: each row is as tall as its three lines, each line within the row's width.
        assert row.ids.wtitle.font_size == pytest.approx(normal * theme.LARGE)
        lines = sum(row.ids[k].texture_size[1] for k in ("wtitle", "wsub", "wtodo"))
        assert row.height >= lines
        assert all(row.ids[k].texture_size[0] <= row.ids[k].width + 1 for k in ("wtitle", "wsub", "wtodo"))
    for button in driver.find(home, "BigButton") + driver.find(home, "FlatButton"):
        if button.text and button.opacity:
            assert button.texture_size[1] <= button.height, button.text
    assert home.ids.bar.ids.badge.width > 0 and home.ids.bar.ids.badge.right <= driver.window.width + 1
    driver.shot(f"home-large-{size[0]}x{size[1]}")
    # The visit form too: every chip's text fits its chip.
    driver.tap(rows[0])
    driver.tap(driver.screen.ids.log_visit)
    driver.answer(False)
    visit = driver.screen
    driver.frames(5)
    for chip in driver.find(visit, "Chip"):
        assert chip.texture_size[1] <= chip.height + 1, chip.text
    driver.tap(visit.ids.bar.ids.back)
    driver.tap(nav(driver, "settings"))
    driver.tap(driver.screen.ids.normal_text)
    assert theme.scale == 1.0 and theme.TEXT == normal
    assert i18n.tr("settings.large_text") == driver.screen.ids.large_text.text
