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

OUTCOME_COLORS = {"done": DONE, "already_had": HAD, "partial": PARTIAL, "follow_up": FOLLOW_UP, "declined": DECLINED,
                  "not_applicable": NOT_APPLICABLE, None: NONE}

TEXT = sp(20)
SMALL = sp(17)
TITLE = sp(24)
TOUCH = dp(56)   # comfortably above the 48 dp minimum for a thumb on a cheap screen
ROW = dp(88)
PAD = dp(12)
