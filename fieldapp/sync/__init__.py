"""The sync client: `ApiClient` (HTTP), `SyncEngine` (push the outbox, pull the scope) and their errors."""
from .client import ApiClient
from .engine import SyncEngine
from .errors import (ApiError, AuthError, CertificateError, DatabaseChanged, EraseRequired, Forbidden, ResetRequired,
                     Retryable, TooOld)

__all__ = ["ApiClient", "SyncEngine", "ApiError", "AuthError", "CertificateError", "DatabaseChanged", "EraseRequired", "Forbidden", "ResetRequired", "Retryable", "TooOld"]
