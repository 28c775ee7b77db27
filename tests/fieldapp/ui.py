"""The harness of the UI tests: a real server on 127.0.0.1 and a Driver that runs the real app and taps like a finger.

Kivy renders offscreen (SDL offscreen driver, Mesa's software GL). The app is not started with App.run(): the Driver
prepares it the way run() does and then turns the event loop frame by frame, so it can tap, type and wait for the
sync thread's results, which arrive through Clock like on a tablet. Import this module before anything imports kivy.
"""
import contextlib
import os
import tempfile

os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")
os.environ.setdefault("KIVY_HOME", tempfile.mkdtemp(prefix="kivy-home-"))
os.environ["KIVY_NO_ARGS"] = "1"
os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
os.environ.setdefault("KIVY_NO_FILELOG", "1")

import time  # noqa: E402
from pathlib import Path  # noqa: E402

import requests  # noqa: E402

from server.admin import service as admin  # noqa: E402
from server.extensions import db  # noqa: E402
from server.ledger import ensure_counter  # noqa: E402
from server.models import Visit  # noqa: E402
from shared.ids import new_id  # noqa: E402
from tests.conftest import make_app  # noqa: E402
from tests.fieldapp.conftest import Listener  # noqa: E402

SHOTS = Path(os.environ.get("DOORSTEP_SHOTS") or tempfile.mkdtemp(prefix="doorstep-shots-"))
"""Where screenshots go: docs/screenshots only through `make screenshots`; a test run leaves the tree as it was."""
PASSWORD = "mật-khẩu-thử-1"
PIN = "428613"


# --- the server -------------------------------------------------------------------------------------------------
class Server:
    """A real Doorstep server on 127.0.0.1 (SQLite in tmp_path) with a commune, two villages and an official."""

    def __init__(self, tmp_path):
        self.app = make_app(f"sqlite:///{tmp_path / 'server.db'}")
        with self.app.app_context():
            db.create_all()
            ensure_counter()
            province = admin.create_area("province", "Thừa Thiên Huế").id
            commune = admin.create_area("commune", "Phong Phú", province).id
            self.village = admin.create_area("village", "Thôn Đông", commune).id
            self.village2 = admin.create_area("village", "Thôn Tây", commune).id
            admin.create_user("canbo1", "Trần Thị Hoa", "official", PASSWORD, commune, [self.village, self.village2])
            admin.create_user("lanhdao1", "Lê Văn Minh", "leader", PASSWORD, commune, [])
        self.listener = Listener(self.app)
        self.url = f"http://127.0.0.1:{self.listener.port}"
        self.running = True

    def stop(self):
        """The server goes away: nothing answers at its address, kept-alive connections included."""
        self.listener.stop()
        self.running = False

    def start(self):
        """The server comes back at the same address."""
        self.listener = Listener(self.app, self.listener.port)
        self.running = True

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

    def visit_ids(self):
        """The ids of the visits on the server, one per row (a visit stored twice would show twice)."""
        with self.app.app_context():
            return sorted(str(v) for v in db.session.scalars(db.select(Visit.id)))

    def revoke(self, username="canbo1"):
        """Revoke every device of the user, as a leader does for a lost tablet."""
        from server.auth.service import revoke_device
        from server.models import Device, User
        with self.app.app_context():
            user = db.session.scalars(db.select(User).where(User.username == username)).one()
            for device in db.session.scalars(db.select(Device).where(Device.user_id == user.id)):
                revoke_device(device, None)

    def reset_password(self, password, username="canbo1"):
        """A leader sets a new password: every token of the user ends (401 unauthorized, no erase)."""
        from server.auth.service import reset_password
        from server.models import User
        with self.app.app_context():
            user = db.session.scalars(db.select(User).where(User.username == username)).one()
            reset_password(user, password, None)

    def revoke_on_dashboard(self, username="canbo1", leader="lanhdao1"):
        """The commune's leader revokes the user's tablets on the dashboard, over HTTP as a browser would."""
        import re

        from server.models import Device, User
        with self.app.app_context():
            user = db.session.scalars(db.select(User).where(User.username == username)).one()
            devices = [d.id for d in db.session.scalars(db.select(Device).where(Device.user_id == user.id))]
        browser = requests.Session()

        def csrf(page):
            return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        page = browser.get(f"{self.url}/login")
        reply = browser.post(f"{self.url}/login", data={"username": leader, "password": PASSWORD,
                                                         "csrf_token": csrf(page)}, allow_redirects=False)
        assert reply.status_code == 302, reply.text[:500]
        for device in devices:
            page = browser.get(f"{self.url}/devices/{device}/revoke")
            assert page.status_code == 200 and "csrf_token" in page.text
            reply = browser.post(f"{self.url}/devices/{device}/revoke", data={"csrf_token": csrf(page)},
                                 allow_redirects=False)
            assert reply.status_code == 302, reply.text[:500]

    def device_erased(self, username="canbo1"):
        """True when every device of the user that was told to erase has reported it (POST /auth/erased)."""
        from server.models import Device, User
        with self.app.app_context():
            user = db.session.scalars(db.select(User).where(User.username == username)).one()
            devices = list(db.session.scalars(db.select(Device).where(Device.user_id == user.id)))
            return bool(devices) and all(d.erased_at is not None for d in devices if d.erase_requested_at)

    def close(self):
        if self.running:
            self.listener.stop()
        with self.app.app_context():
            db.engine.dispose()

    @classmethod
    @contextlib.contextmanager
    def holding_households(cls, tmp_path):
        """A server holding HOUSEHOLDS, closed on leaving."""
        server = cls(tmp_path)
        server.seed([({"v1": server.village, "v2": server.village2}[v], *rest) for v, *rest in HOUSEHOLDS])
        try:
            yield server
        finally:
            server.close()


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


# --- driving the app ----------------------------------------------------------------------------------------------
class Driver:
    """Starts the real app over a real Core, and taps, types and waits like a person with one finger."""

    def __init__(self, data_dir, **core_options):
        from kivy.base import EventLoop
        from kivy.core.window import Window

        from fieldapp.app import DoorstepApp
        from fieldapp.core import Core

        self.loop, self.window = EventLoop, Window
        Window.size = (1280, 800)  # a 10-inch tablet held sideways
        self.app = DoorstepApp()
        self.app.core = Core(data_dir=data_dir, post=self.app.post, **core_options)
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
        # A widget in view is not scrolled to: Kivy's scroll_to moves content shorter than its view off its place.
        if parent is not None and not hasattr(parent, "viewclass") and not self._inside(widget, parent):
            parent.scroll_to(widget, padding=10, animate=False)
            self.settle(widget)
        x, y = widget.to_window(*widget.center)
        if parent is not None:
            assert self._inside(widget, parent), (
                f"{type(widget).__name__} {getattr(widget, 'text', '')!r} is outside its scroll view after scrolling")
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        # A ScrollView hands a touch to its children only once it is sure it is not a scroll.
        self.frames_for(0.35 if parent is not None else 0)
        touch.touch_up()
        # A ScrollView replays a tap's touch_up to its children 0.2 s later: let that happen before the next tap.
        self.frames_for(0.3 if parent is not None else 0)

    @staticmethod
    def _inside(widget, view) -> bool:
        """True when the widget's centre is within the scroll view's window."""
        x, y = widget.to_window(*widget.center)
        left, bottom = view.to_window(view.x, view.y)
        return left <= x <= left + view.width and bottom <= y <= bottom + view.height

    def frames_for(self, seconds: float):
        """Turn frames for `seconds` of wall time, at least one."""
        end = time.monotonic() + seconds
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

    def enter_pin(self, pin):
        """Tap the PIN pad's keys, one finger tap per digit."""
        screen = self.app.manager.get_screen("pin")
        keys = {k.digit: k for k in self.find(screen, "PinKey")}
        for digit in pin:
            self.tap(keys[digit])
        self.frames_for(0.25)  # the pad hands the sixth digit over a frame later

    def set_pin(self, pin=PIN):
        """On the PIN pad after a login: the PIN, then the same again; waits for the screen after it."""
        screen = self.screen
        assert screen.name == "pin" and screen.mode == "set", (screen.name, getattr(screen, "mode", None))
        self.enter_pin(pin)
        self.wait(lambda: screen.mode == "confirm", what="the PIN's confirmation")
        self.enter_pin(pin)
        self.wait(lambda: self.screen.name != "pin", timeout=30, what="the screen after setting the PIN")

    def answer(self, yes):
        """Answer the question on screen (a Confirm) with a tap on its yes or no button."""
        from fieldapp.screens.widgets import Confirm
        self.frames(2)
        questions = [w for w in self.window.children if isinstance(w, Confirm)]
        assert questions, "no question on screen"
        self.tap(questions[0].ids.yes if yes else questions[0].ids.no)

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



def nav(driver, target):
    return [b for b in driver.find(driver.screen, "NavButton") if b.target == target][0]
