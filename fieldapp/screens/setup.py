"""Connecting a fresh tablet to its server: scan the QR code of the dashboard's "Kết nối máy tính bảng" page, or type
the address. The address is checked (a Doorstep server must answer, with a trusted certificate) before it is kept
(fieldapp/setup.py); then the login. Shown first on a tablet with no server at all, and from the login screen.
Without a camera scanner (the desktop, a tablet without Google Play services) only typing is offered."""
from kivy.properties import BooleanProperty, StringProperty

from shared import pairing

from .. import scanner, setup
from ..i18n import tr
from . import BaseScreen


class SetupScreen(BaseScreen):
    message = StringProperty("")
    busy = BooleanProperty(False)
    can_scan = BooleanProperty(False)
    can_back = BooleanProperty(False)

    def show(self, **params):
        self.can_scan = scanner.available()
        self.can_back = len(self.app.history) > 1  # from the login screen; not on a fresh tablet's first screen
        self.ids.server.text = self.ids.server.text or (self.core.tablet.server() if self.core.tablet.configured()
                                                         else "")
        self.message = ""
        self._pin = None

    def scan(self):
        self.message = ""
        scanner.scan(self.scanned, lambda reason: setattr(self, "message", tr(f"setup.scan_{reason}")))

    def scanned(self, text):
        """A QR code was read: a Doorstep code fills the address (and its pin) and is checked like a typed one."""
        try:
            found = pairing.parse(text)
        except ValueError as err:
            self.message = tr(f"setup.error.{err}")
            return
        self.ids.server.text = found["server"]
        self._check(found["server"], found["pin"])

    def submit(self):
        try:
            server = pairing.server_address(self.ids.server.text)
        except ValueError:
            self.message = tr("setup.error.bad_server")
            return
        self.ids.server.text = server
        self._check(server, None)

    def _check(self, server, pin):
        self.busy, self.message = True, tr("setup.checking")
        trust = self.core.tablet.trust()
        if pin:  # the pin came with this server's QR code: check with it, keep it only if the server passes
            trust = setup.Trust(ca_file=trust.ca_file, pin=pin, pin_server=server)
        setup.check_in_background(server, trust, lambda problem: self._checked(server, pin, problem), self.app.post)

    def _checked(self, server, pin, problem):
        self.busy = False
        if problem:
            self.message = tr(f"setup.error.{problem}")
            return
        self.core.tablet.set_server(server, pin)
        self.message = ""
        self.app.go("login", server=server)
