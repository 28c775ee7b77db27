"""The field app without a server, through real touches: offline work, the sync that follows by itself, a token
ended by a password reset, the language switch and logging out with unsent work. See ui.py for the harness.
"""
import os

import pytest

from shared.i18n import catalogue
from tests.fieldapp.ui import PASSWORD, Driver, Server, nav

pytestmark = pytest.mark.timeout(240)
EN = catalogue("en")


@pytest.fixture
def server(tmp_path):
    with Server.holding_households(tmp_path) as s:
        yield s


@pytest.fixture
def driver(tmp_path, server):
    from fieldapp.sync import ApiClient

    os.environ["DOORSTEP_SERVER"] = server.url
    # The real client and backoff, made quick: probes 0.2 s, 0.4 s ... apart, at most 1 s, instead of 2 s ... 5 min.
    d = Driver(tmp_path / "tablet", first_backoff=0.2, max_backoff=1.0,
               client_factory=lambda url: ApiClient(url, retries=0))
    yield d
    d.close()
    os.environ.pop("DOORSTEP_SERVER", None)


def test_offline_visits_sync_by_themselves_survive_an_ended_token_and_logout_asks_twice(driver, server):
    from fieldapp import i18n
    core = driver.app.core
    log_in(driver)
    driver.wait(lambda: len(core.store.households()) == 5 and not core.syncing, what="the first pull")

    # No signal: two visits are logged on two households; each save is instant and the outbox grows.
    server.stop()
    first = log_visit(driver, "Nguyễn Văn Ánh", topic="vneid_account")
    driver.tap(nav(driver, "home"))
    home = driver.screen
    driver.wait(lambda: i18n.tr("home.pending", n=1) in home.sync_text, what="one pending change on Home")
    second = log_visit(driver, "Trần Đức Thắng", topic="cashless_payment")
    driver.tap(nav(driver, "home"))
    driver.wait(lambda: i18n.tr("home.pending", n=2) in home.sync_text, what="two pending changes on Home")
    driver.wait(lambda: core.online is False, what="the app to notice it is offline")
    assert i18n.tr("sync.error.offline") in home.sync_text
    assert server.visit_ids() == []

    # The signal is back: the worker's probe finds the server and the visits go out, each exactly once.
    server.start()
    driver.wait(lambda: core.store.pending() == 0 and not core.syncing, what="the sync by itself")
    assert server.visit_ids() == sorted([first, second])
    driver.wait(lambda: i18n.tr("home.pending", n=0) in home.sync_text, what="Home to show nothing pending")

    # A leader resets the official's password: the next sync asks for it and keeps the outbox (a revoke erases:
    # test_ui_lock.py).
    server.reset_password("mật-khẩu-mới-2")
    third = log_visit(driver, "Lê Thị Hường", not_home=True, back_to=None)
    driver.wait(lambda: driver.screen.name == "login", what="the login screen after the password reset")
    login = driver.screen
    assert login.message == i18n.tr("login.again")
    assert not core.logged_in() and core.store.pending() == 1
    assert server.visit_ids() == sorted([first, second])
    assert login.ids.username.text == "canbo1"
    driver.type(login.ids.password, "mật-khẩu-mới-2")
    driver.tap(login.ids.submit)
    driver.wait(lambda: driver.screen.name == "home", what="home after logging in again (the PIN stays)")
    driver.wait(lambda: core.store.pending() == 0 and not core.syncing, what="the sync after logging in again")
    assert server.visit_ids() == sorted([first, second, third])

    # English: the visible labels change at once.
    driver.tap(nav(driver, "settings"))
    assert texts(driver, "NavButton") != [EN["nav.home"], EN["nav.households"], EN["nav.problems"],
                                          EN["nav.settings"]]
    driver.tap(driver.screen.ids.en)
    settings = driver.screen
    assert settings.name == "settings"
    assert texts(driver, "NavButton") == [EN["nav.home"], EN["nav.households"], EN["nav.problems"],
                                          EN["nav.settings"]]
    assert settings.ids.logout.text == EN["settings.logout"]
    assert EN["settings.title"] in texts(driver, "Label")

    # Unsent work, then log out: one "yes" is not enough, the second question says how much stays unsent.
    server.stop()
    fourth = log_visit(driver, "Hoàng Văn Dũng", not_home=True)
    driver.tap(nav(driver, "settings"))
    settings = driver.screen
    driver.tap(settings.ids.logout)
    driver.tap(dialog(driver).ids.no)
    assert dialog(driver, required=False) is None and core.logged_in()
    driver.tap(settings.ids.logout)
    driver.tap(dialog(driver).ids.yes)
    second_question = dialog(driver)
    assert "1" in second_question.question and second_question.question == EN["settings.logout_again"].format(n=1)
    assert core.logged_in() and driver.screen.name == "settings"
    driver.tap(second_question.ids.yes)
    driver.wait(lambda: driver.screen.name == "login", what="the login screen after logging out")
    assert not core.logged_in()
    assert core.store.pending() == 1 and core.store.visit(fourth) is not None  # kept for the next login


# --- steps --------------------------------------------------------------------------------------------------------
def log_in(driver):
    login = driver.screen
    assert login.name == "login"
    driver.type(login.ids.username, "canbo1")
    driver.type(login.ids.password, PASSWORD)
    driver.tap(login.ids.submit)
    driver.wait(lambda: driver.screen.name == "pin", what="the PIN pad after login")
    driver.set_pin()
    assert driver.screen.name == "home"


def log_visit(driver, head, topic=None, not_home=False, back_to="household"):
    """Households -> the household -> Log a visit -> one outcome (or Not home) -> save; returns the new visit's id.

    The save is local and the form closes at once (back_to: the screen then in front, None when the sync that the
    save starts may already have moved on)."""
    store = driver.app.core.store
    driver.tap(nav(driver, "households"))
    households = driver.screen
    driver.wait(lambda: any(r.title == head for r in driver.find(households.ids.list, "HouseholdRow")),
                what=f"the row of {head}")
    driver.tap([r for r in driver.find(households.ids.list, "HouseholdRow") if r.title == head][0])
    detail = driver.screen
    assert detail.name == "household" and detail.head == head
    before = {v["id"] for v in store.household(detail.household_id)["visits"]}
    driver.tap(detail.ids.log_visit)
    visit = driver.screen
    assert visit.name == "visit", f"the Log a visit button of {head} did not open the visit form"
    if dialog(driver, required=False):  # the first form asks once whether to record locations
        driver.tap(dialog(driver).ids.no)
    if not_home:
        driver.tap(visit.ids.not_home)
    else:
        driver.tap(visit.topic_chips[topic]["done"])
        driver.tap(visit.ids.save)
    if back_to:
        assert driver.screen.name == back_to  # saved locally at once, whatever the network does
    (new,) = {v["id"] for v in store.household(detail.household_id)["visits"]} - before
    return new


def dialog(driver, required=True):
    """The Confirm in front, or None."""
    from fieldapp.screens.widgets import Confirm
    driver.frames(2)
    shown = [w for w in driver.window.children if isinstance(w, Confirm)]
    assert shown or not required, "no question was asked"
    return shown[0] if shown else None


def texts(driver, cls_name):
    return [w.text for w in driver.find(driver.app.root, cls_name)]
