"""Settings: language, large text, the consent to record visits' location, server, the account, locking the app at
once, and logging out without losing unsynced work by accident.

Logging out keeps the user's database (its unsynced changes go out at the next login); with unsynced changes it
asks twice. Deleting them is a separate, red button that asks twice and says how many changes would be lost.
"""
from kivy.properties import StringProperty

from .. import location
from ..config import default_server
from ..i18n import label, language, tr
from . import BaseScreen
from .widgets import Confirm


class SettingsScreen(BaseScreen):
    account_text = StringProperty("")
    message = StringProperty("")
    core_state = StringProperty("")

    def refresh(self):
        self.core_state = self.core.state  # "Lock the app now" needs a PIN (state open)
        account = self.core.store.account()
        user = account.get("user") or {}
        villages = ", ".join(v["name"] for v in self.core.store.villages())
        self.account_text = tr("settings.account", name=user.get("full_name") or "", username=account["username"] or "",
                               role=label("role", user.get("role") or "official"), villages=villages or "-")
        self.ids.server.text = account.get("server_url") or default_server()
        for chip in (self.ids.vi, self.ids.en):
            chip.state = "down" if chip.value == language() else "normal"
        allowed = location.consent(self.core.store)
        self.ids.location_on.state = "down" if allowed else "normal"
        self.ids.location_off.state = "down" if allowed is False else "normal"
        self.message = ""

    def set_location(self, allowed):
        """Record the location of visits (GPS) or not: the consent the visit form asks for once."""
        location.set_consent(self.core.store, allowed)
        self.refresh()

    def choose_language(self, lang):
        if lang != language():
            self.app.set_language(lang)

    def save_server(self):
        try:
            self.ids.server.text = self.core.set_server(self.ids.server.text)
        except ValueError:
            self.message = tr("settings.bad_server")
            return
        self.message = tr("settings.server_saved")

    def log_out(self):
        pending = self.core.store.pending()
        if not pending:
            Confirm(question=tr("settings.logout_question"), yes_text=tr("settings.logout"),
                    if_yes=lambda: self._log_out(False)).open()
            return
        # Unsent work can then leave the tablet only when this same user logs in again: ask twice.
        Confirm(question=tr("settings.logout_pending", n=pending), yes_text=tr("settings.logout"),
                if_yes=lambda: self._confirm_log_out(pending)).open()

    def _confirm_log_out(self, pending):
        Confirm(question=tr("settings.logout_again", n=pending), danger=True,
                yes_text=tr("settings.logout_final", n=pending), if_yes=lambda: self._log_out(False)).open()

    def wipe(self):
        pending = self.core.store.pending()
        Confirm(question=tr("settings.wipe_question", n=pending), danger=True, yes_text=tr("settings.wipe"),
                if_yes=lambda: self._confirm_wipe(pending)).open()

    def _confirm_wipe(self, pending):
        Confirm(question=tr("settings.wipe_again", n=pending), danger=True,
                yes_text=tr("settings.wipe_final", n=pending), if_yes=lambda: self._log_out(True)).open()

    def _log_out(self, wipe):
        def done(_outcome):
            if wipe and self.core.store is not None:
                self.core.store.clear_all()
            self.app.go("login")
        self.core.logout(on_done=done)
