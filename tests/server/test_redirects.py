"""`next` on /lang/<code> and /login is followed only to this site's own paths (dashboard/security.py safe_next):
the Location header, read the way a browser reads it, never leaves the site, whatever the target."""
import re
from urllib.parse import quote, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from tests.conftest import World
from tests.server.test_dashboard_views import csrf

SITE = "doorstep.test"
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def leaves_the_site(location: str) -> bool:
    """Whether a browser following `location` from a page of SITE goes to another origin (the WHATWG URL parser's
    first steps: trim C0 controls and spaces, drop tabs and newlines, read a backslash as a slash)."""
    text = location.strip("".join(map(chr, range(0x21))))
    text = re.sub("[\t\n\r]", "", text).replace("\\", "/")
    if _SCHEME.match(text):
        return True  # another scheme, or http: followed by anything: never this site's own path
    if text.startswith("//"):
        return urlsplit("http:" + text).hostname != SITE
    return False


def follow(client, world, path: str, raw_next: str):
    """The Location of /lang/en and of a good login at `path`, with `next` given raw in the query string."""
    query = "next=" + raw_next
    lang = client.get("/lang/en", query_string=query)
    assert lang.status_code == 302
    client.get("/login")
    login = client.post("/login", query_string=query, data={
        "username": world.leader, "password": World.PASSWORD, "csrf_token": csrf(client)})
    assert login.status_code == 302
    return [lang.headers["Location"], login.headers["Location"]]


def test_the_browser_reading_catches_what_the_issue_found():
    for location in ("//evil.example", "/\t/evil.example", "/\\evil.example", " //evil.example", "http:evil.example",
                     "javascript:alert(1)", "\\/evil.example", "/\n/evil.example"):
        assert leaves_the_site(location), location
    for location in ("/login", "/communes/1?village=2", "/%2F%2Fevil.example", "/.//evil.example",
                     f"//{SITE}/login"):
        assert not leaves_the_site(location), location


HOSTILE = [
    "/%09/evil.example", "/%0a/evil.example", "/%0d/evil.example", "/%0D%0A/evil.example", "//evil.example",
    "%2F%2Fevil.example", "%2f%2fevil.example", "/%2F/evil.example", "/%2f%2fevil.example", "/%5C/evil.example",
    "/%5c%5cevil.example", "%5C%5Cevil.example", "/\\evil.example", "\\/evil.example", "%09//evil.example",
    "%20//evil.example", "%00//evil.example", "http:evil.example", "http://evil.example", "https:/evil.example",
    "HTTP://evil.example", "javascript:alert(1)", "JaVaScRiPt%3Aalert(1)", "%6A%61vascript:alert(1)",
    "data:text/html,x", "/%E3%80%80/evil.example", "/%C2%A0/evil.example", "/%E2%80%A8/evil.example",
    "///evil.example", "/%2F%2Fevil.example", "/.%2F/evil.example", "%2F%09%2Fevil.example", "@evil.example",
    "/@evil.example", "evil.example", "/%5C%09%5Cevil.example", "/%0B/evil.example", "/%0C/evil.example",
]


@pytest.mark.parametrize("raw", HOSTILE)
def test_hostile_targets_never_leave_the_site(client, world, raw):
    for location in follow(client, world, "/", raw):
        assert not leaves_the_site(location), (raw, location)
        assert location.isascii() and "\n" not in location and "\r" not in location


def test_the_finding_of_the_issue_stays_on_the_site(client, world):
    lang = client.get("/lang/vi?next=/%09/evil.example")
    assert lang.status_code == 302 and lang.headers["Location"] == "/login"


def test_own_paths_are_followed(client, world):
    target = f"/communes/{world.commune_a}?village={world.a1}"
    assert follow(client, world, "/", quote(target, safe="")) == [target, target]


PIECES = st.sampled_from(["/", "//", "\\", "\t", "\n", "\r", " ", "\x00", "\x0b", "\u3000", "\u00a0", "%2F", "%5C",
                          "%09", "%0A", "%00", "%20", "http:", "https:", "javascript:", "JAVASCRIPT:", "evil.example",
                          ".", "..", "@", "?", "#", ":", "a", "communes", "%", "%E3%80%80"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(target=st.one_of(st.lists(PIECES, max_size=8).map("".join), st.text(max_size=30)))
def test_no_target_ever_leads_off_the_site(client, world, target):
    # Given both as it is (the server decodes what the browser encoded) and encoded once more.
    for raw in (quote(target, safe=""), quote(target, safe="/%:@?&=")):
        for location in follow(client, world, "/", raw):
            assert not leaves_the_site(location), (target, raw, location)
            assert "\n" not in location and "\r" not in location
