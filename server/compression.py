"""gzip both ways (docs/protocol.md, "Transport"): requests with Content-Encoding: gzip are inflated, replies are
deflated on request. A body in any other Content-Encoding gets 415.

The inflated body is held to MAX_CONTENT_LENGTH too, so a small gzip bomb gets 413 like a large body does.
"""
import io
import zlib

from flask import Flask, request
from zlib_ng import gzip_ng

from .errors import ApiError

MIN_SIZE = 512


class GzipRequests:
    """WSGI middleware: inflate a gzip request body before Flask reads it."""

    def __init__(self, wsgi_app, max_length: int):
        self.wsgi_app, self.max_length = wsgi_app, max_length

    def __call__(self, environ, start_response):
        encoding = environ.get("HTTP_CONTENT_ENCODING", "").strip().lower()
        if encoding == "gzip":
            length = environ.get("CONTENT_LENGTH") or "0"
            if not (length.isascii() and length.isdigit()):
                return _reply(start_response, "400 Bad Request", b'{"error": {"code": "invalid", '
                              b'"message": "Bad Content-Length.", "fields": {}}}')
            length = int(length)
            if length > self.max_length:
                return _too_large(start_response)
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            try:
                body = inflater.decompress(environ["wsgi.input"].read(length), self.max_length + 1)
            except zlib.error:
                return _reply(start_response, "400 Bad Request", b'{"error": {"code": "invalid", '
                              b'"message": "The body is not valid gzip.", "fields": {}}}')
            if len(body) > self.max_length or inflater.unconsumed_tail:
                return _too_large(start_response)
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
            del environ["HTTP_CONTENT_ENCODING"]
        return self.wsgi_app(environ, start_response)


def _reply(start_response, status: str, body: bytes):
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def _too_large(start_response):
    return _reply(start_response, "413 Request Entity Too Large", b'{"error": {"code": "too_large", '
                  b'"message": "The request is too large.", "fields": {}}}')


def compress_reply(response):
    """after_request: gzip JSON and text replies for clients that accept it."""
    if (response.status_code < 200 or response.direct_passthrough or "Content-Encoding" in response.headers
            or "gzip" not in request.headers.get("Accept-Encoding", "")):
        return response
    if not (response.mimetype or "").startswith(("application/json", "text/")):
        return response
    data = response.get_data()
    if len(data) < MIN_SIZE:
        return response
    # zlib-ng's level 5: a pull's pages in 0.55 of the time of zlib's level 5, and 4% fewer bytes (docs/performance.md).
    response.set_data(gzip_ng.compress(data, compresslevel=5))
    response.headers["Content-Encoding"] = "gzip"
    response.headers.add("Vary", "Accept-Encoding")
    return response


def refuse_unknown_encoding():
    """before_request: 415 for a body in an encoding other than gzip (inflated already) or identity.

    Read as JSON, a body in another encoding would be refused as malformed at best. Checked here rather than in
    GzipRequests so that the refusal has the error shape and its line in the request log.
    """
    encoding = request.headers.get("Content-Encoding", "").strip().lower()
    has_body = request.content_length or "Transfer-Encoding" in request.headers
    if encoding not in ("", "identity") and has_body:
        raise ApiError(415, "Unsupported Content-Encoding: send gzip or nothing.",
                       {"Content-Encoding": ["Only gzip is accepted."]})


def init_app(app: Flask) -> None:
    app.wsgi_app = GzipRequests(app.wsgi_app, app.config["MAX_CONTENT_LENGTH"])
    app.after_request(compress_reply)
