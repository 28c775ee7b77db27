"""Calling a household from the work list: on Android the phone's dialler opens with the number typed in (an
ACTION_DIAL intent), and the official presses call there. Dialling, unlike calling, needs no CALL_PHONE permission,
so the APK asks for none. Elsewhere (a desktop) there is no dialler: the screen shows the number instead."""
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
        from jnius import autoclass
        intent_class, uri = autoclass("android.content.Intent"), autoclass("android.net.Uri")
        activity = autoclass("org.kivy.android.PythonActivity").mActivity
        activity.startActivity(intent_class(intent_class.ACTION_DIAL, uri.parse("tel:" + tel)))
    except Exception:  # no dialler: the number is shown instead
        return False
    return True
