"""Reading the dashboard's QR code with the tablet's camera: Google's code scanner (ML Kit, in Google Play services)
through pyjnius.

Why this one (docs/android.md): it is maintained by Google with Play services, needs no CAMERA permission and no
camera preview drawn by Kivy (Play services shows its own scanner and hands back only the text), and
python-for-android adds it with one Gradle dependency (buildozer.spec: android.gradle_dependencies). The
Kivy-side camera libraries are not maintained: Camera4Kivy and its QR example were archived in November 2023, and
kivy-garden's zbarcam had its last release in 2020.
Where it is missing (the desktop, a tablet without Play services, the scanner module not installed yet) the setup
screen offers typing the address instead: `available()` is False, or `scan` calls on_error.
Callbacks come on Android's UI thread; they are handed to Kivy's thread with Clock.
NOT VERIFIED on a tablet (no Android SDK here): see docs/android.md.
"""
from kivy.clock import Clock
from kivy.utils import platform

SCANNER = "com.google.mlkit.vision.codescanner.GmsBarcodeScanning"
_keep = []  # pyjnius listeners must stay referenced until Java has called them


def available() -> bool:
    """True when the code scanner's classes are in this APK (Android with the Gradle dependency)."""
    if platform != "android":
        return False
    try:
        from jnius import autoclass
        autoclass(SCANNER)
        return True
    except Exception:
        return False


def scan(on_text, on_error) -> None:
    """Open the scanner; on_text(text) with the code's raw text, or on_error(reason): "cancelled" or "failed"."""
    from android.runnable import run_on_ui_thread
    from jnius import PythonJavaClass, autoclass, java_method

    def later(fn, *args):
        _keep.clear()
        Clock.schedule_once(lambda _dt: fn(*args), 0)

    class Success(PythonJavaClass):
        __javainterfaces__ = ["com/google/android/gms/tasks/OnSuccessListener"]
        __javacontext__ = "app"

        @java_method("(Ljava/lang/Object;)V")
        def onSuccess(self, barcode):
            later(on_text, str(barcode.getRawValue() or ""))

    class Failure(PythonJavaClass):
        __javainterfaces__ = ["com/google/android/gms/tasks/OnFailureListener"]
        __javacontext__ = "app"

        @java_method("(Ljava/lang/Exception;)V")
        def onFailure(self, _exc):
            later(on_error, "failed")

    class Cancelled(PythonJavaClass):
        __javainterfaces__ = ["com/google/android/gms/tasks/OnCanceledListener"]
        __javacontext__ = "app"

        @java_method("()V")
        def onCanceled(self):
            later(on_error, "cancelled")

    @run_on_ui_thread
    def start():
        activity = autoclass("org.kivy.android.PythonActivity").mActivity
        listeners = [Success(), Failure(), Cancelled()]
        _keep[:] = listeners
        task = autoclass(SCANNER).getClient(activity).startScan()
        task.addOnSuccessListener(listeners[0])
        task.addOnFailureListener(listeners[1])
        task.addOnCanceledListener(listeners[2])
    try:
        start()
    except Exception:
        on_error("failed")
