"""What a tablet needs to know of its server, as the dashboard's QR code carries it and the APK's build bakes it.

Terms:
- the *server address* is the base URL the tablet talks to: http(s), a host, an optional port and path prefix, no
  query, fragment or user name; written without a trailing slash;
- a *pin* is the SHA-256 fingerprint of the server's TLS certificate (the leaf certificate, DER), 64 lowercase hex
  digits; `openssl x509 -noout -fingerprint -sha256` prints it with colons, which are accepted and dropped;
- the *payload* is the text of the QR code: compact JSON {"doorstep": 1, "server": ..., "pin": ...} (pin only when
  the server's certificate is pinned). A QR code holding only an http(s) address is accepted too.
Both sides import this: the dashboard encodes (`payload`), the tablet decodes (`parse`). Errors are ValueError whose
text is a short code ("not_doorstep", "bad_server", "bad_pin"), which the tablet turns into a sentence.
"""
import json
import re
from urllib.parse import urlsplit

VERSION = 1
MAX_PAYLOAD = 1000  # a QR code a tablet's camera reads at arm's length holds far less; longer is not ours
_HEX = re.compile(r"[0-9a-f]{64}")


def server_address(text: str) -> str:
    """`text` as a server address (see the module's terms); ValueError("bad_server") when it is not one."""
    text = (text or "").strip()
    if "://" not in text and text:
        text = "https://" + text  # typed without the scheme: HTTPS, never plain HTTP by default
    try:
        parts = urlsplit(text)
        port = parts.port  # ValueError when it is not a number in range
    except ValueError:
        raise ValueError("bad_server") from None
    if (parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment
            or parts.username or parts.password or any(ch.isspace() for ch in text) or len(text) > 300):
        raise ValueError("bad_server")
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    netloc = host + (f":{port}" if port is not None else "")
    return f"{parts.scheme}://{netloc}{parts.path.rstrip('/')}"


def pin(text: str | None) -> str | None:
    """A certificate fingerprint as 64 lowercase hex digits (None for none); ValueError("bad_pin") otherwise."""
    if text is None or not str(text).strip():
        return None
    value = str(text).strip().lower().replace(":", "")
    if value.startswith("sha256="):
        value = value[len("sha256="):]
    if not _HEX.fullmatch(value):
        raise ValueError("bad_pin")
    return value


def payload(server: str, pin_sha256: str | None = None) -> str:
    """The text of the QR code that sets a tablet up for `server` (and its pinned certificate)."""
    data = {"doorstep": VERSION, "server": server_address(server)}
    if pin(pin_sha256):
        data["pin"] = pin(pin_sha256)
    return json.dumps(data, separators=(",", ":"))


def parse(text: str) -> dict:
    """A scanned QR code's text as {"server", "pin"}; ValueError with a code when it is not a Doorstep code."""
    text = (text or "").strip()
    if not text or len(text) > MAX_PAYLOAD:
        raise ValueError("not_doorstep")
    if not text.startswith("{"):
        if not text.lower().startswith(("http://", "https://")):
            raise ValueError("not_doorstep")  # a phone number, a shop's code: not typed text, so no https:// guess
        return {"server": server_address(text), "pin": None}
    try:
        data = json.loads(text)
    except ValueError:
        raise ValueError("not_doorstep") from None
    if not isinstance(data, dict) or data.get("doorstep") != VERSION or not isinstance(data.get("server"), str):
        raise ValueError("not_doorstep")
    if data.get("pin") is not None and not isinstance(data["pin"], str):
        raise ValueError("bad_pin")
    return {"server": server_address(data["server"]), "pin": pin(data.get("pin"))}
