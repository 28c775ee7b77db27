"""The "Connect a tablet" page: leaders and admins only, a QR code drawn on the server that holds the server's address
(and pinned certificate), read back from the page as Chromium draws it and used by a tablet to log in."""
import io
import re
import shutil
import time

import pytest

from shared import pairing
from tests.conftest import World, make_app
from tests.server.test_dashboard_views import logged_in, login, session_by_hand, user_id

CHROMIUM = "/usr/bin/chromium"
PIN = "3f" * 32


def test_leaders_and_admins_see_the_code_and_the_address_officials_and_strangers_do_not(app, client, world):
    assert client.get("/tablets/connect").status_code == 302  # to the login page
    session_by_hand(app, client, user_id(app, world.official))
    assert client.get("/tablets/connect").status_code == 403
    for username in (world.leader, world.admin):
        browser = app.test_client()
        page = logged_in(browser, username).get("/tablets/connect")
        text = page.get_data(as_text=True)
        assert page.status_code == 200 and "Kết nối máy tính bảng" in text
        assert re.search(r'<figure id="tablet-qr"><svg [^>]*class="qr"', text)
        assert '<strong id="tablet-server">http://localhost</strong>' in text  # the address the page was reached at
        assert "không dùng HTTPS" in text and "tablet-pin" not in text
        assert "<script" not in text


def test_the_configured_public_address_and_pin_are_what_the_page_shows(app, client, world):
    app.config.update(TABLET_SERVER_URL="https://doorstep.hue.gov.vn/", TABLET_CERT_SHA256=PIN.upper())
    text = logged_in(client, world.leader).get("/tablets/connect").get_data(as_text=True)
    assert '<strong id="tablet-server">https://doorstep.hue.gov.vn</strong>' in text
    assert f'<code id="tablet-pin">{PIN}</code>' in text and "không dùng HTTPS" not in text
    from server.dashboard.connect import qr_svg
    assert qr_svg(pairing.payload("https://doorstep.hue.gov.vn", PIN)) in text


def test_a_mistyped_public_address_or_pin_is_said_not_a_500(app, client, world):
    logged_in(client, world.leader)
    for config in ({"TABLET_SERVER_URL": "doorstep hue"}, {"TABLET_CERT_SHA256": "not-a-fingerprint"}):
        app.config.update({"TABLET_SERVER_URL": None, "TABLET_CERT_SHA256": None, **config})
        page = client.get("/tablets/connect")
        text = page.get_data(as_text=True)
        assert page.status_code == 200 and 'id="tablet-broken"' in text and "<svg" not in text


def test_the_officials_page_links_to_it(client, world):
    text = logged_in(client, world.leader).get(f"/communes/{world.commune_a}/officials").get_data(as_text=True)
    assert 'href="/tablets/connect"' in text
    assert login(client.application.test_client(), world.official).status_code == 401


# --- the round trip, in a real browser -----------------------------------------------------------------------------
@pytest.mark.timeout(120)
def test_the_code_chromium_draws_reads_back_and_a_tablet_set_up_from_it_logs_in(tmp_path, monkeypatch):
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does it)", pytrace=False)
    try:
        from pyzbar import pyzbar
    except ImportError:  # not a skip: CI must read the code back (.ci/run installs libzbar0)
        pytest.fail("pyzbar needs Debian's libzbar0: apt-get install -y libzbar0", pytrace=False)
    from PIL import Image
    from playwright.sync_api import sync_playwright

    from fieldapp import setup
    from fieldapp.core import Core
    from fieldapp.sync import ApiClient
    from server.extensions import db
    from server.ledger import ensure_counter
    from tests.fieldapp.conftest import Listener
    from tests.server.test_dashboard_browser import ARGS, SHOTS

    app = make_app(f"sqlite:///{tmp_path / 'server.db'}")
    with app.app_context():
        db.create_all()
        ensure_counter()
    world = World(app)
    listener = Listener(app)
    url = f"http://127.0.0.1:{listener.port}"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(url + "/login")
            page.fill("input[name=username]", world.leader)
            page.fill("input[name=password]", World.PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_load_state()
            page.goto(url + "/tablets/connect")
            picture = page.locator("#tablet-qr svg").screenshot()
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / "dashboard-tablet-connect.png"), full_page=True)
            browser.close()
        found = pyzbar.decode(Image.open(io.BytesIO(picture)))
        assert len(found) == 1
        scanned = pairing.parse(found[0].data.decode())
        assert scanned == {"server": url, "pin": None}

        # A fresh tablet (no baked server, none in the environment) set up from what was read, then its first login.
        monkeypatch.delenv("DOORSTEP_SERVER", raising=False)
        monkeypatch.setattr(setup, "SITE", tmp_path / "no-site.json")
        core = Core(tmp_path / "tablet", auto_sync=False, client_factory=lambda u: ApiClient(u, retries=0))
        assert not core.tablet.configured()
        assert setup.check_server(scanned["server"], core.tablet.trust()) is None
        core.tablet.set_server(scanned["server"], scanned["pin"])
        done = []
        core.login(core.tablet.server(), world.official, World.PASSWORD, on_done=done.append)
        end = time.monotonic() + 30
        while not done and time.monotonic() < end:
            time.sleep(0.02)
        core.stop()
        assert done and done[0]["ok"], done
    finally:
        listener.stop()
        with app.app_context():
            db.engine.dispose()
