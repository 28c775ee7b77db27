"""The field app's screens, driven through real touches on real widgets, against a real server on 127.0.0.1.

Kivy renders offscreen (SDL offscreen driver, Mesa's software GL). The app is not started with App.run(): the test
prepares it the way run() does and then turns the event loop frame by frame, so it can tap, type and wait for the
sync thread's results, which arrive through Clock like on a tablet.
Screenshots of each main screen, in Vietnamese, are written to docs/screenshots/fieldapp-<screen>.png.
"""
import os
import tempfile

os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")
os.environ.setdefault("KIVY_HOME", tempfile.mkdtemp(prefix="kivy-home-"))
os.environ["KIVY_NO_ARGS"] = "1"
os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
os.environ.setdefault("KIVY_NO_FILELOG", "1")

import threading  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
import requests  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from server import create_app  # noqa: E402
from server.admin import service as admin  # noqa: E402
from server.cli import ensure_counter  # noqa: E402
from server.config import TestConfig  # noqa: E402
from server.extensions import db  # noqa: E402
from server.models import Visit  # noqa: E402
from shared.ids import new_id  # noqa: E402

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PASSWORD = "mật-khẩu-thử-1"
pytestmark = pytest.mark.timeout(240)


# --- the server -------------------------------------------------------------------------------------------------
class Server:
    """A real Doorstep server on 127.0.0.1 (SQLite in tmp_path) with a commune, two villages and an official."""

    def __init__(self, tmp_path):
        config = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
        self.app = create_app({**config, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'server.db'}"})
        with self.app.app_context():
            db.create_all()
            ensure_counter()
            province = admin.create_area("province", "Thừa Thiên Huế").id
            commune = admin.create_area("commune", "Phong Phú", province).id
            self.village = admin.create_area("village", "Thôn Đông", commune).id
            self.village2 = admin.create_area("village", "Thôn Tây", commune).id
            admin.create_user("canbo1", "Trần Thị Hoa", "official", PASSWORD, commune, [self.village, self.village2])
        self.http = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self.http.server_port}"
        self.thread = threading.Thread(target=self.http.serve_forever, daemon=True)
        self.thread.start()

    def seed(self, households):
        """Push households [(village, address, head, phone, [(name, born, sex, phone)])] as another device would."""
        device = new_id()
        token = requests.post(f"{self.url}/api/v1/auth/login", json={
            "username": "canbo1", "password": PASSWORD, "device_id": device}).json()["token"]
        headers = {"Authorization": f"Bearer {token}", "X-Device-Id": device, "X-Schema-Version": "1"}
        changes = []
        for village, address, head, phone, people in households:
            hid = new_id()
            changes.append({"table": "households", "id": hid, "data": {
                "village_id": village, "address": address, "head_name": head, "phone": phone}})
            for name, born, sex, rphone in people:
                changes.append({"table": "residents", "id": new_id(), "data": {
                    "household_id": hid, "full_name": name, "birth_year": born, "sex": sex, "phone": rphone,
                    "has_smartphone": bool(rphone)}})
        reply = requests.post(f"{self.url}/api/v1/sync/push", headers=headers,
                              json={"batch_id": new_id(), "schema_version": 1, "changes": changes})
        assert reply.status_code == 200, reply.text
        assert {r["status"] for r in reply.json()["results"]} == {"applied"}
        requests.post(f"{self.url}/api/v1/auth/logout", headers=headers)

    def visits(self):
        with self.app.app_context():
            return [(v.household_id, v.status, v.notes, v.follow_up_on, sorted((a.topic, a.outcome)
                     for a in v.assists)) for v in db.session.scalars(db.select(Visit))]

    def close(self):
        threading.Thread(target=self.http.shutdown, daemon=True).start()  # may already be shut down by the test
        self.http.server_close()
        with self.app.app_context():
            db.engine.dispose()


HOUSEHOLDS = [
    ("v1", "Số 12, đường Lê Lợi", "Nguyễn Văn Ánh", "0905 123 456",
     [("Nguyễn Văn Ánh", 1961, "m", "0905123456"), ("Lê Thị Hồng", 1965, "f", ""),
      ("Nguyễn Thị Yến", 1992, "f", "0935777888")]),
    ("v1", "Số 5, kiệt 3 Phan Bội Châu", "Trần Đức Thắng", "0914 222 333",
     [("Trần Đức Thắng", 1950, "m", ""), ("Phạm Thị Lụa", 1953, "f", "")]),
    ("v1", "Xóm Giữa, nhà số 8", "Lê Thị Hường", "", [("Lê Thị Hường", 1978, "f", "0977000111")]),
    ("v2", "Số 27, đường Trần Hưng Đạo", "Hoàng Văn Dũng", "0966 444 555",
     [("Hoàng Văn Dũng", 1970, "m", "0966444555"), ("Võ Thị Ngọc Ánh", 1998, "f", "0388123123")]),
    ("v2", "Tổ 4, gần chợ", "Đặng Thị Mỹ Duyên", "", [("Đặng Thị Mỹ Duyên", 1985, "f", "")]),
]


@pytest.fixture
def server(tmp_path):
    s = Server(tmp_path)
    s.seed([({"v1": s.village, "v2": s.village2}[v], *rest) for v, *rest in HOUSEHOLDS])
    yield s
    s.close()


# --- driving the app ----------------------------------------------------------------------------------------------
class Driver:
    """Starts the real app over a real Core, and taps, types and waits like a person with one finger."""

    def __init__(self, data_dir):
        from kivy.base import EventLoop
        from kivy.core.window import Window

        from fieldapp.app import DoorstepApp
        from fieldapp.core import Core

        self.loop, self.window = EventLoop, Window
        Window.size = (1280, 800)  # a 10-inch tablet held sideways
        self.app = DoorstepApp()
        self.app.core = Core(data_dir=data_dir, post=self.app.post)
        self.app._run_prepare()  # what App.run() does before its main loop: build, add to the window, on_start
        self.frames(3)

    def frames(self, n=1):
        for _ in range(n):
            self.loop.idle()

    def wait(self, condition, timeout=20.0, what="condition"):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            self.frames()
            if condition():
                return
            time.sleep(0.02)
        raise AssertionError(f"timed out waiting for {what}")

    @property
    def screen(self):
        return self.app.manager.current_screen

    def tap(self, widget):
        """A finger's tap at the widget's centre, scrolled into view first when it is inside a ScrollView."""
        from kivy.tests.common import UnitTestTouch
        from kivy.uix.scrollview import ScrollView

        assert not widget.disabled, f"{widget} is disabled"
        self.settle(widget)  # a screen just shown lays itself out over a few frames
        parent = widget.parent
        while parent is not None and not isinstance(parent, ScrollView):
            parent = None if parent.parent is parent else parent.parent  # the Window is its own parent
        # A RecycleView's rows are on screen already (its class may be loaded twice by the kv Factory: duck-type it).
        if parent is not None and not hasattr(parent, "viewclass"):
            parent.scroll_to(widget, padding=10, animate=False)
            self.settle(widget)
        x, y = widget.to_window(*widget.center)
        if parent is not None:
            left, bottom = parent.to_window(parent.x, parent.y)
            assert left <= x <= left + parent.width and bottom <= y <= bottom + parent.height, (
                "tap off screen", [(type(w).__name__, w.height, getattr(w, "text", "")[:30]) for w in parent.walk(restrict=True) if w.height > 2000])
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        # A ScrollView hands a touch to its children only once it is sure it is not a scroll.
        end = time.monotonic() + (0.35 if parent is not None else 0)
        while True:
            self.frames()
            if time.monotonic() >= end:
                break
            time.sleep(0.02)
        touch.touch_up()
        # A ScrollView replays a tap's touch_up to its children 0.2 s later: let that happen before the next tap.
        end = time.monotonic() + (0.3 if parent is not None else 0)
        while True:
            self.frames()
            if time.monotonic() >= end:
                break
            time.sleep(0.02)

    def settle(self, widget):
        """Turn frames until the widget stops moving: layouts and scroll_to finish over several frames."""
        last, still = None, 0
        for _ in range(100):
            self.frames()
            where = (widget.to_window(*widget.center), widget.size)
            still = still + 1 if where == last else 0
            if still >= 3:
                return
            last = where

    def type(self, field, text):
        """Focus a text input by tapping it, then type into it."""
        self.tap(field)
        field.select_all()
        field.delete_selection()
        field.insert_text(text)
        self.frames(2)

    def shot(self, name):
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.frames(3)
        path = SHOTS / f"fieldapp-{name}.png"
        self.app.root.export_to_png(str(path))
        assert path.stat().st_size > 5000, "the screenshot is empty"

    def find(self, root, cls_name, text=None):
        """Every widget under `root` of class `cls_name` (and with this text, when given)."""
        return [w for w in root.walk(restrict=True) if type(w).__name__ == cls_name
                and (text is None or getattr(w, "text", None) == text)]

    def close(self):
        from kivy.uix.modalview import ModalView
        for child in list(self.window.children):
            if isinstance(child, ModalView):
                child.dismiss(animation=False)
        self.app.stop()
        self.frames(2)


@pytest.fixture
def driver(tmp_path, server):
    os.environ["DOORSTEP_SERVER"] = server.url
    d = Driver(tmp_path / "tablet")
    yield d
    d.close()
    os.environ.pop("DOORSTEP_SERVER", None)


def test_main_flow_login_search_visit_sync(driver, server):
    from fieldapp import i18n
    assert i18n.language() == "vi"

    # First run: the login screen proposes DOORSTEP_SERVER.
    login = driver.screen
    assert login.name == "login"
    assert login.ids.server.text == server.url
    driver.shot("login")
    driver.type(login.ids.username, "canbo1")
    driver.type(login.ids.password, "sai-mat-khau")
    driver.tap(login.ids.submit)
    driver.wait(lambda: not login.busy, what="the refused login")
    assert login.message == i18n.tr("login.error.bad_credentials")
    driver.type(login.ids.password, PASSWORD)
    driver.tap(login.ids.submit)
    driver.wait(lambda: driver.screen.name == "home", what="home after login")

    # The first sync pulls the five households of the official's villages.
    driver.wait(lambda: driver.app.core.store.households() and not driver.app.core.syncing, what="the first pull")
    driver.tap(_nav(driver, "households"))
    households = driver.screen
    assert households.name == "households"
    driver.wait(lambda: len(households.ids.list.data) == 5, what="five rows")

    # Folded search as you type: no diacritics, lower case.
    driver.type(households.ids.search, "nguyen van a")
    driver.wait(lambda: len(households.ids.list.data) == 1, what="the search to narrow")
    assert households.ids.list.data[0]["title"] == "Nguyễn Văn Ánh"
    driver.type(households.ids.search, "")
    driver.wait(lambda: len(households.ids.list.data) == 5, what="the search to clear")
    driver.type(households.ids.search, "nguyen van a")
    driver.wait(lambda: len(households.ids.list.data) == 1, what="the search to narrow again")
    row = driver.find(households.ids.list, "HouseholdRow", None)
    row = [r for r in row if r.title == "Nguyễn Văn Ánh"][0]
    driver.tap(row)
    detail = driver.screen
    assert detail.name == "household" and detail.head == "Nguyễn Văn Ánh"
    assert len(detail.ids.residents.children) == 3

    # Log a visit: VNeID account done for the head, a follow-up in a week, a note that trips the ID warning.
    driver.tap(detail.ids.log_visit)
    visit = driver.screen
    assert visit.name == "visit"
    head_chip = [c for c in visit.ids.who.children if c.text.startswith("Nguyễn Văn Ánh")][0]
    driver.tap(head_chip)
    driver.tap(visit.topic_chips["vneid_account"]["done"])
    driver.tap(visit.topic_chips["cashless_payment"]["follow_up"])
    driver.type(visit.ids.notes, "CCCD 079203001234")
    assert "CCCD" in visit.warning
    driver.type(visit.ids.notes, "Đã cài VNeID, hẹn tuần sau cài ứng dụng ngân hàng.")
    assert visit.warning == ""
    week_chip = [c for c in visit.ids.follow_up_chips.children if c.value == 7][0]
    driver.tap(week_chip)
    driver.tap([c for c in visit.ids.durations.children if c.value == 20][0])
    visit.ids.notes.parent.parent.parent.scroll_y = 1  # the screenshot shows the top of the form
    driver.shot("visit")
    driver.tap(visit.ids.save)  # ONE tap saves
    assert driver.screen.name == "household"
    assert len(driver.app.core.store.household(detail.household_id)["visits"]) == 1

    # Sync from home; the visit reaches the server.
    driver.tap(_nav(driver, "home"))
    home = driver.screen
    driver.wait(lambda: driver.app.core.store.pending() == 0 and not driver.app.core.syncing, what="the push")
    driver.tap(home.ids.sync)
    driver.wait(lambda: not home.syncing, what="the sync button's sync")
    on_server = server.visits()
    assert len(on_server) == 1
    hid, status, notes, follow_up_on, assists = on_server[0]
    assert status == "met" and notes.startswith("Đã cài VNeID")
    assert assists == [("cashless_payment", "follow_up"), ("vneid_account", "done")]
    assert follow_up_on is not None
    assert i18n.tr("home.pending", n=0) in home.sync_text and len(home.ids.today.children) == 1
    driver.shot("home")

    # The list now marks the household's VNeID account as done; its detail shows the visit as synced.
    driver.tap(_nav(driver, "households"))
    driver.type(households.ids.search, "")
    driver.wait(lambda: len(households.ids.list.data) == 5, what="all rows")
    marked = [r for r in households.ids.list.data if r["title"] == "Nguyễn Văn Ánh"][0]
    assert marked["marks"][0] != marked["marks"][1]  # vneid_account done, vneid_level2 not
    driver.shot("households")
    driver.tap([r for r in driver.find(households.ids.list, "HouseholdRow") if r.title == "Nguyễn Văn Ánh"][0])
    detail = driver.screen
    subtitle = detail.ids.visits.children[0].subtitle
    assert "Tài khoản VNeID - Đã xong" in subtitle and i18n.tr("household.not_synced") not in subtitle
    driver.shot("household")
    driver.tap(detail.ids.edit)
    driver.shot("household-edit")
    driver.tap(_nav(driver, "problems"))
    driver.shot("problems")
    driver.tap(_nav(driver, "settings"))
    assert "Thôn Đông" in driver.screen.account_text
    driver.shot("settings")


def _nav(driver, target):
    return [b for b in driver.find(driver.screen, "NavButton") if b.target == target][0]

