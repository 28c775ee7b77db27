"""The identity on the sync API: sent with every reply, and checked against the one a tablet last saw.

- `send_identity` (after_request): every reply under /api/v1/sync/ carries `X-Database-Id`;
- `check_identity` (before_request): a push or pull that names an identity (`X-Database-Id`) other than this
  database's is refused with 409 `database_changed` before it is read: nothing is written, nothing sent, and the
  tablet runs its digest first (the digest itself is not checked);
- `renew_if_ahead` (called by the pull, after authentication and validation): a pull whose cursor is ahead of the
  counter renews the identity first (a restore without renew-identity: see the package's terms).
"""
from flask import g, request

from ..errors import ApiError
from . import service

PREFIX = "/api/v1/sync/"
HEADER = "X-Database-Id"
CHECKED = {"/api/v1/sync/push", "/api/v1/sync/pull"}


def check_identity():
    if request.path not in CHECKED:
        return None
    identity, _ = service.state()
    claimed = (request.headers.get(HEADER) or "").strip().lower()
    g.database_id = identity
    if claimed and claimed != identity:
        raise _changed()
    return None


def _changed() -> ApiError:
    return ApiError(409, "The server's database was restored: send the digest of your records first.",
                    {HEADER: ["Not this database's identity."]}, code="database_changed")


def send_identity(reply):
    if request.path.startswith(PREFIX) and reply.status_code != 503:
        try:
            reply.headers[HEADER] = getattr(g, "database_id", None) or service.current()
        except Exception:  # the database is down: the reply (an error already) goes without it
            pass
    return reply


def renew_if_ahead(since: int) -> None:
    """A pull whose cursor is ahead of the counter renews the identity (a restore without renew-identity). Called by
    the pull once the caller is authenticated and its cursor valid: no stranger and no bad cursor renews it. Only a
    tablet that knows this identity (or none) can show a regression; one that knows another was refused above."""
    identity, counter = service.state()
    claimed = (request.headers.get(HEADER) or "").strip().lower()
    if claimed not in ("", identity) or since <= counter:
        return
    g.database_id = service.renew("a tablet's cursor is ahead of the counter")
    if not claimed:  # an app that knows no identity: at least pull everything again
        raise ApiError(410, "Your data must be downloaded again.", code="reset_required")
    raise _changed()

