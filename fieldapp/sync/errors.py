"""What can go wrong talking to the server, one exception type per thing the app does about it.

- AuthError (401): the token is gone or expired: stop, keep the outbox, ask the user to log in again;
- EraseRequired (401 erase_required): the device was revoked or its user disabled: push nothing more and erase
  every local file of the user (core.py); `reason` is "revoked" or "disabled";
- Forbidden (403): the device was revoked or the role may not do this;
- ResetRequired (410): pull the whole scope again from zero, keeping the outbox;
- TooOld (426): the app must be updated;
- DatabaseChanged (409 database_changed): the server's database was restored: the engine sends its digest and what
  the server lacks, then pulls from zero (engine.py, docs/protocol.md "Restore");
- Retryable (429, 5xx, no connection, timeout): try again later, after `retry_after` seconds when the server says;
- CertificateError (a Retryable): the server's TLS certificate is not trusted (sync/tls.py): the official is told
  so in words of its own, and the app tries again later (a rescanned QR code or a fixed server may cure it);
- ApiError: anything else (400, 404, 409, 413): a bug or a refused request; its `fields` say which field.
"""


class ApiError(Exception):
    """An error reply of the server: `status`, `code`, `message` and `fields` of its JSON error."""

    def __init__(self, status: int | None, message: str = "", code: str = "", fields: dict | None = None):
        super().__init__(f"{status} {code}: {message}")
        self.status, self.message, self.code, self.fields = status, message, code, fields or {}


class AuthError(ApiError):
    """401: log in again."""


class EraseRequired(AuthError):
    """401 erase_required: the server ordered this device to erase its data."""

    @property
    def reason(self) -> str:
        reasons = self.fields.get("reason") or ["revoked"]
        return reasons[0] if reasons[0] in ("revoked", "disabled") else "revoked"


class Forbidden(ApiError):
    """403: revoked, or not allowed."""


class ResetRequired(ApiError):
    """410 reset_required: pull from zero."""


class DatabaseChanged(ApiError):
    """409 database_changed: the identity this tablet knows is not the server's any more (a restore)."""


class TooOld(ApiError):
    """426: update the app."""


class Retryable(ApiError):
    """429, 5xx or no connection: try again later; `retry_after` is the server's wish in seconds, or None."""

    def __init__(self, status, message="", code="", fields=None, retry_after: float | None = None):
        super().__init__(status, message, code, fields)
        self.retry_after = retry_after


class CertificateError(Retryable):
    """The server's certificate is not trusted (unknown CA, expired, another host, not the pinned one)."""


BY_STATUS = {401: AuthError, 403: Forbidden, 410: ResetRequired, 426: TooOld}
