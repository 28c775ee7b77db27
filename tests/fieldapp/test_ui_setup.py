"""A fresh install sets itself up through real touches: no server baked in and none in the environment, so the app
opens on "Kết nối máy chủ"; on the desktop there is no camera scanner, so typing is the path; a wrong address is
refused in Vietnamese, the right one checked and kept; the first login asks the tablet's name (pre-filled with the
device's model) and the server shows that name as the device's label. See ui.py for the harness."""
import pytest

from tests.fieldapp.ui import PASSWORD, Driver, Server

pytestmark = pytest.mark.timeout(240)


@pytest.fixture
def server(tmp_path):
    s = Server(tmp_path)
    yield s
    s.close()


@pytest.fixture
def driver(tmp_path, server, monkeypatch):
    from fieldapp import setup
    monkeypatch.delenv("DOORSTEP_SERVER", raising=False)
    monkeypatch.setattr(setup, "SITE", tmp_path / "no-site.json")  # an APK built without a server
    d = Driver(tmp_path / "tablet")
    yield d
    d.close()


def test_a_fresh_tablet_is_set_up_by_typing_and_named_at_its_first_login(driver, server, tmp_path):
    from fieldapp import i18n, setup

    screen = driver.screen
    assert screen.name == "setup"
    assert not screen.can_scan and screen.ids.scan.disabled and screen.ids.scan.height == 0  # no camera here
    back = driver.find(screen, "TopBar")[0].ids.back
    assert screen.ids.server.text == "" and back.disabled  # nowhere to go back to on a fresh tablet
    driver.shot("setup")

    driver.type(screen.ids.server, "máy chủ xã")
    driver.tap(screen.ids.submit)
    assert screen.message == i18n.tr("setup.error.bad_server")
    driver.type(screen.ids.server, "http://127.0.0.1:1")  # nothing answers there
    driver.tap(screen.ids.submit)
    driver.wait(lambda: not screen.busy, what="the check of a dead address")
    assert screen.message == i18n.tr("setup.error.offline") and driver.screen.name == "setup"
    assert not (tmp_path / "tablet" / setup.TABLET_FILE).exists()

    driver.type(screen.ids.server, server.url + "/")
    driver.tap(screen.ids.submit)
    driver.wait(lambda: driver.screen.name == "login", what="the login after the setup")
    login = driver.screen
    assert login.ids.server.text == server.url
    assert driver.app.core.tablet.server() == server.url

    # The first login asks the tablet's name, pre-filled with the device's model.
    assert login.ask_name and login.ids.tablet_name.height > 0
    assert login.ids.tablet_name.text == setup.device_model()
    driver.shot("login-first")
    driver.type(login.ids.tablet_name, "")
    driver.type(login.ids.username, "canbo1")
    driver.type(login.ids.password, PASSWORD)
    driver.tap(login.ids.submit)
    assert login.message == i18n.tr("setup.error.name_missing") and driver.screen.name == "login"
    driver.type(login.ids.tablet_name, "Máy tính bảng thôn Đông")
    driver.tap(login.ids.submit)
    driver.wait(lambda: driver.screen.name == "pin", what="the PIN pad after the first login")
    driver.set_pin()
    assert driver.screen.name == "home"
    with server.app.app_context():
        from server.extensions import db
        from server.models import Device
        assert [d.label for d in db.session.scalars(db.select(Device))] == ["Máy tính bảng thôn Đông"]

    # Not asked again: the name is the tablet's, kept beside the databases.
    assert driver.app.core.tablet.name() == "Máy tính bảng thôn Đông"
    driver.app.go("login")
    assert not driver.screen.ask_name and driver.screen.ids.tablet_name.height == 0


def test_the_login_screen_opens_the_setup_and_back(driver, server):
    screen = driver.screen
    driver.type(screen.ids.server, server.url)
    driver.tap(screen.ids.submit)
    driver.wait(lambda: driver.screen.name == "login", what="the login")
    driver.tap(driver.screen.ids.change_server)
    setup_screen = driver.screen
    assert setup_screen.name == "setup" and setup_screen.can_back
    assert setup_screen.ids.server.text == server.url  # what is set, to change
    driver.tap(driver.find(setup_screen, "TopBar")[0].ids.back)
    assert driver.screen.name == "login"


def test_what_the_scanner_reads_is_checked_then_kept_with_its_pin(driver, server):
    """The camera is Android's (fieldapp/scanner.py): here its result is handed to the screen as the scanner would."""
    from fieldapp import i18n
    from shared import pairing

    screen = driver.screen
    screen.scanned("WIFI:S:UBND xa;T:WPA;P:12345678;;")  # another QR code on the office wall
    assert screen.message == i18n.tr("setup.error.not_doorstep") and driver.screen.name == "setup"
    # Over plain HTTP a pin is never checked, so the address passes and the pin is kept for it.
    screen.scanned(pairing.payload(server.url, "ab" * 32))
    driver.wait(lambda: driver.screen.name == "login", what="the login after the scan")
    assert driver.screen.ids.server.text == server.url
    assert driver.app.core.tablet.trust().pin == "ab" * 32
    assert driver.app.core.tablet.trust().for_url(server.url).pin == "ab" * 32
