"""After a remote erase (the tablet revoked by a leader, or its official disabled): says why, what was erased, how
many unsent changes went with it, and leads to the login screen. The core has already erased every file."""
from kivy.properties import StringProperty

from ..i18n import tr
from . import BaseScreen


class EraseScreen(BaseScreen):
    reason_text = StringProperty("")
    done_text = StringProperty("")

    def show(self, **params):
        erased = self.core.erased or {"reason": "revoked", "lost": 0}
        self.reason_text = tr(f"erase.reason.{erased['reason']}")
        lost = tr("erase.lost", n=erased["lost"]) if erased["lost"] else tr("erase.none_lost")
        self.done_text = "\n\n".join([tr("erase.done"), lost, tr("erase.next")])

    def to_login(self):
        self.app.go("login")
