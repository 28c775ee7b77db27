"""Device login, tokens and their revocation."""
from sqlalchemy import select

from server.auth import service as auth
from server.extensions import db
from server.models import Device, User
from shared.ids import new_id


def test_login_reply_and_token_is_random_and_stored_hashed(app, client, world):
    device = new_id()
    reply = client.post("/api/v1/auth/login", json={"username": world.official, "password": world.PASSWORD,
                                                    "device_id": device, "device_label": "Samsung Tab A8"})
    body = reply.get_json()
    assert reply.status_code == 200
    assert body["user"]["role"] == "official" and "password" not in body["user"]
    assert body["scope"] == {"commune_id": world.commune_a, "village_ids": [world.a1, world.a2]}
    assert len(body["token"]) >= 43  # 32 random bytes in URL-safe base64
    with app.app_context():
        stored = db.session.get(Device, device)
        assert stored.token_hash != body["token"] and body["token"] not in stored.token_hash
        assert len(stored.token_hash) == 64


def test_failed_login_does_not_say_whether_the_user_exists(client, world):
    wrong = client.post("/api/v1/auth/login", json={"username": world.official, "password": "sai mật khẩu",
                                                    "device_id": new_id()})
    unknown = client.post("/api/v1/auth/login", json={"username": "không-có-ai", "password": "sai mật khẩu",
                                                      "device_id": new_id()})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json() == unknown.get_json()


def test_logout_revokes_the_token(client, world):
    headers = world.login(client, world.official)
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401
    assert client.get("/api/v1/sync/pull", headers=headers).status_code == 401


def test_revoked_device_gets_401_then_can_log_in_again(app, client, world):
    device = new_id()
    headers = world.login(client, world.official, device)
    with app.app_context():
        auth.revoke_device(db.session.get(Device, device), None)
    assert client.get("/api/v1/sync/pull", headers=headers).status_code == 401
    again = world.login(client, world.official, device)
    assert client.get("/api/v1/sync/pull", headers=again).status_code == 200


def test_disabling_a_user_kills_all_its_tokens_and_its_login(app, client, world):
    first, second = world.login(client, world.official), world.login(client, world.official)
    with app.app_context():
        user = db.session.execute(select(User).where(User.username == world.official)).scalar_one()
        auth.set_active(user, False, None)
    for headers in (first, second):
        assert client.get("/api/v1/auth/me", headers=headers).status_code == 401
    refused = client.post("/api/v1/auth/login", json={"username": world.official, "password": world.PASSWORD,
                                                      "device_id": new_id()})
    assert refused.status_code == 401


def test_a_device_of_another_user_is_refused(client, world):
    device = new_id()
    world.login(client, world.official, device)
    reply = client.post("/api/v1/auth/login", json={"username": world.official2, "password": world.PASSWORD,
                                                    "device_id": device})
    assert reply.status_code == 409 and "device_id" in reply.get_json()["error"]["fields"]


def test_role_comes_from_the_token_not_the_payload(client, world):
    device_id = new_id()
    reply = client.post("/api/v1/auth/login", json={"username": world.official, "password": world.PASSWORD,
                                                    "device_id": device_id, "role": "admin", "commune_id": 999})
    # A newer app's unknown fields are ignored (DESIGN.md); these ones never reach the user.
    assert reply.status_code == 200, reply.get_json()
    user = reply.get_json()["user"]
    assert user["role"] == "official" and user["commune_id"] == world.commune_a
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {reply.get_json()['token']}",
                                                "X-Device-Id": device_id})
    assert me.status_code == 200 and me.get_json()["role"] == "official", me.get_json()


def test_passwords_are_hashed_with_scrypt(app, world):
    with app.app_context():
        user = db.session.execute(select(User).where(User.username == world.official)).scalar_one()
        assert user.password_hash.startswith("scrypt:") and world.PASSWORD not in user.password_hash


def test_a_token_shown_by_another_device_is_refused(client, world):
    headers = world.login(client, world.official)
    stolen = {**headers, "X-Device-Id": new_id()}
    assert client.get("/api/v1/auth/me", headers=stolen).status_code == 403
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
