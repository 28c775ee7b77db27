"""Every API reply is kept out of caches and never sniffed; HSTS on every reply served over TLS, never over HTTP.

The endpoints are found by walking app.url_map, so that a new endpoint is checked without a new test."""
import gzip

import pytest

from server.headers import HSTS
from tests.conftest import make_app


def _url(app, rule) -> str:
    """The rule's path with each argument filled in: 1 for a number, "x" for a text."""
    values = {name: 1 if "Int" in type(rule._converters[name]).__name__ else "x" for name in rule.arguments}
    return app.url_map.bind("localhost").build(rule.endpoint, values, method=sorted(rule.methods)[0])


def _requests(app):
    """(method, url) of every route, for each method it takes."""
    seen = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            seen.append((method, _url(app, rule)))
    return seen


def _api_ok(reply, what):
    assert reply.headers.get("Cache-Control") == "no-store", what
    assert reply.headers.get("X-Content-Type-Options") == "nosniff", what


def test_every_api_reply_is_no_store_and_nosniff(app, client, world):
    requests = [r for r in _requests(app) if r[1].startswith("/api/")]
    assert ("GET", "/api/v1/openapi.json") in requests and ("POST", "/api/v1/sync/push") in requests
    token = world.login(client, world.leader)
    statuses = set()
    for method, url in requests:
        for headers in ({}, token):  # without a token (401 on most) and with one (200, 400, 403...)
            reply = client.open(url, method=method, headers=headers, json={} if method != "GET" else None)
            _api_ok(reply, (method, url, reply.status_code))
            statuses.add(reply.status_code)
    assert {200, 401} <= statuses and statuses & {400, 403}
    for reply in (client.get("/api/v1/nowhere"), client.delete("/api/v1/sync/push"),
                  client.post("/api/v1/sync/push", data=b"not gzip", headers={"Content-Encoding": "gzip"}),
                  client.post("/api/v1/sync/push", data=gzip.compress(b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)),
                              headers={"Content-Encoding": "gzip", **token}),
                  client.get("/api/v1/sync/pull", headers={**token, "Accept-Encoding": "gzip"})):
        _api_ok(reply, reply.status_code)
    assert [client.get("/api/v1/nowhere").status_code, client.delete("/api/v1/sync/push").status_code] == [404, 405]


def test_a_cached_header_set_by_a_view_is_replaced(app, client):
    reply = client.get("/api/v1/openapi.json")
    assert reply.status_code == 200 and reply.headers.getlist("Cache-Control") == ["no-store"]


def test_hsts_on_every_reply_over_tls_and_never_over_http(app, client, world):
    token = world.login(client, world.leader)
    for method, url in _requests(app):
        if url.startswith("/static"):
            url = "/static/dashboard/dashboard.css"
        secure = client.open(url, method=method, base_url="https://localhost", headers=token)
        assert secure.headers.get("Strict-Transport-Security") == HSTS, (method, url, secure.status_code)
        plain = client.open(url, method=method, headers=token)
        assert "Strict-Transport-Security" not in plain.headers, (method, url)
    # A proxy's X-Forwarded-Proto is believed only when PROXY_HOPS says there is a proxy.
    assert "Strict-Transport-Security" not in client.get("/login", headers={"X-Forwarded-Proto": "https"}).headers


@pytest.mark.parametrize("hops, forwarded, expected", [(1, "https", True), (1, "http", False), (0, "https", False)])
def test_hsts_behind_a_proxy_follows_x_forwarded_proto(database_url, hops, forwarded, expected):
    app = make_app(database_url, PROXY_HOPS=hops)
    reply = app.test_client().get("/login", headers={"X-Forwarded-Proto": forwarded, "X-Forwarded-For": "10.0.0.9"})
    assert ("Strict-Transport-Security" in reply.headers) is expected
    # Behind a proxy both headers come (server/proxies.py refuses a request without the forwarded address).
    api = app.test_client().get("/api/v1/openapi.json",
                                headers={"X-Forwarded-Proto": forwarded, "X-Forwarded-For": "10.0.0.9"})
    assert ("Strict-Transport-Security" in api.headers) is expected
    _api_ok(api, hops)
