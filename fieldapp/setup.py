"""How a tablet is set up: which server it talks to, which certificates it trusts, and the tablet's own name.

Terms:
- the *baked site* is what the APK's build wrote into the package (android/stage.py, from buildozer.spec's
  [doorstep] section): `site.json` beside this module, {"server", "pin", "ca_file"}, and the CA bundle it names
  (`site-ca.pem`). A checkout has none: the desktop app goes by DOORSTEP_SERVER (config.py);
- the *tablet file* (`tablet.json` in the data folder) is what was set on this tablet: the server and pin of a
  scanned QR code or a typed address, and the tablet's name, asked at the first login (pre-filled with the device's
  model) and sent as the device label, which the dashboard shows to leaders;
- *configured*: a server is known (tablet file, DOORSTEP_SERVER or the baked site); a fresh tablet that is not asks
  for one first (screens/setup.py): a QR code from the dashboard's "Kết nối máy tính bảng" page, or typed.
The address a tablet uses: the tablet file's, else DOORSTEP_SERVER, else the baked one, else config.DEFAULT_SERVER.
Payloads and addresses are checked by shared/pairing.py. This module never imports kivy.
"""
import json
import os
import platform
import threading
from pathlib import Path

from shared import pairing

from . import config
from .sync import ApiClient
from .sync.errors import ApiError, AuthError, CertificateError, Retryable
from .sync.tls import Trust

SITE = Path(__file__).with_name("site.json")
TABLET_FILE = "tablet.json"
MAX_NAME = 100


def baked(path: Path | None = None) -> dict:
    """The baked site: {"server", "pin", "ca_file"} (None each when absent); ValueError when the file is broken."""
    path = Path(path or SITE)
    if not path.exists():
        return {"server": None, "pin": None, "ca_file": None}
    data = json.loads(path.read_text(encoding="utf-8"))
    ca = data.get("ca_file")
    return {"server": pairing.server_address(data["server"]) if data.get("server") else None,
            "pin": pairing.pin(data.get("pin")), "ca_file": str(path.with_name(ca)) if ca else None}


def baked_site() -> dict:
    """baked(), or no site when the build wrote a broken one: logged (errlog), and the tablet asks for its server."""
    try:
        return baked()
    except (ValueError, KeyError, TypeError, OSError):
        from .errlog import log
        log.error("the baked site.json is broken: ignored")
        return {"server": None, "pin": None, "ca_file": None}


def device_model() -> str:
    """The device's maker and model on Android ("Samsung SM-X200"), the computer's name elsewhere."""
    try:
        from jnius import autoclass  # python-for-android's pyjnius: only on the tablet
        build = autoclass("android.os.Build")
        maker, model = str(build.MANUFACTURER or "").strip(), str(build.MODEL or "").strip()
        name = model if model.lower().startswith(maker.lower()) else f"{maker.capitalize()} {model}"
    except Exception:  # not Android (no jnius, or no JVM behind it)
        name = platform.node()
    return name.strip()[:MAX_NAME] or "Doorstep"


def name_problem(name: str) -> str | None:
    """Why `name` cannot be the tablet's name (a catalogue key), or None."""
    name = (name or "").strip()
    if not name:
        return "setup.error.name_missing"
    if len(name) > MAX_NAME or any(ord(ch) < 32 for ch in name):
        return "setup.error.name_bad"
    return None


class Tablet:
    """The tablet's setup: the tablet file in `folder` over the baked site (`site`, baked() when None)."""

    def __init__(self, folder: str | Path, site: dict | None = None):
        self.path = Path(folder) / TABLET_FILE
        self.site = site if site is not None else baked_site()
        try:
            self.values = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.values = {}
        if not isinstance(self.values, dict):
            self.values = {}

    def configured(self) -> bool:
        return bool(self.values.get("server") or os.environ.get("DOORSTEP_SERVER") or self.site["server"])

    def server(self) -> str:
        """The address the login screen proposes and a new store starts with."""
        return (self.values.get("server") or os.environ.get("DOORSTEP_SERVER") or self.site["server"]
                or config.DEFAULT_SERVER)  # config.default_server() without the tablet file, over self.site

    def trust(self) -> Trust:
        """The certificates to accept: the baked CA bundle, and the pin of the scanned or baked server."""
        if self.values.get("server") and self.values.get("pin"):
            pin, pinned = self.values["pin"], self.values["server"]
        else:  # the baked pin, which Trust.for_url keeps to the baked server
            pin, pinned = self.site["pin"], self.site["server"]
        return Trust(ca_file=self.site["ca_file"], pin=pin, pin_server=pinned if pin else None)

    def name(self) -> str | None:
        return self.values.get("name")

    def label(self) -> str:
        """What a login sends as device_label: the name given at the first login, else the device's model."""
        return self.name() or device_model()

    def set_server(self, server: str, pin: str | None = None) -> str:
        """Keep a typed or scanned server (and its pin); ValueError("bad_server"/"bad_pin"). Returns the address."""
        server, pin = pairing.server_address(server), pairing.pin(pin)
        self._save(server=server, pin=pin)
        return server

    def set_name(self, name: str) -> None:
        problem = name_problem(name)
        if problem:
            raise ValueError(problem)
        self._save(name=name.strip())

    def _save(self, **values) -> None:
        self.values.update(values)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(self.values, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self.path)


def check_server(server: str, trust: Trust | None = None, timeout: float = 8.0) -> str | None:
    """None when a Doorstep server answers at `server`, else why not: "certificate", "offline", "busy" or
    "not_doorstep". Asks GET /auth/me without a token: a Doorstep server says 401 in its own JSON error."""
    client = ApiClient(server, retries=0, timeout=(timeout, timeout), trust=trust)
    try:
        client.request("GET", "/auth/me")
        return "not_doorstep"  # 2xx without a token: not our API
    except AuthError as err:
        return None if err.code else "not_doorstep"
    except CertificateError:
        return "certificate"
    except Retryable as err:
        return "offline" if err.status is None else "busy" if err.status in (429, 502, 503, 504) else "not_doorstep"
    except (ApiError, ValueError):  # 404 of another site, or a reply that is not JSON
        return "not_doorstep"
    finally:
        client.close()


def check_in_background(server: str, trust: Trust | None, on_done, post) -> None:
    """check_server on a thread of its own; on_done(problem) through `post` (the UI thread)."""
    def task():
        post(lambda: on_done(check_server(server, trust)))
    threading.Thread(target=task, name="doorstep-setup-check", daemon=True).start()
