"""Input as an attacker sends it: numbers past any column, deep JSON, unknown encodings, control characters and
crafted redirect targets get a clear 400/404/415 (or a form error), never a 500, and write nothing."""
import gzip
import json

import pytest
from hypothesis import given, settings, strategies as st
from sqlalchemy import func, select

from server.extensions import db
from server.inputs import MAX_JSON_DEPTH, json_too_deep
from server.models import Household, LoginFailure, User
from shared.ids import new_id
from shared.schemas import MAX_ID, MAX_SEQ
from tests.conftest import World, household_change, push
from tests.server.test_dashboard_views import csrf, logged_in, login

HUGE = [str(MAX_ID + 1), str(2**63), str(10**30), "-1", "0"]


def error_of(reply, status):
    assert reply.status_code == status, reply.get_data(as_text=True)[:500]
    error = reply.get_json()["error"]
    assert set(error) == {"code", "message", "fields"}
    return error


# --- integers in query arguments of the API

def api_cases(world):
    """(path with {} for the value, the argument named in the error, role of the caller)."""
    a = world.commune_a
    return [
        ("/api/v1/households?page={}", "page", world.official),
        ("/api/v1/residents?village_id={}", "village_id", world.official),
        ("/api/v1/visits?page={}", "page", world.official),
        ("/api/v1/stats/coverage?area={}", "area", world.leader),
        (f"/api/v1/stats/coverage?area={a}&village={{}}", "village", world.leader),
        (f"/api/v1/stats/coverage?area={a}&official={{}}", "official", world.leader),
        ("/api/v1/stats/never-reached?area={}", "area", world.leader),
        (f"/api/v1/stats/never-reached?area={a}&village={{}}", "village", world.leader),
        (f"/api/v1/stats/follow-ups?area={a}&official={{}}", "official", world.leader),
        (f"/api/v1/stats/follow-ups?area={a}&limit={{}}", "limit", world.leader),
        ("/api/v1/stats/targets?commune={}", "commune", world.leader),
        ("/api/v1/sync/pull?limit={}", "limit", world.official),
    ]


@pytest.mark.parametrize("value", HUGE)
def test_integer_arguments_out_of_range_are_400_naming_them(client, world, value):
    headers = {role: world.login(client, role) for role in (world.official, world.leader)}
    for path, name, role in api_cases(world):
        reply = client.get(path.format(value), headers=headers[role])
        assert name in error_of(reply, 400)["fields"], path
    reply = client.put(f"/api/v1/stats/targets?commune={value}", headers=headers[world.leader], json={"targets": {}})
    assert "commune" in error_of(reply, 400)["fields"]


def test_pull_cursor_bounds(client, world):
    headers = world.login(client, world.official)
    for value in (str(MAX_SEQ + 1), str(10**30), "-1"):
        assert "since" in error_of(client.get(f"/api/v1/sync/pull?since={value}", headers=headers), 400)["fields"]
    # The largest cursor is valid: nothing after it.
    reply = client.get(f"/api/v1/sync/pull?since={MAX_SEQ}", headers=headers)
    assert reply.status_code in (200, 410), reply.get_data(as_text=True)


def test_the_largest_ids_are_valid_and_simply_match_nothing(client, world):
    official, leader = world.login(client, world.official), world.login(client, world.leader)
    reply = client.get(f"/api/v1/households?page={MAX_ID}&village_id={MAX_ID}", headers=official)
    assert reply.status_code == 200 and reply.get_json()["items"] == []
    assert client.get(f"/api/v1/stats/coverage?area={MAX_ID}", headers=leader).status_code == 404


def test_a_schema_version_header_in_other_digits_is_not_a_500(client, world):
    headers = world.login(client, world.official)
    for claimed in ("²", "٣", "1" * 400):
        assert client.get("/api/v1/sync/pull", headers={**headers, "X-Schema-Version": claimed}).status_code == 200


# --- JSON depth

def deep(depth: int, inner=None) -> str:
    return "[" * depth + json.dumps(inner) + "]" * depth


def test_the_depth_count():
    assert not json_too_deep(deep(MAX_JSON_DEPTH).encode())
    assert json_too_deep(deep(MAX_JSON_DEPTH + 1).encode())
    assert json_too_deep(b'{"a": ' * 40 + b"1" + b"}" * 40)
    assert not json_too_deep(json.dumps({"notes": "[" * 500 + '\\"{{{'}).encode())  # brackets in text count for nothing
    assert json_too_deep(b"[" * 5000)  # not JSON, and a recursive parser would go 5,000 deep into it
    assert not json_too_deep(b"")
    # Strings cannot hide depth: brackets in text after every open and before every close, escaped quotes, a
    # string ending in a backslash.
    crafted = '["]", ' * 40 + '1' + ', "["]' * 40
    assert json.loads(crafted) and json_too_deep(crafted.encode())
    assert not json_too_deep(json.dumps(['"' + "[" * 50, "a\\", "{" * 50, '\\"]]]]]']).encode())
    assert json_too_deep(json.dumps(["a\\", deep_value(40)]).encode())


def deep_value(depth: int):
    value = 1
    for _ in range(depth):
        value = [value]
    return value


def depth_of(value) -> int:
    if isinstance(value, dict):
        return 1 + max(map(depth_of, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(depth_of, value), default=0)
    return 0


_JSON = st.recursive(st.none() | st.booleans() | st.integers(-2**63, 2**63 - 1) | st.text(alphabet='[]{}"\\ab\n\x00é'),
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(alphabet='[]{}"\\a'), inner,
                                                                                  max_size=3),
                     max_leaves=30)


@given(value=_JSON, limit=st.integers(1, 6), ascii_only=st.booleans())
@settings(max_examples=300, deadline=None)
def test_the_depth_count_agrees_with_the_parsed_value(value, limit, ascii_only):
    body = json.dumps(value, ensure_ascii=ascii_only).encode()
    assert json_too_deep(body, limit) == (depth_of(value) > limit)


def deep_body(depth: int, **fields) -> bytes:
    return ("{" + ", ".join(f'"{k}": {json.dumps(v)}' for k, v in fields.items()) + ', "x": ' + deep(depth)
            + "}").encode()


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 1000, 100_000])
def test_deeply_nested_json_is_400_everywhere(app, client, world, depth):
    official, leader = world.login(client, world.official), world.login(client, world.leader)
    json_type = {"Content-Type": "application/json"}
    login = deep_body(depth, username=world.official, password=World.PASSWORD, device_id=new_id())
    assert error_of(client.post("/api/v1/auth/login", data=login, headers=json_type), 400)["code"] == "invalid"
    targets = b'{"targets": ' + deep(depth).encode() + b"}"
    reply = client.put(f"/api/v1/stats/targets?commune={world.commune_a}", data=targets,
                       headers={**leader, **json_type})
    assert "body" in error_of(reply, 400)["fields"]
    batch = deep_body(depth, batch_id=new_id(), schema_version=1, changes=[])
    error_of(client.post("/api/v1/sync/push", data=batch, headers={**official, **json_type}), 400)
    zipped = gzip.compress(batch)
    reply = client.post("/api/v1/sync/push", data=zipped, headers={**official, **json_type, "Content-Encoding": "gzip"})
    error_of(reply, 400)
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(LoginFailure)).scalar_one() == 0


def test_json_at_the_depth_limit_is_read(client, world):
    # Depth 32 counting the body itself: a field nested that deep is read, and refused as the schema says (a
    # device label must be a string), not for its depth.
    body = deep_body(MAX_JSON_DEPTH - 2, username=world.official, password=World.PASSWORD, device_id=new_id())
    body = body.replace(b'"x":', b'"device_label":')
    reply = client.post("/api/v1/auth/login", data=body, headers={"Content-Type": "application/json"})
    assert "device_label" in error_of(reply, 400)["fields"]


# --- Content-Encoding

@pytest.mark.parametrize("encoding", ["br", "deflate", "compress", "gzip, br", "x-unknown"])
def test_an_unknown_content_encoding_is_415(app, client, world, encoding):
    headers = world.login(client, world.official)
    body = json.dumps({"batch_id": new_id(), "schema_version": 1, "changes": []}).encode()
    reply = client.post("/api/v1/sync/push", data=body, content_type="application/json",
                        headers={**headers, "Content-Encoding": encoding})
    assert error_of(reply, 415)["code"] == "unsupported_media_type"
    reply = client.post("/api/v1/auth/login", data=b"{}", content_type="application/json",
                        headers={"Content-Encoding": encoding})
    error_of(reply, 415)


def test_a_request_without_a_body_is_not_refused_for_its_encoding_header(client, world):
    headers = world.login(client, world.official)
    assert client.get("/api/v1/sync/pull", headers={**headers, "Content-Encoding": "br"}).status_code == 200


def test_identity_encoding_is_plain_json(client, world):
    headers = world.login(client, world.official)
    reply = client.post("/api/v1/sync/push", headers={**headers, "Content-Encoding": "identity"},
                        json={"batch_id": new_id(), "schema_version": 1, "changes": []})
    assert reply.status_code == 200


def test_a_gzip_body_with_a_bad_length_is_400(client, world):
    headers = world.login(client, world.official)
    reply = client.post("/api/v1/sync/push", data=gzip.compress(b"{}"), content_type="application/json",
                        headers={**headers, "Content-Encoding": "gzip", "Content-Length": "abc"})
    assert reply.status_code == 400


# --- control characters in credentials and new users

@pytest.mark.parametrize("bad", ["\x00", "a\x00b", "\x1b[31m", "line\nbreak", "\ud800"])
def test_control_characters_at_api_login_are_400_naming_the_field(app, client, world, bad):
    for field in ("username", "password", "device_label", "app_version"):
        body = {"username": world.official, "password": World.PASSWORD, "device_id": new_id(), field: bad}
        error = error_of(client.post("/api/v1/auth/login", json=body), 400)
        assert list(error["fields"]) == [field]
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(LoginFailure)).scalar_one() == 0


@pytest.mark.parametrize("bad", ["\x00", "ad\x00min", "x\ty"])
def test_control_characters_at_dashboard_login_are_a_form_error(client, world, bad):
    for username, password in ((bad, World.PASSWORD), (world.leader, bad)):
        reply = login(client, username, password)
        assert reply.status_code == 400
        assert "ký tự không được phép" in reply.get_data(as_text=True)


def count_users(app) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(User)).scalar_one()


@pytest.mark.parametrize("field, value", [
    ("username", "can\x00bo"), ("username", "x" * 65), ("username", "can bo"), ("username", ""),
    ("full_name", "Lê\x00Văn"), ("full_name", "Lê " * 40), ("full_name", "Lê\u0007"), ("full_name", "  "),
])
def test_a_bad_new_official_is_a_form_error(app, client, world, field, value):
    logged_in(client, world.leader)
    before = count_users(app)
    form = {"username": "canbo_moi", "full_name": "Lê Văn Tám", "role": "official", "password": "mật-khẩu-dài",
            "csrf_token": csrf(client), field: value}
    reply = client.post(f"/communes/{world.commune_a}/officials", data=form)
    assert reply.status_code == 200
    page = reply.get_data(as_text=True)
    assert ("Tên đăng nhập có từ 1 đến 64 ký tự" if field == "username" else "Họ tên có từ 1 đến 100 ký tự") in page
    assert count_users(app) == before


def test_the_admin_command_refuses_a_nul_in_a_username(app, world):
    runner = app.test_cli_runner()
    before = count_users(app)
    result = runner.invoke(args=["create-user", "ad\x00min", "--full-name", "Lê Văn Tám", "--role", "admin"],
                           input="mật-khẩu-dài\nmật-khẩu-dài\n")
    assert result.exit_code != 0 and "control characters" in result.output
    result = runner.invoke(args=["create-user", "admin2", "--full-name", "Lê\x00Tám", "--role", "admin"],
                           input="mật-khẩu-dài\nmật-khẩu-dài\n")
    assert result.exit_code != 0 and "control characters" in result.output
    assert count_users(app) == before
    for args in (["--name", "Thôn\x00Mới"], ["--name", "T" * 101], ["--name", "Thôn Mới", "--code", "1\x002"]):
        result = runner.invoke(args=["create-area", "--level", "village", "--parent", str(world.commune_a), *args])
        assert result.exit_code != 0 and "control characters" in result.output, result.output
    result = runner.invoke(args=["create-area", "--level", "village", "--parent", str(2**40), "--name", "Thôn Mới"])
    assert result.exit_code != 0 and "2147483647" in result.output


# --- the dashboard's ids and forms

@pytest.mark.parametrize("value", [str(MAX_ID + 1), str(2**64), "0"])
def test_out_of_range_ids_in_dashboard_urls_are_404(client, world, value):
    logged_in(client, world.admin)
    for path in (f"/communes/{value}", f"/communes/{value}/never-reached", f"/communes/{value}/export.csv",
                 f"/communes/{value}/visits.csv", f"/users/{value}", f"/communes/{value}/officials"):
        assert client.get(path).status_code == 404, path
    for path in (f"/users/{value}/villages", f"/users/{value}/password", f"/users/{value}/active"):
        assert client.post(path, data={"csrf_token": csrf(client)}).status_code == 404, path
    assert "Trang này không tồn tại." in client.get(f"/communes/{value}").get_data(as_text=True)
    client.set_cookie("lang", "en")
    assert "This page does not exist." in client.get(f"/communes/{value}").get_data(as_text=True)


def test_a_bad_device_id_in_the_revoke_url_is_404(client, world):
    logged_in(client, world.leader)
    for device in ("not-a-uuid", "%00", "A" * 300, new_id()):
        assert client.post(f"/devices/{device}/revoke", data={"csrf_token": csrf(client)}).status_code == 404


@pytest.mark.parametrize("value", [str(MAX_ID + 1), str(10**30), "-1", "abc", "²", ""])
def test_out_of_range_ids_in_dashboard_forms_are_form_errors(app, client, world, value):
    logged_in(client, world.leader)
    reply = client.post(f"/communes/{world.commune_a}/conflicts", data={"csrf_token": csrf(client),
                                                                       "conflict": value, "pick": "lost"})
    assert reply.status_code == 302
    assert "Không có xung đột này." in client.get(reply.headers["Location"]).get_data(as_text=True)
    form = {"username": "canbo_moi", "full_name": "Lê Văn Tám", "role": "official", "password": "mật-khẩu-dài",
            "csrf_token": csrf(client), "village": [value, str(world.a1)]}
    assert client.post(f"/communes/{world.commune_a}/officials", data=form).status_code == 302
    with app.app_context():
        created = db.session.execute(select(User).where(User.username == "canbo_moi")).scalar_one()
        assert [v.id for v in created.villages] == [world.a1]
    reply = client.get(f"/communes/{world.commune_a}?village={value}&official={value}")
    assert reply.status_code == 200
    if value:
        assert "Bộ lọc không hợp lệ" in reply.get_data(as_text=True)


def test_an_admin_import_for_an_out_of_range_commune_is_400(client, world):
    logged_in(client, world.admin)
    reply = client.post("/import", data={"csrf_token": csrf(client), "commune": str(10**30)})
    assert reply.status_code == 400


def test_the_targets_form_keeps_only_the_views_own_arguments(client, world):
    logged_in(client, world.leader)
    form = {"csrf_token": csrf(client), **{f"target_{t}": "50" for t in ("vneid_account",)}}
    for query in ("commune_id=5", "_external=1&_scheme=javascript", "_anchor=x&village=abc&sort=name"):
        reply = client.post(f"/communes/{world.commune_a}/targets?{query}", data=form)
        assert reply.status_code == 302, query
        location = reply.headers["Location"]
        assert location.startswith(f"/communes/{world.commune_a}?") or location.startswith(
            f"/communes/{world.commune_a}#"), location
        assert "javascript" not in location and "_external" not in location


# --- redirect targets

@pytest.mark.parametrize("target", [
    "//evil.example/x", "/\\evil.example", "https://evil.example/", "/\t/evil.example", "/\r\nSet-Cookie: a=b",
    "/%0d%0aSet-Cookie:a=b", "/\x00", "javascript:alert(1)", "/" + "a" * 5000, "\\\\evil.example", "/ /evil.example",
    "/\u3000/evil.example",
])
def test_redirect_targets_never_500_nor_leave_the_site(client, world, target):
    reply = client.get("/lang/en", query_string={"next": target})
    assert reply.status_code == 302
    location = reply.headers["Location"]
    assert location.startswith("/") and not location.startswith("//") and "\n" not in location
    assert "evil.example" not in location
    client.get("/login")
    reply = client.post("/login", query_string={"next": target},
                        data={"username": world.leader, "password": World.PASSWORD, "csrf_token": csrf(client)})
    assert reply.status_code == 302
    location = reply.headers["Location"]
    assert location.startswith("/") and not location.startswith("//") and "evil.example" not in location


def test_a_path_of_the_site_is_still_followed(client, world):
    client.get("/login")
    reply = client.post("/login", query_string={"next": f"/communes/{world.commune_a}?village={world.a1}"},
                        data={"username": world.leader, "password": World.PASSWORD, "csrf_token": csrf(client)})
    assert reply.headers["Location"] == f"/communes/{world.commune_a}?village={world.a1}"


# --- integers inside a pushed record

@pytest.mark.parametrize("village_id", [MAX_ID + 1, 2**63, 10**30, -1, 0])
def test_a_pushed_village_id_out_of_range_is_rejected_not_a_500(app, client, world, village_id):
    for role in (world.official, world.leader, world.admin):  # an admin's scope reads the village from the database
        headers = world.login(client, role)
        reply = push(client, headers, household_change(village_id))
        assert reply.status_code == 200, reply.get_data(as_text=True)[:300]
        result = reply.get_json()["results"][0]
        assert result["status"] == "rejected" and "village_id" in result["errors"]
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Household)).scalar_one() == 0
