"""What the app asks of Android, with Android's own modules (python-for-android's `android.permissions`, pyjnius)
replaced by recorders, since this machine has no device: location is asked for at run time once the official has
consented, and the GPS starts only on a grant and only while the form is open; calling a household opens the
dialler on its number (ACTION_DIAL, which needs no CALL_PHONE permission)."""
import sys
import types

import pytest

from fieldapp import location, phone


class Android:
    """`android.permissions` as a recorder: which permissions were asked, and the callback to answer with."""

    def __init__(self, granted: bool):
        self.granted, self.asked, self.answer = granted, [], None
        self.module = types.SimpleNamespace(check_permission=lambda p: self.granted,
                                            request_permissions=self.request)

    def request(self, permissions, callback):
        self.asked.append(list(permissions))
        self.answer = lambda grants: callback(permissions, grants)


@pytest.fixture
def android(monkeypatch):
    import kivy.utils
    monkeypatch.setattr(kivy.utils, "platform", "android")

    def install(granted: bool) -> Android:
        fake = Android(granted)
        monkeypatch.setitem(sys.modules, "android", types.ModuleType("android"))
        monkeypatch.setitem(sys.modules, "android.permissions", fake.module)
        return fake
    return install


def gps_recording(monkeypatch) -> tuple[location.PlyerGps, list]:
    started = []
    source = location.PlyerGps()
    monkeypatch.setattr(source, "_start_gps", started.append)
    return source, started


def on_fix(**fix):
    pass


def test_location_is_asked_for_and_the_gps_starts_on_the_grant(android, monkeypatch):
    fake = android(granted=False)
    source, started = gps_recording(monkeypatch)
    assert source.start(on_fix) is True  # a start that waits: the form's stop() still ends it
    assert fake.asked == [list(location.LOCATION_PERMISSIONS)] and started == []
    fake.answer([True, True])
    assert started == [on_fix]


def test_a_form_closed_before_the_answer_starts_no_gps(android, monkeypatch):
    fake = android(granted=False)
    source, started = gps_recording(monkeypatch)
    source.start(on_fix)
    source.stop()
    fake.answer([True, True])
    assert started == []


def test_a_refusal_starts_no_gps_and_a_grant_already_given_asks_nothing(android, monkeypatch):
    fake = android(granted=False)
    source, started = gps_recording(monkeypatch)
    source.start(on_fix)
    fake.answer([False, False])
    assert started == []
    fake = android(granted=True)
    source, started = gps_recording(monkeypatch)
    assert source.start(on_fix) is True and started == [on_fix] and fake.asked == []


def test_calling_opens_the_dialler_on_the_number_without_the_call_permission(android, monkeypatch):
    android(granted=False)
    sent = []

    class Intent:
        ACTION_DIAL = "android.intent.action.DIAL"

        def __init__(self, action, data):
            self.action, self.data = action, data

    classes = {"android.content.Intent": Intent,
               "android.net.Uri": types.SimpleNamespace(parse=lambda text: f"Uri({text})"),
               "org.kivy.android.PythonActivity": types.SimpleNamespace(
                   mActivity=types.SimpleNamespace(startActivity=sent.append))}
    monkeypatch.setitem(sys.modules, "jnius", types.SimpleNamespace(autoclass=classes.__getitem__))
    assert phone.dial("0905 123 456") is True
    assert [(i.action, i.data) for i in sent] == [("android.intent.action.DIAL", "Uri(tel:0905123456)")]
    assert phone.dial("") is False and len(sent) == 1


def test_the_apk_asks_for_no_permission_to_place_calls():
    import configparser
    from pathlib import Path
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(Path(__file__).resolve().parents[2] / "buildozer.spec", encoding="utf-8")
    permissions = {p.strip() for p in parser["app"]["android.permissions"].split(",")}
    assert "CALL_PHONE" not in permissions
    assert {p.rsplit(".", 1)[1] for p in location.LOCATION_PERMISSIONS} <= permissions
