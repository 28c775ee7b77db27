"""Dashboard sessions live on the server (server/auth/sessions.py): the cookie is a random id and nothing else; a
logout, a password reset or disabling the user ends the session, so a copied cookie opens nothing afterwards."""
import base64
import json
import zlib
from datetime import timedelta

from sqlalchemy import func, select

from server.extensions import db
from server.models import AuditLog, DashboardSession, User
from tests.conftest import World
from tests.server.test_dashboard_views import csrf, logged_in, session_by_hand, user_id

STRONG = "ngõ hẹp mưa phùn 47"


def cookie_of(client) -> str:
    return client.get_cookie("session").value


def payload(cookie: str) -> dict:
    """What anyone holding the cookie can read: itsdangerous' payload, base64 (zlib-compressed when it starts '.')."""
    data = cookie.lstrip(".").split(".")[0]
    raw = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
    return json.loads(zlib.decompress(raw) if cookie.startswith(".") else raw)


def copy_with(app, cookie: str):
    """Another browser that holds a copy of the cookie."""
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    return thief


def test_the_cookie_holds_only_a_random_session_id(app, client, world):
    logged_in(client, world.leader)
    cookie = cookie_of(client)
    content = payload(cookie)
    assert list(content) == ["sid"] and len(content["sid"]) >= 43
    with app.app_context():
        user = db.session.execute(select(User).where(User.username == world.leader)).scalar_one()
        stored = db.session.execute(select(DashboardSession)).scalar_one()
    for secret in (user.password_hash[-16:], user.password_hash.split("$")[-1][:16], content["sid"]):
        assert secret not in json.dumps(stored.data)
    assert user.password_hash[-16:] not in cookie  # the session id is the cookie's only key: no user id either
    assert stored.id_hash != content["sid"] and len(stored.id_hash) == 64  # only the id's hash is stored
    # Two logins, two ids: nothing is derived from the user.
    other = app.test_client()
    logged_in(other, world.leader)
    assert payload(cookie_of(other))["sid"] != content["sid"]


def test_logout_ends_the_session_on_the_server_and_a_copied_cookie_no_longer_works(app, client, world):
    logged_in(client, world.leader)
    page = f"/communes/{world.commune_a}"
    copied = cookie_of(client)
    assert copy_with(app, copied).get(page).status_code == 200  # a copy works while the session lives...
    assert client.post("/logout", data={"csrf_token": csrf(client)}).status_code == 302
    assert client.get(page).status_code == 302
    thief = copy_with(app, copied)
    refused = thief.get(page)
    assert refused.status_code == 302 and refused.headers["Location"].startswith("/login")  # ...not after logout
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(DashboardSession)).scalar_one() == 0
        actions = [a.action for a in db.session.execute(select(AuditLog).order_by(AuditLog.id)).scalars()]
        assert actions[-2:] == ["login", "logout"]


def test_a_password_reset_ends_every_dashboard_session_of_that_user(app, world):
    leader, elsewhere = app.test_client(), app.test_client()
    logged_in(leader, world.leader)
    logged_in(elsewhere, world.leader)
    admin = logged_in(app.test_client(), world.admin)
    person = user_id(app, world.leader)
    page = f"/communes/{world.commune_a}"
    assert admin.post(f"/users/{person}/password", data={"csrf_token": csrf(admin), "password": STRONG}
                      ).status_code == 302
    assert leader.get(page).status_code == 302 and elsewhere.get(page).status_code == 302
    assert admin.get("/communes").status_code == 200  # the admin's own session goes on
    relogged = app.test_client()
    client_reply = relogged.get("/login")
    assert client_reply.status_code == 200
    reply = relogged.post("/login", data={"username": world.leader, "password": STRONG, "csrf_token": csrf(relogged)})
    assert reply.status_code == 302 and relogged.get(page).status_code == 200


def test_disabling_a_user_ends_their_sessions(app, world):
    leader = logged_in(app.test_client(), world.leader)
    admin = logged_in(app.test_client(), world.admin)
    person = user_id(app, world.leader)
    assert admin.post(f"/users/{person}/active", data={"csrf_token": csrf(admin), "active": "0"}).status_code == 302
    assert leader.get(f"/communes/{world.commune_a}").status_code == 302
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(DashboardSession)
                                  .where(DashboardSession.user_id == person)).scalar_one() == 0


def test_an_idle_or_old_session_is_over(app, world):
    page = f"/communes/{world.commune_a}"
    for column, age in (("last_seen_at", timedelta(minutes=app.config["DASHBOARD_SESSION_IDLE_MINUTES"] + 1)),
                        ("created_at", timedelta(hours=app.config["DASHBOARD_SESSION_HOURS"] + 1))):
        client = logged_in(app.test_client(), world.leader)
        assert client.get(page).status_code == 200
        with app.app_context():
            for row in db.session.execute(select(DashboardSession)).scalars():
                setattr(row, column, getattr(row, column) - age)
            db.session.commit()
        assert client.get(page).status_code == 302, column


def test_a_forged_or_unknown_session_id_opens_nothing(app, client, world):
    with app.test_request_context():
        serializer = app.session_interface.get_signing_serializer(app)
        for content in ({"sid": "never-made"}, {"sid": 7}, {"user_id": 1, "pw": "x", "csrf": "t"}):
            client.set_cookie("session", serializer.dumps(content))
            assert client.get(f"/communes/{world.commune_a}").status_code == 302, content
    client.set_cookie("session", "not.a.signed.cookie")
    assert client.get(f"/communes/{world.commune_a}").status_code == 302
    session_by_hand(app, client, user_id(app, world.leader), sid="a-real-one")
    assert client.get(f"/communes/{world.commune_a}").status_code == 200


def test_the_login_page_before_login_names_nobody(client, world):
    client.get("/login")
    assert set(payload(cookie_of(client))) == {"csrf"}
    reply = client.post("/login", data={"username": world.leader, "password": World.PASSWORD,
                                        "csrf_token": csrf(client)})
    assert reply.status_code == 302 and set(payload(cookie_of(client))) == {"sid"}
