"""The PIN pad: set a PIN (twice, to be sure) after a login, unlock at start and after 5 minutes away, and the way
out when the PIN is forgotten or was wrong too often (an online login with the password, which keeps the data).

Modes: "set" then "confirm" (core state SET_PIN), "unlock" (LOCKED), "locked_out" (LOCKED_OUT: no pad, only the
login). The digits typed are kept only in this screen until the sixth, then handed to the core and forgotten.
"""
from kivy.clock import Clock
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.button import Button
from kivy.uix.widget import Widget

from ..core import LOCKED_OUT, SET_PIN
from ..i18n import tr
from ..lock import PIN_DIGITS, pin_problem
from . import BaseScreen


class PinKey(Button):
    """One key of the pad: a digit, or "del"."""
    digit = StringProperty("")


class PinDot(Widget):
    """One digit's place on the pad's display."""
    filled = BooleanProperty(False)


class PinScreen(BaseScreen):
    mode = StringProperty("unlock")
    typed = NumericProperty(0)
    message = StringProperty("")
    busy = BooleanProperty(False)
    wait_left = NumericProperty(0)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._digits, self._first, self._ticker = "", "", None

    def show(self, **params):
        state = self.core.state
        self.mode = "set" if state == SET_PIN else "locked_out" if state == LOCKED_OUT else "unlock"
        self._digits, self._first, self.typed, self.busy = "", "", 0, False
        self.message = tr("pin.error.locked_out") if self.mode == "locked_out" else ""
        if self.mode == "unlock":
            self._follow_wait()

    def press(self, key):
        if self.busy or self.wait_left or self.mode == "locked_out":
            return
        if key == "del":
            self._digits = self._digits[:-1]
        elif len(self._digits) < PIN_DIGITS:
            self._digits += key
        self.typed = len(self._digits)
        if self.typed == PIN_DIGITS:
            pin, self._digits = self._digits, ""
            Clock.schedule_once(lambda _dt: self._submit(pin), 0.1)  # the sixth dot is seen filled

    def _submit(self, pin):
        self.typed = 0
        if self.mode == "set":
            problem = pin_problem(pin)
            if problem:
                self.message = tr(f"pin.error.{problem}")
                return
            self._first, self.mode, self.message = pin, "confirm", ""
        elif self.mode == "confirm":
            if pin != self._first:
                self._first, self.mode, self.message = "", "set", tr("pin.mismatch")
                return
            self.busy, self.message = True, tr("pin.saving")
            self.core.set_pin(pin, on_done=self._pin_set)
        else:
            self.busy, self.message = True, tr("pin.busy")
            self.core.unlock(pin, on_done=self._unlocked)

    def _pin_set(self, outcome):
        self.busy, self._first = False, ""
        if outcome["ok"]:
            self.app.unlocked()
        else:
            self.mode, self.message = "set", outcome["message"]

    def _unlocked(self, outcome):
        self.busy = False
        if outcome["ok"]:
            self.message = ""
            self.app.unlocked()
            return
        # The wait has a line of its own that counts down: the message does not repeat it.
        kind = outcome["kind"]
        self.message = tr("pin.error.wrong_pin", left=outcome["left"]) if kind == "wrong_pin" else \
            "" if kind == "wait" else outcome["message"]
        if kind == "locked_out":
            self.mode = "locked_out"
        self._follow_wait()

    def _follow_wait(self):
        """Count the wrong-PIN wait down on screen; the pad stays shut until it ends."""
        self.wait_left = int(-(-self.core.pin_state()["wait"] // 1))
        if self.wait_left and self._ticker is None:
            self._ticker = Clock.schedule_interval(self._tick, 1)

    def _tick(self, _dt):
        self.wait_left = int(-(-self.core.pin_state()["wait"] // 1)) if self.core.username else 0
        if not self.wait_left:
            self._ticker.cancel()
            self._ticker = None
            if self.mode == "unlock":
                self.message = ""

    def forgot(self):
        self.app.go("login", reason="locked_out" if self.mode == "locked_out" else "forgot_pin")
