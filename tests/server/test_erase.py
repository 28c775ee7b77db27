"""Contract A over real HTTP: the device key of a login, and the erase order of a revoked tablet or a disabled
official, from the leader's click on the dashboard to the tablet's report that it erased its data."""
import re
from datetime import timedelta

import pytest
import requests
from sqlalchemy import func, select

from server.auth import service as auth
from server.extensions import db
from server.models import AuditLog, Device, Household, User
from shared.ids import new_id
from tests.conftest import World, household_change

KEY = re.compile(r"^[A-Za-z0-9_-]{43}$")


class Tablet:
    """One device as the tablet app drives it, over HTTP."""

    def __init__(self, base: str, username: str, device_id: str | None = None):
        self.api, self.device_id, self.username = base + "/api/v1", device_id or new_id(), username
        self.http = requests.Session()
        self.login()

    def login(self, password: str = World.PASSWORD) -> requests.Response:
        reply = self.http.post(self.api + "/auth/login", timeout=30, json={
            "username": self.username, "password": password, "device_id": self.device_id, "device_label": "Tab A8"})
        if reply.status_code == 200:
            self.token, self.device_key = reply.json()["token"], reply.json()["device_key"]
        return reply

    @property
    def headers(self) -> dict:
        return {"Authorization": "Bearer " + self.token, "X-Device-Id": self.device_id, "X-Schema-Version": "1"}

    def call(self, method: str, path: str, **kwargs) -> requests.Response:
        return self.http.request(method, self.api + path, headers=self.headers, timeout=30, **kwargs)

    def push(self, *changes) -> requests.Response:
        return self.call("POST", "/sync/push", json={"batch_id": new_id(), "schema_version": 1,
                                                      "changes": list(changes)})


class Browser:
    """A leader's browser on the dashboard: a cookie jar and the CSRF token of the last form."""

    def __init__(self, base: str, username: str):
        self.base, self.http = base, requests.Session()
        reply = self.form_post("/login", "/login", username=username, password=World.PASSWORD)
        assert reply.status_code == 302, reply.text[:300]

    def get(self, path: str) -> requests.Response:
        return self.http.get(self.base + path, timeout=30, allow_redirects=False)

    def form_post(self, page: str, action: str, **data) -> requests.Response:
        token = re.search(r'name="csrf_token" value="([^"]+)"', self.get(page).text).group(1)
        return self.http.post(self.base + action, data={"csrf_token": token, **data}, timeout=30,
                              allow_redirects=False)


def user_of(app, username: str) -> int:
    with app.app_context():
        return db.session.execute(select(User.id).where(User.username == username)).scalar_one()


def households(app) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(Household)).scalar_one()


def assert_erase_required(reply, reason: str):
    assert reply.status_code == 401, reply.text[:300]
    error = reply.json()["error"]
    assert error["code"] == "erase_required" and error["fields"] == {"reason": [reason]}, error


def test_the_device_key_is_given_at_login_kept_across_logins_and_readable_with_the_token(live_server, world):
    tablet = Tablet(live_server, world.official)
    assert KEY.match(tablet.device_key)
    first = tablet.device_key
    assert tablet.call("POST", "/auth/logout").status_code == 204
    assert tablet.login().status_code == 200 and tablet.device_key == first  # the same device, the same user
    reply = tablet.call("GET", "/auth/device-key")
    assert reply.status_code == 200 and reply.json() == {"device_key": first}
    other = Tablet(live_server, world.official)
    assert KEY.match(other.device_key) and other.device_key != first
    assert requests.get(tablet.api + "/auth/device-key", timeout=30).status_code == 401


def test_a_device_registered_before_device_keys_gets_one_on_asking(app, live_server, world):
    tablet = Tablet(live_server, world.official)
    with app.app_context():
        db.session.get(Device, tablet.device_id).wrap_key = None  # as the migration leaves an older device
        db.session.commit()
    made = tablet.call("GET", "/auth/device-key").json()["device_key"]
    assert KEY.match(made) and made != tablet.device_key
    assert tablet.call("GET", "/auth/device-key").json()["device_key"] == made
    assert tablet.login().status_code == 200 and tablet.device_key == made


def test_revoke_on_the_dashboard_then_push_is_refused_writes_nothing_then_erased(app, live_server, world):
    tablet = Tablet(live_server, world.official)
    assert tablet.push(household_change(world.a1)).status_code == 200
    before, old_key = households(app), tablet.device_key
    leader = Browser(live_server, world.leader)
    official = user_of(app, world.official)
    asked = leader.get(f"/devices/{tablet.device_id}/revoke")
    assert asked.status_code == 200
    assert "xóa toàn bộ dữ liệu của xã đang lưu trên máy, kể cả các thay đổi chưa gửi" in asked.text
    assert tablet.call("GET", "/auth/me").status_code == 200  # asking is not doing
    done = leader.form_post(f"/devices/{tablet.device_id}/revoke", f"/devices/{tablet.device_id}/revoke")
    assert done.status_code == 302 and done.headers["Location"] == f"/users/{official}"
    page = leader.get(f"/users/{official}").text
    assert "Yêu cầu xóa dữ liệu lúc" in page and "Đã xóa dữ liệu lúc" not in page

    assert_erase_required(tablet.push(household_change(world.a1)), "revoked")
    assert households(app) == before  # the push wrote nothing
    assert_erase_required(tablet.call("GET", "/sync/pull", params={"since": 0}), "revoked")
    assert_erase_required(tablet.call("GET", "/auth/me"), "revoked")
    assert_erase_required(tablet.call("GET", "/auth/device-key"), "revoked")
    assert_erase_required(tablet.call("POST", "/auth/logout"), "revoked")  # logout cannot cancel the order

    assert tablet.call("POST", "/auth/erased").status_code == 204
    again = tablet.call("POST", "/auth/erased")
    assert again.status_code == 401 and again.json()["error"]["code"] == "unauthorized"
    assert tablet.call("GET", "/auth/me").json()["error"]["code"] == "unauthorized"
    page = leader.get(f"/users/{official}").text
    assert "Đã xóa dữ liệu lúc" in page and "Yêu cầu xóa dữ liệu lúc" in page
    with app.app_context():
        device = db.session.get(Device, tablet.device_id)
        assert device.erased_at >= device.erase_requested_at and device.token_hash is None
        actions = [a.action for a in db.session.execute(select(AuditLog).order_by(AuditLog.id)).scalars()]
        assert actions[-2:] == ["device_revoked", "device_erased"]

    # The erased tablet logs in again: a new token, a new device key, no erase mark left.
    assert tablet.login().status_code == 200 and KEY.match(tablet.device_key) and tablet.device_key != old_key
    assert tablet.push(household_change(world.a1)).json()["results"][0]["status"] == "applied"
    page = leader.get(f"/users/{official}").text
    assert "Đã xóa dữ liệu lúc" not in page and "Yêu cầu xóa dữ liệu lúc" not in page


def test_disabling_the_official_orders_every_tablet_to_erase(app, live_server, world):
    first, second = Tablet(live_server, world.official), Tablet(live_server, world.official)
    logged_out = Tablet(live_server, world.official)
    assert logged_out.call("POST", "/auth/logout").status_code == 204
    leader = Browser(live_server, world.leader)
    official = user_of(app, world.official)
    assert leader.form_post(f"/users/{official}", f"/users/{official}/active", active="0").status_code == 302
    for tablet in (first, second):
        assert_erase_required(tablet.push(household_change(world.a1)), "disabled")
    assert logged_out.call("GET", "/auth/me").json()["error"]["code"] == "unauthorized"
    assert first.call("POST", "/auth/erased").status_code == 204  # a disabled user's tablet still reports
    page = leader.get(f"/users/{official}").text
    assert page.count("Đã xóa dữ liệu lúc") == 1 and page.count("Tài khoản bị khóa") == 1
    assert first.login().status_code == 401  # the account is disabled: no new login
    with app.app_context():
        erased = db.session.get(Device, logged_out.device_id)
        assert erased.erase_requested_at is None  # no token to tell it with


def test_a_password_reset_ends_tokens_without_an_erase_order(app, live_server, world):
    tablet, revoked = Tablet(live_server, world.official), Tablet(live_server, world.official)
    leader = Browser(live_server, world.leader)
    official = user_of(app, world.official)
    leader.form_post(f"/devices/{revoked.device_id}/revoke", f"/devices/{revoked.device_id}/revoke")
    reset = leader.form_post(f"/users/{official}", f"/users/{official}/password", password="Một mật khẩu mới 2026")
    assert reset.status_code == 302
    ended = tablet.call("GET", "/sync/pull")
    assert ended.status_code == 401 and ended.json()["error"] == {
        "code": "unauthorized", "message": "Your session has ended: log in again.", "fields": {}}
    assert tablet.call("POST", "/auth/erased").json()["error"]["code"] == "unauthorized"
    assert_erase_required(revoked.call("GET", "/sync/pull"), "revoked")  # a reset does not cancel an erase order
    assert tablet.login("Một mật khẩu mới 2026").status_code == 200


def test_erased_is_refused_without_an_erase_order_and_the_order_outlives_expiry(app, client, world):
    headers = world.login(client, world.official)
    refused = client.post("/api/v1/auth/erased", headers=headers)
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    with app.app_context():
        device = db.session.get(Device, headers["X-Device-Id"])
        device.created_at -= timedelta(days=app.config["TOKEN_MAX_AGE_DAYS"] + 1)
        db.session.commit()
        assert client.get("/api/v1/auth/me", headers=headers).get_json()["error"]["code"] == "unauthorized"
        auth.revoke_device(db.session.get(Device, headers["X-Device-Id"]), None)
    assert client.get("/api/v1/auth/me", headers=headers).get_json()["error"]["code"] == "erase_required"
    assert client.post("/api/v1/auth/erased", headers={**headers, "X-Device-Id": new_id()}).status_code == 403
    assert client.post("/api/v1/auth/erased", headers=headers).status_code == 204


@pytest.mark.parametrize("reason", ["revoked", "disabled"])
def test_an_erase_required_reply_conforms_to_the_document(client, world, reason):
    from tests.server.test_openapi import conforms
    doc = client.get("/api/v1/openapi.json").get_json()
    headers = world.login(client, world.official)
    with world.app.app_context():
        device = db.session.get(Device, headers["X-Device-Id"])
        if reason == "revoked":
            auth.revoke_device(device, None)
        else:
            auth.set_active(device.user, False, None)
    body = conforms(doc, "GET", "/api/v1/sync/pull", client.get("/api/v1/sync/pull", headers=headers))
    assert body["error"]["fields"] == {"reason": [reason]}
    conforms(doc, "GET", "/api/v1/auth/device-key", client.get("/api/v1/auth/device-key", headers=headers))
    conforms(doc, "POST", "/api/v1/auth/erased", client.post("/api/v1/auth/erased", headers=headers))
    conforms(doc, "POST", "/api/v1/auth/erased", client.post("/api/v1/auth/erased", headers=headers))
