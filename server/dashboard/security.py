"""CSRF tokens and the security headers of every dashboard reply."""
import hmac
import secrets
from urllib.parse import urlsplit

from flask import abort, request, session

from ..inputs import has_control

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# No script runs on these pages and nothing is loaded from elsewhere: charts are inline SVG.
CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")


def csrf_token() -> str:
    """The session's CSRF token, made on first use; forms carry it in a hidden field."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def check_csrf() -> None:
    """before_request: refuse a state-changing request whose token does not match the session's."""
    if request.method in SAFE_METHODS:
        return
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    expected = session.get("csrf") or ""
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        abort(400, "The form has expired or did not come from this site: reload the page and try again.")


def set_headers(response):
    """after_request: lock the pages down; logged-in pages are never stored, since most carry personal data."""
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.endpoint != "dashboard.static":
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
    return response


def safe_next(target: str | None, default: str) -> str:
    """`target` if it is a path of this site, else `default`: no open redirect, and nothing a header cannot carry."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target or len(target) > 2000:
        return default
    # Browsers drop tabs and newlines from a URL: "/\t/evil.example" would become "//evil.example".
    if has_control(target) or any(ch.isspace() for ch in target):
        return default
    try:
        parts = urlsplit(target)
    except ValueError:
        return default
    return target if not parts.scheme and not parts.netloc else default
