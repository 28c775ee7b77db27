"""Which TLS certificates the tablet trusts: the usual public CAs, a CA bundle baked into the APK, or one pinned
certificate.

Terms:
- *Trust* says it for one client: `ca_file` (a PEM bundle of the CAs the province uses, baked at build time:
  fieldapp/setup.py) replaces the public CAs (certifi) when given; `pin` (shared/pairing.py: the SHA-256 of the
  server's certificate) is checked on every connection instead of any CA, so a self-signed certificate works and
  nothing else does. A pin is tied to its server: `for_url` drops it for any other host;
- a *certificate error* is a TLS failure because the certificate is not trusted (unknown CA, expired, wrong host, or
  not the pinned one), as opposed to a connection that broke: the first is a setup problem the official must be
  told of, the second a network problem that goes away by itself.
"""
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Trust:
    ca_file: str | None = None
    pin: str | None = None
    pin_server: str | None = None
    """The server address the pin belongs to (None: the pin holds for every server)."""

    def for_url(self, url: str) -> "Trust":
        """This trust for a client of `url`: the pin only when `url` is the pinned server's host and port."""
        if self.pin and self.pin_server and _origin(url) != _origin(self.pin_server):
            return Trust(ca_file=self.ca_file)
        return self


def _origin(url: str) -> tuple:
    parts = urlsplit(url)
    return parts.scheme, parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)


def apply(session, trust: Trust | None) -> None:
    """Set a requests.Session to check certificates as `trust` says."""
    if trust is None:
        return
    if trust.pin:
        session.mount("https://", PinnedAdapter(trust.pin))
        # No CA check: the fingerprint is the check (urllib3 compares it right after the handshake and counts the
        # connection as verified, so it gives no insecure-request warning either).
        session.verify = False
    elif trust.ca_file:
        session.verify = trust.ca_file


def PinnedAdapter(fingerprint: str):
    """A requests HTTPAdapter whose HTTPS connections must present the certificate whose SHA-256 is `fingerprint`."""
    from requests.adapters import HTTPAdapter

    class _Pinned(HTTPAdapter):
        def init_poolmanager(self, *args, **kwargs):
            kwargs["assert_fingerprint"] = fingerprint
            super().init_poolmanager(*args, **kwargs)

    return _Pinned()


def is_certificate_error(exc: BaseException) -> bool:
    """True when `exc` (a requests error) failed on an untrusted certificate, not on a broken connection."""
    seen = set()
    todo = [exc]
    while todo:
        err = todo.pop()
        if id(err) in seen:
            continue
        seen.add(id(err))
        if isinstance(err, ssl.SSLCertVerificationError):
            return True
        if "Fingerprints did not match" in str(err) or "CERTIFICATE_VERIFY_FAILED" in str(err):
            return True  # urllib3's pin check, and errors it re-raised as text
        linked = [err.__cause__, err.__context__, getattr(err, "reason", None), *getattr(err, "args", ())]
        todo.extend(e for e in linked if isinstance(e, BaseException))  # ssl's `reason` is a str: skipped
    return False
