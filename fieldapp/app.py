"""The Kivy application: a ScreenManager whose screens are built on first use, over the core.

Nothing here blocks: the core runs network work in its own thread and hands results back through `post`, which
schedules them on Kivy's clock, i.e. on the UI thread.
The lock: the app opens on the PIN pad when the store is encrypted, and locks again (core.lock(), then the PIN pad)
after LOCK_AFTER seconds in the background (on_pause/on_resume) or without a touch. Unlocking returns to the screen
that was in front, as it was left (a half-filled visit form stays filled).
"""
import importlib
import json
import os
import time

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.properties import NumericProperty, StringProperty
from kivy.uix.screenmanager import NoTransition, ScreenManager

from . import i18n
from .screens import load_kv, theme, widgets  # noqa: F401  (registers the widget classes the kv rules name)
from .screens.theme import BG
from .screens.tell import TellMixin

# name -> class in fieldapp.screens.<module>; the kv file is kv/<module>.kv
SCREENS = {
    "login": ("login", "LoginScreen"),
    "home": ("home", "HomeScreen"),
    "households": ("households", "HouseholdsScreen"),
    "household": ("household", "HouseholdScreen"),
    "household_edit": ("household_edit", "HouseholdEditScreen"),
    "visit": ("visit", "VisitScreen"),
    "problems": ("problems", "ProblemsScreen"),
    "settings": ("settings", "SettingsScreen"),
    "pin": ("pin", "PinScreen"),
    "erase": ("erase", "EraseScreen"),
    "setup": ("setup", "SetupScreen"),
}
TOP_LEVEL = ("home", "households", "problems", "settings")
LOCK_AFTER = 300.0
"""Seconds in the background or without a touch after which the app locks (5 minutes)."""
FIRST_SYNC_AFTER = 2.0
"""Seconds between the start and the first sync: on two slow cores the sync (requests, marshmallow, sqlite work)
would otherwise compete with drawing the first screen."""


class DoorstepApp(TellMixin, App):
    current = StringProperty("")
    """The name of the screen in front; the nav bar highlights it."""
    badge_text = StringProperty("")
    badge_state = StringProperty("")
    """The sync badge of every top bar (badge.py); empty while nobody is logged in."""
    problems = NumericProperty(0)
    """Open sync problems: the nav bar shows its tab only when there are some."""

    def __init__(self, core=None, **kwargs):
        super().__init__(**kwargs)
        self.core = core
        self.history: list[tuple[str, dict]] = []
        self.toast_text = ""
        self.lock_after = LOCK_AFTER
        self._last_touch = self._paused_at = time.monotonic()
        self._locked_history: list[tuple[str, dict]] = []

    def build(self):
        self.title = "Doorstep"
        Window.clearcolor = BG
        load_kv("widgets")
        if self.core is None:
            from .core import Core  # imported here: it opens the database and starts the sync thread
            self.core = Core(post=self.post, first_sync_after=FIRST_SYNC_AFTER)
        self.prefs = Prefs(self.core.data_dir)
        i18n.set_language(self.prefs.get("language", "vi"))
        theme.set_scale(theme.LARGE if self.prefs.get("large_text") else 1.0)
        self.manager = ScreenManager(transition=NoTransition())  # cheap tablets: no animation to wait for
        self.core.on_status = self._status
        self.core.on_progress = self._progress
        self.core.on_sync_done = self._sync_done
        self.go(*self._first_screen())
        Window.bind(on_touch_down=self._touched)
        Clock.schedule_interval(self._check_idle, 5)
        return self.manager

    def _first_screen(self):
        from .core import ERASED, LOCKED, LOCKED_OUT, OPEN, SET_PIN
        state = self.core.state
        if state in (LOCKED, LOCKED_OUT, SET_PIN):
            return ("pin",)
        if state == ERASED:
            return ("erase",)
        if state == OPEN and self.core.logged_in():
            return ("home",)
        if self.core.store is None and not self.core.tablet.configured():
            return ("setup",)  # a fresh tablet that knows no server: the dashboard's QR code, or typed
        needs_login = self.core.store is not None and self.core.store.account()["needs_login"]
        return ("login",) if not needs_login else ("login", "expired")

    def go_first(self):
        """The screen the core's state calls for (after a login: the PIN pad or home)."""
        name, *reason = self._first_screen()
        self.go(name, **({"reason": reason[0]} if reason else {}))

    # The lock
    def _touched(self, *_args):
        self._last_touch = time.monotonic()

    def _check_idle(self, _dt=None):
        if time.monotonic() - self._last_touch >= self.lock_after:
            self.lock()

    def on_pause(self):
        self._paused_at = time.monotonic()
        return True  # keep running in the background: the sync goes on, the lock comes at on_resume

    def on_resume(self):
        if time.monotonic() - self._paused_at >= self.lock_after:
            self.lock()
        self._last_touch = time.monotonic()

    def lock(self):
        """Lock now (core.lock()) and show the PIN pad; False when there is nothing to lock (no PIN yet)."""
        if self.current == "pin" or not self.core.lock():
            return False
        self._locked_history = list(self.history)
        self.go("pin")
        return True

    def unlocked(self):
        """The PIN pad opened the store (or set its PIN): back where the official was, else home."""
        history, self._locked_history = self._locked_history, []
        self._last_touch = time.monotonic()
        if history and history[-1][0] not in ("pin", "login", "erase"):
            self.history = history
            name = history[-1][0]
            self.manager.current = self.current = name  # not show(): the screen stays as it was left
            return
        self.go_first()  # home, or the login when the store has no live token

    def on_stop(self):
        self._stopped = True
        self.core.stop()

    # Threads -> UI
    def post(self, fn, *args, **kwargs):
        """Run fn on the UI thread at the next frame: the only way background results reach the widgets."""
        Clock.schedule_once(lambda _dt: None if getattr(self, "_stopped", False) else fn(*args, **kwargs), 0)

    def _status(self, status):
        self.show_badge(status)
        self._each_screen("on_sync_status", status)

    def _progress(self, phase, done, total):
        self._each_screen("on_sync_progress", phase, done, total)

    def _sync_done(self, outcome):
        if outcome["kind"] == "erased":  # the files are gone: no screen may read the store any more
            self._locked_history = []
            self.go("erase")
            return
        self._each_screen("on_sync_done", outcome)
        # The server no longer takes our token: ask for the password again; the store keeps every unsynced change.
        if outcome["kind"] in ("login_needed", "forbidden") and self.current not in ("login", "pin"):
            self.go("login", reason=outcome["kind"])

    def _each_screen(self, method, *args):
        for screen in self.manager.screens:
            getattr(screen, method, lambda *a: None)(*args)

    # Navigation
    def screen(self, name):
        """The screen `name`, built (and its kv loaded) the first time it is asked for."""
        if not self.manager.has_screen(name):
            module, cls = SCREENS[name]
            load_kv(module)
            screen_cls = getattr(importlib.import_module(f"fieldapp.screens.{module}"), cls)
            self.manager.add_widget(screen_cls(name=name))
        return self.manager.get_screen(name)

    def go(self, name, **params):
        """Show a screen; a top-level screen starts a fresh history, any other is stacked so Back returns."""
        if name in TOP_LEVEL or name == "login":
            self.history = []
        self.history.append((name, params))
        self._show(name, params)

    def back(self):
        if len(self.history) > 1:
            self.history.pop()
        name, params = self.history[-1] if self.history else ("home", {})
        self._show(name, params)

    def _show(self, name, params):
        screen = self.screen(name)
        self.manager.current = name
        self.current = name
        screen.show(**params)
        if self.core.store is not None:
            self.show_badge(self.core.status())

    def location_source(self):
        """Where visit forms get a fix (fieldapp/location.py): None is plyer's GPS; tests give one of their own."""
        return None

    def set_large_text(self, on):
        """The large-text mode (Settings): kept in the prefs; the screens are rebuilt with the new sizes."""
        self.prefs.set(large_text=bool(on))
        theme.set_scale(theme.LARGE if on else 1.0)
        self.rebuild()

    def set_language(self, lang):
        """Switch language by rebuilding the screens: their texts are read from the catalog when they are built."""
        i18n.set_language(lang)
        self.prefs.set(language=lang)
        self.rebuild()

    def rebuild(self):
        """Make every screen again (texts and sizes are read when a widget is made) and show the one in front."""
        for screen in list(self.manager.screens):
            self.manager.remove_widget(screen)
        history = self.history
        self.history = history[:-1]
        self.go(*[history[-1][0]], **history[-1][1]) if history else self.go("home")



class Prefs:
    """Settings of the tablet rather than of a user (the language), in a small JSON file beside the databases."""

    def __init__(self, folder):
        self.path = os.path.join(str(folder), "prefs.json")
        try:
            with open(self.path, encoding="utf-8") as fh:
                self.values = json.load(fh)
        except (OSError, ValueError):
            self.values = {}

    def get(self, key, default=None):
        return self.values.get(key, default)

    def set(self, **values):
        self.values.update(values)
        with open(self.path, "w", encoding="utf-8") as fh:
            json.dump(self.values, fh)


def main():
    DoorstepApp().run()
