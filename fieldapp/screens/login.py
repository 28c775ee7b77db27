"""First run and signing in again: server address, username, password; the core registers the device.
At the first login of the tablet (no name kept yet) it also asks the tablet's name, pre-filled with the device's
model, which the login sends as the device label (fieldapp/setup.py). "Change server" opens the setup screen (QR).

Also the way back into a locked store whose PIN is forgotten or was wrong too often (reason "forgot_pin" or
"locked_out"): the username is the locked store's, and after the login the PIN pad asks for a new PIN."""
from kivy.properties import BooleanProperty, StringProperty

from .. import setup
from ..config import default_server
from ..i18n import tr
from . import BaseScreen


class LoginScreen(BaseScreen):
    message = StringProperty("")
    busy = BooleanProperty(False)
    ask_name = BooleanProperty(False)

    def show(self, reason="", server=None, **params):
        ids = self.ids
        store = self.core.store
        if server:  # just set up (screens/setup.py)
            ids.server.text = server
        if not ids.server.text:
            ids.server.text = (store and store.account()["server_url"]) or self.core.tablet.server()
        self.ask_name = not self.core.tablet.name()
        if self.ask_name and not ids.tablet_name.text:
            ids.tablet_name.text = setup.device_model()
        if reason in ("forgot_pin", "locked_out"):
            ids.username.text = self.core.username or ""
            if not ids.server.text or ids.server.text == default_server():
                ids.server.text = self.core.pin_server() or ids.server.text
        elif not ids.username.text:
            ids.username.text = self.core.last_user() or ""
        ids.password.text = ""
        # Signed out by the server (token revoked or expired), or a PIN to reset: say that nothing unsynced is lost.
        self.message = tr(f"login.{reason}") if reason in ("forgot_pin", "locked_out") else \
            tr("login.again") if reason else ""

    def submit(self):
        server, username, password = (self.ids[k].text.strip() for k in ("server", "username", "password"))
        if not (server and username and password):
            self.message = tr("login.missing")
            return
        if self.ask_name:  # kept now: the login sends it as the device label
            problem = setup.name_problem(self.ids.tablet_name.text)
            if problem:
                self.message = tr(problem)
                return
            self.core.tablet.set_name(self.ids.tablet_name.text)
        self.busy = True
        self.message = tr("login.busy")
        self.core.login(server, username, password, self.done)

    def done(self, outcome):
        self.busy = False
        if not outcome["ok"]:
            self.message = tr(f"login.error.{outcome['kind']}", minutes=outcome.get("minutes"))
            return
        self.ids.password.text = ""
        self.app.go_first()  # the PIN pad (a new store, a PIN to reset) or home
