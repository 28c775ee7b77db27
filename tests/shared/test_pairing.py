"""The QR code's payload (shared/pairing.py): what the dashboard encodes reads back on the tablet as it was made,
and anything else a camera may read says why it is refused."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared import pairing

hosts = st.from_regex(r"[a-z][a-z0-9-]{0,20}(\.[a-z][a-z0-9-]{0,10}){1,3}", fullmatch=True)


@given(host=hosts, port=st.none() | st.integers(1, 65535), path=st.sampled_from(["", "/doorstep", "/a/b"]),
       pin=st.none() | st.binary(min_size=32, max_size=32).map(bytes.hex))
def test_a_payload_reads_back_as_the_server_and_pin_it_was_made_of(host, port, path, pin):
    server = f"https://{host}{f':{port}' if port else ''}{path}"
    assert pairing.parse(pairing.payload(server, pin)) == {"server": server, "pin": pin}


@pytest.mark.parametrize("text, code", [
    ("", "not_doorstep"), ("0905123456", "not_doorstep"), ("WIFI:S:xa;T:WPA;P:1;;", "not_doorstep"),
    ('{"doorstep": 2, "server": "https://a.vn"}', "not_doorstep"), ('{"server": "https://a.vn"}', "not_doorstep"),
    ('{"doorstep": 1, "server": "javascript:alert(1)"}', "bad_server"),
    ('{"doorstep": 1, "server": "https://a.vn", "pin": "12"}', "bad_pin"),
    ("https://user:pw@a.vn", "bad_server"), ("https://a.vn/?x=1", "bad_server"), ("{" * 2000, "not_doorstep"),
])
def test_a_code_that_is_not_a_doorstep_code_says_why(text, code):
    with pytest.raises(ValueError, match=code):
        pairing.parse(text)


def test_a_typed_address_without_scheme_is_https_and_a_pin_takes_openssl_colons():
    assert pairing.server_address(" doorstep.hue.gov.vn:8443/ ") == "https://doorstep.hue.gov.vn:8443"
    assert pairing.pin(":".join(["AB"] * 32)) == "ab" * 32 and pairing.pin("") is None
    with pytest.raises(ValueError, match="bad_server"):
        pairing.server_address("https://a.vn:99999")
