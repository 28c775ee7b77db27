"""The tablet trusts what the province uses: against a real HTTPS server on 127.0.0.1 with a self-signed certificate,
a login fails with the Vietnamese certificate message (not "no connection") until the certificate is trusted through
a CA bundle or a pin baked by the build's config step (android/stage.py), and then works."""
import time

import pytest

from fieldapp import setup
from fieldapp.core import Core
from fieldapp.i18n import tr
from fieldapp.sync import ApiClient
from fieldapp.sync.errors import CertificateError, Retryable
from fieldapp.sync.tls import Trust
from tests.fieldapp.conftest import Listener
from tests.fieldapp.https import HttpsServer, self_signed
from tests.fieldapp.test_setup import bake

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    return self_signed(tmp_path_factory.mktemp("cert"))


@pytest.fixture
def https(tmp_path, cert):
    server = HttpsServer(tmp_path, cert[0], cert[1])
    yield server
    server.stop()


def login(core, server):
    done = []
    core.login(server.url, server.world.official, server.world.PASSWORD, on_done=done.append)
    end = time.monotonic() + 30
    while not done and time.monotonic() < end:
        time.sleep(0.02)
    assert done, "no login outcome"
    return done[0]


def core_with_site(tmp_path, monkeypatch, **spec):
    """A Core on a fresh data folder of a tablet whose APK was staged with `spec` ([doorstep] settings)."""
    monkeypatch.setattr(setup, "SITE", bake(tmp_path / "apk", **spec))
    return Core(tmp_path / "data", auto_sync=False, client_factory=lambda url: ApiClient(url, retries=0))


def test_without_the_bundle_a_login_says_the_certificate_is_not_trusted_in_vietnamese(https, tmp_path, monkeypatch):
    core = core_with_site(tmp_path, monkeypatch, server=https.url)
    outcome = login(core, https)
    core.stop()
    assert not outcome["ok"] and outcome["kind"] == "certificate"
    assert outcome["message"] == tr("login.error.certificate")
    assert outcome["message"].startswith("Chứng chỉ của máy chủ không được tin cậy")
    assert outcome["message"] != tr("login.error.offline")
    assert core.state == "login" and https.labels() == []


def test_with_the_baked_ca_bundle_the_login_works(https, cert, tmp_path, monkeypatch):
    core = core_with_site(tmp_path, monkeypatch, server=https.url, ca_bundle=str(cert[0]))
    assert core.tablet.trust().ca_file.endswith("site-ca.pem")
    outcome = login(core, https)
    core.stop()
    assert outcome["ok"], outcome
    assert core.state == "set_pin" and len(https.labels()) == 1


def test_with_the_baked_pin_the_login_works_and_another_pin_is_refused(https, cert, tmp_path, monkeypatch):
    core = core_with_site(tmp_path, monkeypatch, server=https.url, cert_sha256=cert[2].upper())
    assert core.tablet.trust().pin == cert[2]
    outcome = login(core, https)
    core.stop()
    assert outcome["ok"], outcome

    other = core_with_site(tmp_path / "b", monkeypatch, server=https.url, cert_sha256="ab" * 32)
    refused = login(other, https)
    other.stop()
    assert refused["kind"] == "certificate"


def test_a_pin_holds_only_for_its_own_server(cert):
    trust = Trust(pin=cert[2], pin_server="https://127.0.0.1:8443")
    assert trust.for_url("https://127.0.0.1:8443/").pin == cert[2]
    assert trust.for_url("https://127.0.0.1:9443").pin is None
    assert trust.for_url("https://example.org:8443").pin is None


def test_the_client_raises_certificate_error_at_once_and_a_broken_handshake_is_no_certificate_error(https, cert):
    client = ApiClient(https.url, retries=3, backoff=5.0)  # a retry would sleep: the certificate error must not
    started = time.monotonic()
    with pytest.raises(CertificateError):
        client.request("GET", "/auth/me")
    assert time.monotonic() - started < 4
    client.close()
    # HTTPS to a plain-HTTP port: a TLS failure that is the network's or the address's, not a certificate's.
    plain = Listener(https.app)
    try:
        client = ApiClient(f"https://127.0.0.1:{plain.port}", retries=0, trust=Trust(ca_file=str(cert[0])))
        with pytest.raises(Retryable) as caught:
            client.request("GET", "/auth/me")
        assert not isinstance(caught.value, CertificateError)
        client.close()
    finally:
        plain.stop()


def test_check_server_tells_a_certificate_problem_from_no_server(https, cert):
    assert setup.check_server(https.url) == "certificate"
    assert setup.check_server(https.url, Trust(ca_file=str(cert[0]))) is None
    assert setup.check_server(https.url, Trust(pin=cert[2], pin_server=https.url)) is None
    assert setup.check_server("https://127.0.0.1:1", timeout=2) == "offline"


def test_a_sync_that_meets_an_untrusted_certificate_says_so_on_the_home_screen():
    from fieldapp.core import _outcome_of
    outcome = _outcome_of(CertificateError(None, "untrusted certificate"), "sync")
    assert outcome["kind"] == "certificate"
    assert outcome["message"] == tr("sync.error.certificate") and "Chứng chỉ" in outcome["message"]
    assert _outcome_of(Retryable(None, "no connection"), "sync")["kind"] == "offline"
