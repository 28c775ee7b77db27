"""PROXY_HOPS against the headers the requests really carry: a mismatch shows only per request.

PROXY_HOPS is how many proxies in front set X-Forwarded-For (and -Proto); ProxyFix then takes the client's address
from there. Two ways it can be wrong, each logged once per process, in Vietnamese then in English:

- PROXY_HOPS=N but a request carries fewer than N addresses in X-Forwarded-For (nginx does not send it, or a request
  reaches gunicorn around nginx): the client's address is unknown, and counting failed logins or writing the audit
  log with the proxy's address would lump every client together. Refused with 503 (the tablets wait and keep their
  changes, as for any outage) and a message saying why; /healthz and /readyz, which a monitor on the machine itself
  calls without a proxy, are let through.
- PROXY_HOPS=0 but a request carries X-Forwarded-For: Doorstep sees nginx's address for every client. Served, with
  a warning in the log, since a direct request may carry the header for reasons of its own.
"""
import json
import logging

from .config import bilingual
from shared.i18n import N_

log = logging.getLogger("doorstep.config")

TOO_FEW = N_("PROXY_HOPS={hops} but a request to {path} came with {found} address(es) in X-Forwarded-For: the proxy in "
             "front does not send it, or the request went around the proxy. Set the proxy's X-Forwarded-For (deploy/"
             "nginx-doorstep.conf) or PROXY_HOPS to the number of proxies in front. Requests are refused until then.")
UNTRUSTED = N_("A request came with X-Forwarded-For but PROXY_HOPS=0: every client is seen with the proxy's address, "
               "so failed logins of all users count together. Set PROXY_HOPS=1 behind one nginx.")
REFUSED = N_(
    "The server is misconfigured (PROXY_HOPS); the administrator has been told in the server's log. Try later.")
UNCHECKED = ("/healthz", "/readyz")
RETRY_AFTER = "300"


class ForwardedCheck:
    """WSGI middleware, outside ProxyFix: refuses requests with too few forwarded addresses, warns of unexpected
    ones."""

    def __init__(self, wsgi_app, hops: int):
        self.wsgi_app, self.hops = wsgi_app, hops
        self.told = set()  # which message this process has logged already

    def __call__(self, environ, start_response):
        forwarded = [part for part in environ.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        path = environ.get("PATH_INFO", "")
        if self.hops and len(forwarded) < self.hops and path not in UNCHECKED:
            self._tell(log.error, TOO_FEW, hops=self.hops, path=path, found=len(forwarded))
            return _refuse(environ, start_response)
        if not self.hops and forwarded:
            self._tell(log.warning, UNTRUSTED)
        return self.wsgi_app(environ, start_response)

    def _tell(self, level, message, **values):
        if message not in self.told:
            self.told.add(message)
            level(bilingual(message, values))


def _refuse(environ, start_response):
    text = bilingual(REFUSED)
    if environ.get("PATH_INFO", "").startswith("/api/"):
        body = json.dumps({"error": {"code": "unavailable", "message": text, "fields": {}}},
                          ensure_ascii=False).encode()
        kind = "application/json"
    else:
        body, kind = (text + "\n").encode(), "text/plain; charset=utf-8"
    start_response("503 Service Unavailable", [("Content-Type", kind), ("Content-Length", str(len(body))),
                                               ("Retry-After", RETRY_AFTER), ("Cache-Control", "no-store")])
    return [body]
