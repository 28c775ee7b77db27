"""Calling a household from the work list: on Android plyer's call.makecall (a tel: intent; the APK asks for the
CALL_PHONE permission). Elsewhere (a desktop) there is no dialler: the screen shows the number instead."""
from shared.text import digits


def dial(number: str) -> bool:
    """Open the phone's dialler on `number`; False when this platform has none (the caller shows the number)."""
    tel = digits(number or "")
    if not tel:
        return False
    try:
        from kivy.utils import platform
        if platform != "android":
            return False
        from plyer import call
        call.makecall(tel=tel)
    except Exception:  # no dialler, or no permission: the number is shown instead
        return False
    return True
