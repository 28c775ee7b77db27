"""Headers every reply carries, set at the WSGI level so that no reply escapes them.

- Under /api/: `Cache-Control: no-store` (replies carry names and phones: no browser, proxy or tablet cache keeps
  them) and `X-Content-Type-Options: nosniff`, on every status, errors and 401s included, and on the replies that
  compression.GzipRequests sends before Flask sees the request.
- Over TLS, on every path: `Strict-Transport-Security`. "Over TLS" is the request's scheme as Werkzeug reads it
  (request.is_secure): https on the socket, or X-Forwarded-Proto from a proxy when PROXY_HOPS says to trust one.
  Never over plain HTTP, where a browser ignores it anyway and a test server must stay reachable.

The middleware sits inside ProxyFix, so it reads the scheme the proxy forwarded (docs/deploy.md, nginx).
"""
HSTS = "max-age=31536000; includeSubDomains"
"""A year, as browsers' preload lists ask; subdomains too, since a dashboard on plain HTTP is never wanted."""
API_HEADERS = (("Cache-Control", "no-store"), ("X-Content-Type-Options", "nosniff"))


class ReplyHeaders:
    """WSGI middleware: adds the headers above to the reply of the app it wraps."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        wanted = []
        if environ.get("PATH_INFO", "").startswith("/api/"):
            wanted += API_HEADERS
        if environ.get("wsgi.url_scheme") == "https":
            wanted.append(("Strict-Transport-Security", HSTS))
        if not wanted:
            return self.wsgi_app(environ, start_response)
        names = {name.lower() for name, _ in wanted}

        def starting(status, headers, exc_info=None):
            kept = [(name, value) for name, value in headers if name.lower() not in names]
            return start_response(status, kept + wanted, exc_info)

        return self.wsgi_app(environ, starting)
