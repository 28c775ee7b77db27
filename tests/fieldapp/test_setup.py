"""A tablet sets itself up: the server address baked by the build's config step (android/stage.py, run here for
real), or set by the dashboard's QR code (drawn by the server, read back as an image) or typed; its name asked at
the first login and sent as the device label."""
import importlib.util
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fieldapp import config, setup
from fieldapp.core import Core
from fieldapp.sync import ApiClient
from shared import pairing

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("android_stage", ROOT / "android" / "stage.py")
stage = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(stage)


def bake(folder: Path, **settings) -> Path:
    """Stage an APK's sources with a buildozer.spec whose [doorstep] section holds `settings`: its site.json.
    A server on 127.0.0.1 is let through (the tests' servers are there; a real build refuses it)."""
    folder.mkdir(parents=True, exist_ok=True)
    spec = folder / "buildozer.spec"
    spec.write_text("[app]\ntitle = Doorstep\n\n[doorstep]\n" + "".join(f"{k} = {v}\n" for k, v in settings.items()),
                    encoding="utf-8")
    stage.stage(spec, folder / "src", env={}, allow_loopback=True)
    return folder / "src" / "fieldapp" / "site.json"


@pytest.fixture(autouse=True)
def no_server_in_env(monkeypatch):
    monkeypatch.delenv("DOORSTEP_SERVER", raising=False)


# --- the config step --------------------------------------------------------------------------------------------
def test_the_config_step_bakes_server_bundle_and_pin_into_the_staged_sources(tmp_path):
    (tmp_path / "ca.pem").write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    spec = tmp_path / "buildozer.spec"
    spec.write_text("[app]\ntitle = Doorstep\n[doorstep]\nserver = doorstep.hue.gov.vn/\nca_bundle = ca.pem\n"
                    "cert_sha256 = " + ":".join(["AB"] * 32) + "\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOORSTEP_")}
    run = subprocess.run([sys.executable, str(ROOT / "android" / "stage.py"), "--spec", str(spec), "--out",
                          str(tmp_path / "src")], capture_output=True, text=True, env=env, timeout=60)
    assert run.returncode == 0, run.stderr
    src = tmp_path / "src"
    site = json.loads((src / "fieldapp" / "site.json").read_text())
    assert site == {"server": "https://doorstep.hue.gov.vn", "pin": "ab" * 32, "ca_file": "site-ca.pem"}
    assert (src / "fieldapp" / "site-ca.pem").read_text() == (tmp_path / "ca.pem").read_text()
    assert (src / "main.py").read_text() == "from fieldapp.app import main\nmain()\n"
    assert (src / "shared" / "pairing.py").exists() and (src / "fieldapp" / "kv" / "setup.kv").exists()
    assert not (src / "server").exists() and not (src / "tests").exists()
    # What the tablet reads from it.
    assert setup.baked(src / "fieldapp" / "site.json") == {
        "server": "https://doorstep.hue.gov.vn", "pin": "ab" * 32, "ca_file": str(src / "fieldapp" / "site-ca.pem")}


def test_the_repository_spec_stages_and_asks_the_tablet_for_its_server(tmp_path):
    site = stage.stage(ROOT / "buildozer.spec", tmp_path / "src", env={})
    assert site == {"server": None, "pin": None, "ca_file": None}
    tablet = setup.Tablet(tmp_path / "data", site=setup.baked(tmp_path / "src" / "fieldapp" / "site.json"))
    assert not tablet.configured()


@pytest.mark.parametrize("settings, why", [
    ({"server": "http://127.0.0.1:5000"}, "no tablet can reach it"),
    ({"server": "https://localhost"}, "no tablet can reach it"),
    ({"server": "ftp://doorstep.hue.gov.vn"}, "not an http(s) address"),
    ({"server": "https://doorstep.hue.gov.vn", "cert_sha256": "abc"}, "not a SHA-256"),
    ({"server": "https://doorstep.hue.gov.vn", "ca_bundle": "missing.pem"}, "no such file"),
    ({"server": "http://doorstep.hue.gov.vn", "cert_sha256": "ab" * 32}, "needs an https:// server"),
])
def test_the_config_step_refuses_what_would_make_a_broken_apk_and_writes_nothing(tmp_path, settings, why):
    spec = tmp_path / "buildozer.spec"
    spec.write_text("[doorstep]\n" + "".join(f"{k} = {v}\n" for k, v in settings.items()), encoding="utf-8")
    with pytest.raises(stage.Refused, match=why.replace("(", r"\(").replace(")", r"\)")):
        stage.stage(spec, tmp_path / "src", env={})
    assert not (tmp_path / "src").exists()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOORSTEP_")}
    run = subprocess.run([sys.executable, str(ROOT / "android" / "stage.py"), "--spec", str(spec), "--out",
                          str(tmp_path / "src")], capture_output=True, text=True, env=env, timeout=60)
    assert run.returncode == 2 and why in run.stderr


# --- the tablet's setup ------------------------------------------------------------------------------------------
def test_the_address_a_tablet_uses_tablet_file_then_environment_then_baked(tmp_path, monkeypatch):
    site = setup.baked(bake(tmp_path / "apk", server="https://doorstep.hue.gov.vn"))
    tablet = setup.Tablet(tmp_path / "data", site=site)
    assert tablet.configured() and tablet.server() == "https://doorstep.hue.gov.vn"
    monkeypatch.setattr(setup, "SITE", bake(tmp_path / "apk", server="https://doorstep.hue.gov.vn"))
    assert config.default_server() == "https://doorstep.hue.gov.vn"  # a store with no address of its own
    monkeypatch.setenv("DOORSTEP_SERVER", "http://192.168.1.5:5000")
    assert tablet.server() == "http://192.168.1.5:5000"
    tablet.set_server("https://doorstep.quangtri.gov.vn/", pin=None)
    assert setup.Tablet(tmp_path / "data", site=site).server() == "https://doorstep.quangtri.gov.vn"
    assert setup.Tablet(tmp_path / "fresh", site=setup.baked(tmp_path / "none.json")).server() == \
        "http://192.168.1.5:5000"
    monkeypatch.delenv("DOORSTEP_SERVER")
    fresh = setup.Tablet(tmp_path / "fresh", site=setup.baked(tmp_path / "none.json"))
    assert not fresh.configured() and fresh.server() == config.DEFAULT_SERVER


def test_a_broken_baked_site_or_tablet_file_leaves_the_tablet_asking_not_crashing(tmp_path, monkeypatch):
    (tmp_path / "site.json").write_text('{"server": "ftp://x"}')
    monkeypatch.setattr(setup, "SITE", tmp_path / "site.json")
    with pytest.raises(ValueError):
        setup.baked()
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / setup.TABLET_FILE).write_text("[1, 2]")
    tablet = setup.Tablet(tmp_path / "data")
    assert not tablet.configured() and tablet.name() is None
    assert config.default_server() == config.DEFAULT_SERVER


def test_the_tablet_name_is_checked_kept_and_else_the_device_model(tmp_path):
    tablet = setup.Tablet(tmp_path, site=setup.baked(tmp_path / "none.json"))
    assert tablet.name() is None and tablet.label() == setup.device_model() and tablet.label()
    for bad, why in (("  ", "setup.error.name_missing"), ("x" * 101, "setup.error.name_bad"),
                     ("Máy\n1", "setup.error.name_bad")):
        with pytest.raises(ValueError, match=why):
            tablet.set_name(bad)
    assert not (tmp_path / setup.TABLET_FILE).exists()
    tablet.set_name("  Máy tính bảng thôn Đông 1 ")
    assert setup.Tablet(tmp_path, site=tablet.site).label() == "Máy tính bảng thôn Đông 1"


def test_the_qr_code_as_an_image_reads_back_and_sets_the_tablet_up_then_the_login_sends_its_name(
        server, tmp_path, monkeypatch):
    """The dashboard's QR code rendered as a picture and read by zbar (the decoder the camera libraries use), its
    text fed to the tablet's setup, then a login against the live server it names. (The page's own SVG, drawn in
    Chromium, is read back in tests/server/test_dashboard_connect.py.)"""
    try:
        from pyzbar import pyzbar
    except ImportError:  # not a skip: CI must read the code back (.ci/run installs libzbar0)
        pytest.fail("pyzbar needs Debian's libzbar0: apt-get install -y libzbar0", pytrace=False)
    from PIL import Image

    import segno
    text = pairing.payload(server.url)
    png = io.BytesIO()
    segno.make(text, error="m").save(png, kind="png", scale=8, border=4)
    found = pyzbar.decode(Image.open(io.BytesIO(png.getvalue())))
    assert [f.data.decode() for f in found] == [text]

    monkeypatch.setattr(setup, "SITE", tmp_path / "no-site.json")
    core = Core(tmp_path / "data", auto_sync=False, client_factory=lambda url: ApiClient(url, retries=0))
    assert not core.tablet.configured()
    scanned = pairing.parse(found[0].data.decode())
    assert setup.check_server(scanned["server"], core.tablet.trust()) is None
    core.tablet.set_server(scanned["server"], scanned["pin"])
    core.tablet.set_name("Tab thôn Đông")
    done = []
    core.login(core.tablet.server(), server.world.official, server.password, on_done=done.append)
    end = time.monotonic() + 30
    while not done and time.monotonic() < end:
        time.sleep(0.02)
    core.stop()
    assert done and done[0]["ok"], done
    assert [r[0] for r in server.query("SELECT label FROM devices")] == ["Tab thôn Đông"]
