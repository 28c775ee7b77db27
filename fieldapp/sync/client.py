"""The one HTTP client of the field app: a requests.Session wrapper (docs/protocol.md).

Every request carries X-Device-Id, X-App-Version, X-Schema-Version and, once logged in, the bearer token. JSON
bodies above MIN_GZIP bytes travel gzip-compressed, replies are asked for gzip too, and `bytes_up` / `bytes_down`
count what really crossed the network (compressed bodies), so the app can show data use on a metered SIM.
Errors come out as the typed exceptions of errors.py. Retries: a Retryable error is tried again up to `retries`
times with jittered exponential backoff, honouring Retry-After; every request of the contract may be repeated
safely (push is idempotent by batch_id, the others do not write).
Identity: `database_id` is the server database's identity this tablet knows (None before the first), sent as
X-Database-Id; `seen_database_id` is the one the last reply carried (docs/protocol.md, "Restore").
TLS: `trust` (sync/tls.py) says which certificates to accept: the public CAs by default, a baked CA bundle, or a
pinned certificate; an untrusted certificate raises CertificateError at once (retrying would not change it).
Clock: each reply's HTTP `Date` header gives `clock_skew`, the server's time minus this tablet's in seconds (None
before the first reply); `clock` is the tablet's clock function (time.time), replaceable in tests.
"""
import gzip
import json
import random
import time
from email.utils import parsedate_to_datetime

from shared import SCHEMA_VERSION

from .. import APP_VERSION
from . import tls
from .errors import BY_STATUS, ApiError, CertificateError, DatabaseChanged, EraseRequired, Retryable

MIN_GZIP = 512
MAX_WAIT = 30.0  # never sleep longer than this inside one call, whatever Retry-After says


class ApiClient:
    def __init__(self, base_url: str, device_id: str | None = None, token: str | None = None,
                 timeout: tuple = (5.0, 30.0), retries: int = 2, backoff: float = 0.5,
                 trust: "tls.Trust | None" = None):
        """A client of the server at `base_url` (e.g. http://127.0.0.1:5000); timeout is (connect, read) seconds."""
        self.base_url = base_url.rstrip("/")
        self.device_id, self.token = device_id, token
        self.timeout, self.retries, self.backoff = timeout, retries, backoff
        self.bytes_up = self.bytes_down = 0
        self.clock = time.time
        self.clock_skew: float | None = None
        self.trust = trust
        self.database_id: str | None = None
        self.seen_database_id: str | None = None
        self._session = self._session_url = None

    @property
    def session(self):
        """The requests.Session, made at the first request: importing requests costs ~0.1 s of the app's start."""
        if self._session is not None and self._session_url != self.base_url and self.trust:
            self.close()  # another server (core.set_server): its pin, or none, not the old one's
            self._session = None
        if self._session is None:
            import requests
            self._session = requests.Session()
            self._session_url = self.base_url
            tls.apply(self._session, self.trust.for_url(self.base_url) if self.trust else None)
        return self._session

    def close(self) -> None:
        """Close the pooled connections."""
        if self._session is not None:
            self._session.close()

    # --- the endpoints of the contract ---
    def login(self, username: str, password: str, device_label: str = "") -> dict:
        """POST /auth/login -> {token, device_key, user, scope}; the password is sent once and kept nowhere."""
        return self.request("POST", "/auth/login", {"username": username, "password": password,
                                                   "device_id": self.device_id, "device_label": device_label,
                                                   "app_version": APP_VERSION})

    def logout(self) -> None:
        """POST /auth/logout: revoke this device's token."""
        self.request("POST", "/auth/logout", retries=0)

    def device_key(self) -> str:
        """GET /auth/device-key: this device's key, to wrap the data key of a store that has no device wrap yet."""
        return self.request("GET", "/auth/device-key", retries=0)["device_key"]

    def erased(self) -> None:
        """POST /auth/erased: tell the server that this device erased its data (after an erase order)."""
        self.request("POST", "/auth/erased")

    def push(self, batch_id: str, changes: list[dict]) -> dict:
        """POST /sync/push -> {batch_id, results}."""
        return self.request("POST", "/sync/push", {"batch_id": batch_id, "schema_version": SCHEMA_VERSION,
                                                  "changes": changes})

    def pull(self, since: int, limit: int = 500) -> dict:
        """GET /sync/pull -> {changes, cursor, has_more}."""
        return self.request("GET", "/sync/pull", params={"since": since, "limit": limit})

    def digest(self, tables: dict) -> dict:
        """POST /sync/digest {households, residents, visits: [{id, version, deleted}]} -> {database_id, resend}."""
        return self.request("POST", "/sync/digest", tables)

    def me(self) -> dict:
        """GET /auth/me: the caller's user (a cheap check that the token still works)."""
        return self.request("GET", "/auth/me", retries=0)

    def probe(self) -> bool:
        """True when the server answers at all (any HTTP status), within the connect timeout."""
        import requests
        try:
            self.session.get(self.base_url + "/api/v1/openapi.json", timeout=(self.timeout[0], self.timeout[0]),
                             stream=True, verify=self.session.verify).close()
            return True
        except requests.RequestException:
            return False

    # --- the wrapper ---
    def request(self, method: str, path: str, body: dict | None = None, params: dict | None = None,
                retries: int | None = None):
        """Send one request to /api/v1`path`, retrying Retryable errors; returns the decoded JSON (or None)."""
        retries = self.retries if retries is None else retries
        for attempt in range(retries + 1):
            try:
                return self._once(method, path, body, params)
            except Retryable as err:
                if isinstance(err, CertificateError) or attempt == retries or (err.retry_after or 0) > MAX_WAIT:
                    raise  # the server wants a longer wait than one call may sleep (a login shut for minutes)
                time.sleep(min(MAX_WAIT, wait_time(attempt, self.backoff, err.retry_after)))
        raise AssertionError("unreachable")

    def _once(self, method, path, body, params):
        import requests
        headers = {"X-Device-Id": self.device_id or "", "X-App-Version": APP_VERSION,
                   "X-Schema-Version": str(SCHEMA_VERSION), "Accept-Encoding": "gzip"}
        if self.token:
            headers["Authorization"] = "Bearer " + self.token
        if self.database_id:
            headers["X-Database-Id"] = self.database_id
        data = None
        if body is not None:
            data = json.dumps(body, separators=(",", ":")).encode()
            headers["Content-Type"] = "application/json"
            if len(data) >= MIN_GZIP:
                data = gzip.compress(data, compresslevel=5)
                headers["Content-Encoding"] = "gzip"
            self.bytes_up += len(data)
        try:
            # verify given here, not only on the session: requests lets REQUESTS_CA_BUNDLE override a session's.
            reply = self.session.request(method, self.base_url + "/api/v1" + path, data=data, params=params,
                                         headers=headers, timeout=self.timeout, stream=True,
                                         verify=self.session.verify)
            raw = reply.raw.read(decode_content=False)
        except requests.exceptions.SSLError as exc:
            if tls.is_certificate_error(exc):
                raise CertificateError(None, "untrusted certificate") from None
            raise Retryable(None, f"no connection: {exc.__class__.__name__}") from None
        except requests.RequestException as exc:
            raise Retryable(None, f"no connection: {exc.__class__.__name__}") from None
        except Exception as exc:  # urllib3 errors while reading the body: the connection broke mid-reply
            raise Retryable(None, f"connection broken: {exc.__class__.__name__}") from None
        finally:
            if "reply" in locals():
                reply.close()
        self.bytes_down += len(raw)
        self._read_clock(reply.headers.get("Date"))
        self.seen_database_id = reply.headers.get("X-Database-Id") or self.seen_database_id
        if reply.headers.get("Content-Encoding", "").lower() == "gzip":
            raw = gzip.decompress(raw)
        payload = json.loads(raw) if raw else None
        if reply.status_code < 400:
            return payload
        raise _error(reply, payload)

    def _read_clock(self, header: str | None) -> None:
        try:
            server = parsedate_to_datetime(header).timestamp() if header else None
        except (TypeError, ValueError):
            server = None  # a proxy's odd header: keep the last reading
        if server is not None:
            # Date has whole seconds and is stamped before the body is sent: +0.5 s centres the rounding.
            self.clock_skew = server + 0.5 - self.clock()


def _error(reply, payload) -> ApiError:
    error = (payload or {}).get("error") if isinstance(payload, dict) else None
    error = error or {}
    args = (reply.status_code, error.get("message") or reply.reason or "", error.get("code") or "",
            error.get("fields") or {})
    if reply.status_code == 429 or reply.status_code >= 500:
        return Retryable(*args, retry_after=_seconds(reply.headers.get("Retry-After")))
    if reply.status_code == 401 and args[2] == "erase_required":
        return EraseRequired(*args)
    if reply.status_code == 409 and args[2] == "database_changed":
        return DatabaseChanged(*args)
    return BY_STATUS.get(reply.status_code, ApiError)(*args)


def _seconds(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None  # an HTTP date: rare enough that our own backoff will do


def wait_time(attempt: int, base: float, retry_after: float | None = None, cap: float = 300.0) -> float:
    """Seconds before try `attempt + 1`: Retry-After when given, else full-jitter exponential backoff."""
    if retry_after is not None:
        return retry_after
    return random.uniform(0, min(cap, base * 2 ** attempt))
