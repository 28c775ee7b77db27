"""The key file of a user's encrypted store: the data key, wrapped twice, and the wrong-PIN count.

Terms:
- the *data key*: 32 random bytes made once per store; SQLCipher opens the database with it (a raw key, so no key
  derivation at each open). It is never written anywhere in clear, only held in memory while the store is open;
- a *wrap*: the data key encrypted with AES-256-GCM (the `cryptography` package) under a key-encryption key, with
  a random 96-bit nonce and, as associated data, what the wrap is for (WRAP_PIN or WRAP_DEVICE): a wrong key or a
  changed byte fails the tag check, so a wrong PIN is told apart from a right one without any home-made check;
- the *PIN wrap*: under scrypt(PIN, salt) with SCRYPT (N=2^15, r=8, p=1: 32 MiB of memory and about 0.2-0.4 s on
  this project's machines, so that each guess costs an attacker as much while an unlock stays near a second on a
  low-end tablet; see docs/performance.md). The parameters are kept in the file, so they can be raised later;
- the *device wrap*: under the server's per-device key (`device_key` of the login reply, contract A), so that a
  forgotten PIN, or MAX_FAILS wrong ones, is reset by logging in online with the password;
- *fails* and *wait_until*: the wrong PINs since the last right one, and the wall-clock time before which no PIN is
  tried; kept in the file so that a restart does not reset them. After MAX_FAILS the PIN wrap is dropped (when a
  device wrap exists), so only the password, online, opens the store again.
The file holds nothing else of the user: no token, no name, no key in clear; the device id and the server's address
are in it because the online login of a locked store must name the device and know where to go. It is written whole to a temporary file, synced and renamed,
so a crash leaves the old file or the new one.
"""
import base64
import hashlib
import json
import os
import secrets
from pathlib import Path

from .store.cipher import sync_dir

SCRYPT = {"n": 2 ** 15, "r": 8, "p": 1}
MAX_FAILS = 10
FREE_FAILS = 3
"""Wrong PINs without a wait; each one after them doubles the wait, from FIRST_WAIT seconds."""
FIRST_WAIT = 30
WRAP_PIN, WRAP_DEVICE = b"doorstep data key / pin", b"doorstep data key / device"
PIN_DIGITS = 6


class WrongKey(Exception):
    """The PIN or the device key does not open this wrap."""


def new_data_key() -> bytes:
    return secrets.token_bytes(32)


def pin_problem(pin: str) -> str | None:
    """Why a new PIN is refused ("length", "simple"), or None: exactly 6 digits, not all one digit nor a run."""
    if len(pin) != PIN_DIGITS or not pin.isascii() or not pin.isdigit():
        return "length"
    steps = {int(b) - int(a) for a, b in zip(pin, pin[1:])}
    if steps in ({0}, {1}, {-1}):
        return "simple"
    return None


def wait_after(fails: int) -> int:
    """Seconds to wait after `fails` wrong PINs in a row: none for the first FREE_FAILS, then 30, 60, 120, ..."""
    return 0 if fails <= FREE_FAILS else FIRST_WAIT * 2 ** (fails - FREE_FAILS - 1)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def device_kek(device_key: str) -> bytes:
    """The server's device key (base64url, 32 bytes) as an AES key; ValueError when it is not one."""
    raw = _unb64(device_key)
    if len(raw) != 32:
        raise ValueError("device_key")
    return raw


def pin_kek(pin: str, salt: bytes, params: dict) -> bytes:
    n, r, p = params["n"], params["r"], params["p"]
    return hashlib.scrypt(pin.encode(), salt=salt, n=n, r=r, p=p, maxmem=2 * 128 * r * n + 2 ** 20, dklen=32)


def _aesgcm(kek: bytes):
    # Imported on first use: `cryptography` costs ~0.1 s of imports, which the PIN pad's first frame need not wait for.
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    return AESGCM(kek)


def wrap(data_key: bytes, kek: bytes, purpose: bytes) -> dict:
    nonce = secrets.token_bytes(12)
    return {"nonce": _b64(nonce), "box": _b64(_aesgcm(kek).encrypt(nonce, data_key, purpose))}


def unwrap(box: dict, kek: bytes, purpose: bytes) -> bytes:
    from cryptography.exceptions import InvalidTag
    try:
        return _aesgcm(kek).decrypt(_unb64(box["nonce"]), _unb64(box["box"]), purpose)
    except InvalidTag:
        raise WrongKey() from None


class KeyFile:
    """The key file beside one store (`<db>.key`). Values are read at each call: the file is the truth."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def exists(self) -> bool:
        return self.path.exists()

    def read(self) -> dict:
        with open(self.path, encoding="utf-8") as fh:
            return json.load(fh)

    def write(self, values: dict) -> None:
        tmp = self.path.with_name(self.path.name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(values, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)
        sync_dir(self.path.parent)

    def create(self, device_id: str, data_key: bytes, pin: str | None = None, device_key: str | None = None) -> None:
        """A new key file for `data_key`: wrapped with the PIN and/or the device key (at least one)."""
        values = {"v": 1, "device_id": device_id, "pin": None, "device": None, "fails": 0, "wait_until": 0}
        if device_key:
            values["device"] = wrap(data_key, device_kek(device_key), WRAP_DEVICE)
        if pin:
            values.update(self._pin_wrap(data_key, pin))
        assert values["pin"] or values["device"], "a data key must be wrapped at least once"
        self.write(values)

    @staticmethod
    def _pin_wrap(data_key: bytes, pin: str) -> dict:
        salt = secrets.token_bytes(16)
        kdf = {"alg": "scrypt", **SCRYPT, "salt": _b64(salt)}
        return {"kdf": kdf, "pin": wrap(data_key, pin_kek(pin, salt, SCRYPT), WRAP_PIN), "fails": 0, "wait_until": 0}

    def set_pin(self, data_key: bytes, pin: str) -> None:
        """Wrap the data key with a new PIN (a new salt), forgetting the wrong-PIN count."""
        self.write({**self.read(), **self._pin_wrap(data_key, pin)})

    def set_device_key(self, data_key: bytes, device_key: str) -> None:
        """Wrap (again) the data key with the server's device key."""
        self.write({**self.read(), "device": wrap(data_key, device_kek(device_key), WRAP_DEVICE)})

    def state(self, now: float) -> dict:
        """{has_pin, has_device, fails, wait (seconds left), locked_out}."""
        values = self.read()
        locked_out = not values.get("pin") or values.get("fails", 0) >= MAX_FAILS
        return {"has_pin": bool(values.get("pin")), "has_device": bool(values.get("device")),
                "fails": values.get("fails", 0), "wait": max(0.0, values.get("wait_until", 0) - now),
                "locked_out": locked_out}

    def try_pin(self, pin: str, now: float) -> bytes:
        """The data key when `pin` opens it. A wrong one counts, sets the wait, and at MAX_FAILS drops the PIN wrap;
        raises WrongKey. Callers check state() first: during a wait no PIN is tried."""
        values = self.read()
        salt = _unb64(values["kdf"]["salt"])
        try:
            key = unwrap(values["pin"], pin_kek(pin, salt, values["kdf"]), WRAP_PIN)
        except WrongKey:
            fails = values.get("fails", 0) + 1
            values.update(fails=fails, wait_until=now + wait_after(fails))
            if fails >= MAX_FAILS and values.get("device"):
                values["pin"] = None  # only the device key (an online login with the password) opens it now
            self.write(values)
            raise
        if values.get("fails") or values.get("wait_until"):
            self.write({**values, "fails": 0, "wait_until": 0})
        return key

    def try_device_key(self, device_key: str) -> bytes:
        """The data key when the server's device key opens it (WrongKey otherwise); the wrong-PIN count is reset."""
        values = self.read()
        if not values.get("device"):
            raise WrongKey()
        key = unwrap(values["device"], device_kek(device_key), WRAP_DEVICE)
        self.write({**values, "fails": 0, "wait_until": 0})
        return key

    def forgive(self) -> None:
        """An online login proved the password but there is no device wrap to use: the PIN may be tried again."""
        self.write({**self.read(), "fails": 0, "wait_until": 0})

    def device_id(self) -> str | None:
        return self.read().get("device_id")

    def server_url(self) -> str | None:
        return self.read().get("server_url")

    def set_server_url(self, url: str) -> None:
        values = self.read()
        if values.get("server_url") != url:
            self.write({**values, "server_url": url})

