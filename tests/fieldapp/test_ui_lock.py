"""The PIN lock and the remote erase through real touches on the real app, against a real server on 127.0.0.1.

See ui.py for the harness. The wrong-PIN waits run on a clock the test moves (Core(clock=...)); the idle lock waits
for real, with the app's lock_after cut to a second. Screenshots: fieldapp-pin.png (the PIN pad with a wait running)
and fieldapp-erase.png.
"""
import os

import pytest

from tests.fieldapp.test_ui_offline import log_visit
from tests.fieldapp.ui import PASSWORD, PIN, Driver, Server, nav

pytestmark = pytest.mark.timeout(240)
NEW_PIN = "907152"


class Clock:
    def __init__(self):
        import time
        self.now = time.time()

    def __call__(self):
        return self.now


@pytest.fixture
def server(tmp_path):
    with Server.holding_households(tmp_path) as s:
        yield s


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def driver(tmp_path, server, clock):
    from fieldapp.sync import ApiClient

    os.environ["DOORSTEP_SERVER"] = server.url
    d = Driver(tmp_path / "tablet", first_backoff=0.2, max_backoff=1.0, clock=clock,
               client_factory=lambda url: ApiClient(url, retries=0))
    yield d
    d.close()
    os.environ.pop("DOORSTEP_SERVER", None)


def first_login(driver):
    login = driver.screen
    assert login.name == "login"
    driver.type(login.ids.username, "canbo1")
    driver.type(login.ids.password, PASSWORD)
    driver.tap(login.ids.submit)
    driver.wait(lambda: driver.screen.name == "pin", what="the PIN pad after the first login")


def test_first_login_sets_a_pin_idle_locks_wrong_pins_wait_and_the_pin_unlocks(driver, server, clock):
    from fieldapp import i18n
    core = driver.app.core
    first_login(driver)
    pad = driver.screen
    assert pad.mode == "set" and pad.ids.forgot.opacity == 0
    driver.enter_pin("123456")  # too easy
    assert pad.mode == "set" and pad.message == i18n.tr("pin.error.simple")
    driver.enter_pin(PIN)
    driver.wait(lambda: pad.mode == "confirm", what="the confirmation")
    driver.enter_pin("428614")  # not the same
    assert pad.mode == "set" and pad.message == i18n.tr("pin.mismatch")
    driver.set_pin(PIN)
    assert driver.screen.name == "home" and core.state == "open"
    driver.wait(lambda: len(core.store.households()) == 5 and not core.syncing, what="the first pull")

    # Searching the list, then no touch for lock_after: the app locks itself.
    driver.tap(nav(driver, "households"))
    households = driver.screen
    driver.type(households.ids.search, "nguyen van a")
    driver.wait(lambda: len(households.ids.list.data) == 1, what="the search")
    driver.app.lock_after = 1.0
    driver.wait(lambda: driver.screen.name == "pin", timeout=15, what="the idle lock")
    driver.app.lock_after = 300.0
    assert pad.mode == "unlock" and core.state == "locked"
    driver.wait(lambda: core.store is None, what="the store to close")

    # Three wrong PINs are only counted; the fourth starts a wait, shown and counted down, during which the pad
    # takes nothing.
    for left in (9, 8, 7):
        driver.enter_pin("111000")
        driver.wait(lambda: not pad.busy, what="the wrong PIN's answer")
        assert pad.message == i18n.tr("pin.error.wrong_pin", left=left) and pad.wait_left == 0
    driver.enter_pin("111000")
    driver.wait(lambda: not pad.busy and pad.wait_left, what="the wait")
    assert pad.wait_left == 30 and pad.ids.wait.text == i18n.tr("pin.wait", seconds=30)
    assert pad.ids.pad.disabled
    driver.shot("pin")
    clock.now += 31
    driver.wait(lambda: pad.wait_left == 0 and not pad.ids.pad.disabled, what="the end of the wait")
    driver.enter_pin(PIN)
    # Back where the official was, as it was left: the list and its search.
    driver.wait(lambda: driver.screen.name == "households", what="the list after unlocking")
    assert households.ids.search.text == "nguyen van a" and len(households.ids.list.data) == 1
    assert core.state == "open" and core.pin_state()["fails"] == 0

    # In the background for longer than lock_after: locked at the return.
    driver.app.on_pause()
    driver.app._paused_at -= 301
    driver.app.on_resume()
    assert driver.screen.name == "pin" and core.state == "locked"
    driver.enter_pin(PIN)
    driver.wait(lambda: driver.screen.name == "households", what="the list after the second unlock")

    # And at once, from Settings.
    driver.tap(nav(driver, "settings"))
    driver.tap(driver.screen.ids.lock)
    assert driver.screen.name == "pin" and core.state == "locked"
    driver.enter_pin(PIN)
    driver.wait(lambda: driver.screen.name == "settings", what="Settings after unlocking")


def test_forgot_pin_online_login_sets_a_new_pin_and_keeps_the_outbox(driver, server):
    from fieldapp import i18n
    core = driver.app.core
    first_login(driver)
    driver.set_pin(PIN)
    driver.wait(lambda: len(core.store.households()) == 5 and not core.syncing, what="the first pull")
    server.stop()  # offline: the visit waits in the outbox
    visit = log_visit(driver, "Nguyễn Văn Ánh", topic="vneid_account")
    assert core.store.pending() == 1
    driver.app.lock()
    pad = driver.screen
    assert pad.name == "pin" and pad.mode == "unlock"
    driver.tap(pad.ids.forgot)
    login = driver.screen
    assert login.name == "login" and login.message == i18n.tr("login.forgot_pin")
    assert login.ids.username.text == "canbo1" and login.ids.server.text == server.url
    server.start()
    driver.type(login.ids.password, PASSWORD)
    driver.tap(login.ids.submit)
    driver.wait(lambda: driver.screen.name == "pin" and driver.screen.mode == "set", what="a new PIN asked")
    driver.set_pin(NEW_PIN)
    assert driver.screen.name == "household"  # back where the lock came, as it was left
    driver.wait(lambda: core.store.pending() == 0 and not core.syncing, what="the kept visit to go out")
    assert server.visit_ids() == [visit]
    driver.app.lock()
    driver.enter_pin(PIN)  # the old PIN opens nothing any more
    driver.wait(lambda: not driver.screen.busy, what="the old PIN refused")
    assert driver.screen.message == i18n.tr("pin.error.wrong_pin", left=9)
    driver.enter_pin(NEW_PIN)
    driver.wait(lambda: driver.screen.name == "household", what="the household again with the new PIN")


def test_a_revoked_tablet_erases_itself_at_its_next_sync_and_says_why(driver, server, tmp_path):
    from fieldapp import i18n
    core = driver.app.core
    first_login(driver)
    driver.set_pin(PIN)
    driver.wait(lambda: len(core.store.households()) == 5 and not core.syncing, what="the first pull")
    folder = tmp_path / "tablet"
    assert any(p.name.startswith("user-canbo1") for p in folder.iterdir())
    # The leader revokes the tablet on the dashboard (a real HTTP client, logged in as the commune's leader).
    server.revoke_on_dashboard()
    driver.tap(nav(driver, "home"))
    driver.tap(driver.screen.ids.sync)
    driver.wait(lambda: driver.screen.name == "erase", what="the erase screen")
    erase = driver.screen
    assert erase.reason_text == i18n.tr("erase.reason.revoked")
    assert i18n.tr("erase.none_lost") in erase.done_text
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith("user-") or p.name == "last_user.txt") == []
    driver.wait(lambda: server.device_erased(), what="the server to hear of the erase")
    driver.shot("erase")
    driver.tap(erase.ids.login)
    assert driver.screen.name == "login" and core.state == "erased"
