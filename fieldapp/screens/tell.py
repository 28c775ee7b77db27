"""What the app tells the official on every screen: the sync badge and its details, and the toast after a save.

Terms:
- the *badge* (fieldapp/badge.py): all sent / N waiting / offline / problem, in every top bar once a user's store
  is open; a tap opens the *sync details*, a Sheet with the last sync, what waits, the last error, "Sync now" and,
  when there are problems, the way to them;
- the *toast*: a line over the bottom of the screen for TOAST_SECONDS ("Đã lưu"), or for UNDO_SECONDS with an
  Undo button after "Vắng nhà". A new toast replaces the one showing.
"""
from kivy.clock import Clock
from kivy.core.window import Window

from .. import badge
from ..i18n import time_text, tr

TOAST_SECONDS = 3.0
UNDO_SECONDS = 8.0


class TellMixin:
    _toast = None
    _toast_end = None
    sync_sheet = None

    # --- the badge ---
    def show_badge(self, status):
        from ..core import OPEN, SET_PIN
        self.problems = status.get("problems", 0)
        if self.core.state not in (OPEN, SET_PIN) or self.core.store is None:
            self.badge_text, self.badge_state = "", ""
            return
        state, n = badge.badge(status)
        self.badge_state = state
        self.badge_text = tr(f"badge.{state}", n=n)
        if self.sync_sheet is not None:
            self.sync_sheet.text = sync_details(status)

    def open_sync(self):
        """The sync details, over the current screen."""
        from .widgets import BigButton, FlatButton, Sheet
        status = self.core.status()
        sheet = self.sync_sheet = Sheet(title=tr("sync.title"), text=sync_details(status))
        now = BigButton(text=tr("home.sync_now"))
        now.bind(on_release=lambda *_: self.core.sync_now())
        sheet.ids.sbuttons.add_widget(now)
        if status.get("problems"):
            fix = FlatButton(text=tr("home.problems", n=status["problems"]))
            fix.bind(on_release=lambda *_: (sheet.dismiss(animation=False), self.go("problems")))
            sheet.ids.sbuttons.add_widget(fix)
        sheet.bind(on_dismiss=lambda *_: setattr(self, "sync_sheet", None))
        sheet.open(animation=False)
        return sheet

    # --- the toast ---
    def toast(self, text, action_text="", action=None, seconds=None):
        """Show `text` at the bottom of the screen; `action` runs if its button is tapped before it goes."""
        from .widgets import Toast
        self.hide_toast()
        toast = self._toast = Toast(text=text, action_text=action_text, action=action)
        toast.pos_hint = {}
        Window.add_widget(toast)
        self._place_toast()
        Window.bind(size=self._place_toast)
        self._toast_end = Clock.schedule_once(lambda _dt: self.hide_toast(toast),
                                              seconds or (UNDO_SECONDS if action else TOAST_SECONDS))
        return toast

    def _place_toast(self, *_args):
        toast = self._toast
        if toast is not None:
            toast.x = (Window.width - toast.width) / 2
            toast.y = theme_nav_height() + 16

    def hide_toast(self, toast=None):
        if self._toast is None or (toast is not None and toast is not self._toast):
            return
        if self._toast_end is not None:
            self._toast_end.cancel()
        Window.remove_widget(self._toast)
        Window.unbind(size=self._place_toast)
        self._toast = self._toast_end = None


def theme_nav_height():
    from kivy.metrics import dp
    return dp(64)


def sync_details(status) -> str:
    """The lines of the sync details: last sync, waiting changes, problems, the last error, the clock warning."""
    last = status.get("last_sync_at")
    lines = [tr("home.last_sync", when=time_text(last)) if last else tr("home.never_synced"),
             tr("home.pending", n=status.get("pending", 0))]
    if status.get("problems"):
        lines.append(tr("home.problems", n=status["problems"]))
    if status.get("online") is False and not status.get("error"):
        lines.append(tr("sync.error.offline"))
    if status.get("error"):
        lines.append(tr(f"sync.error.{status['error']}"))
    return "\n".join(lines)
