"""Colours and sizes shared by every screen: high contrast for sunlight, big targets for one finger."""
from kivy.metrics import dp, sp

BG = (0.96, 0.96, 0.94, 1)
SURFACE = (1, 1, 1, 1)
INK = (0.10, 0.10, 0.12, 1)
MUTED = (0.35, 0.36, 0.40, 1)
PRIMARY = (0.05, 0.36, 0.62, 1)
PRIMARY_INK = (1, 1, 1, 1)
CHIP = (0.88, 0.90, 0.93, 1)
DONE = (0.16, 0.52, 0.24, 1)
PARTIAL = (0.85, 0.55, 0.05, 1)
FOLLOW_UP = (0.80, 0.33, 0.00, 1)
DECLINED = (0.45, 0.45, 0.48, 1)
DANGER = (0.75, 0.12, 0.12, 1)
WARN_BG = (1.0, 0.93, 0.80, 1)
NONE = (0.90, 0.90, 0.90, 1)
HAD = (0.36, 0.66, 0.40, 1)        # had it before the visit: has it, as done, in a lighter green
NOT_APPLICABLE = (0.72, 0.72, 0.75, 1)

BADGE_COLORS = {"sent": DONE, "waiting": PARTIAL, "offline": (0.40, 0.42, 0.46, 1), "problem": DANGER}

OUTCOME_COLORS = {"done": DONE, "already_had": HAD, "partial": PARTIAL, "follow_up": FOLLOW_UP, "declined": DECLINED,
                  "not_applicable": NOT_APPLICABLE, None: NONE}

TEXT = sp(20)
SMALL = sp(17)
TITLE = sp(24)
TOUCH = dp(56)   # comfortably above the 48 dp minimum for a thumb on a cheap screen
ROW = dp(88)
PAD = dp(12)
LARGE = 1.3
"""The large-text mode's factor (Settings): texts, and the rows and buttons that hold them, grow by it."""
scale = 1.0


def set_scale(factor: float) -> None:
    """Sizes for the large-text mode (factor LARGE) or the normal one (1.0). The kv rules read these names when a
    widget is made, so the app rebuilds its screens after this (as for a change of language)."""
    global TEXT, SMALL, TITLE, TOUCH, ROW, scale
    scale = factor
    TEXT, SMALL, TITLE = sp(20) * factor, sp(17) * factor, sp(24) * factor
    TOUCH, ROW = dp(56) * max(1.0, factor * 0.9), dp(88) * factor
