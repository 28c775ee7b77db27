"""Dashboard login, roles, commune scope, CSRF, security headers and language, through the Flask client."""
import re
from pathlib import Path

from server.dashboard import i18n
from server.extensions import db
from server.models import User
from tests.conftest import World

DASHBOARD = Path(__file__).parents[2] / "server" / "dashboard"


def user_id(app, username: str) -> int:
    with app.app_context():
        return db.session.execute(db.select(User.id).where(User.username == username)).scalar_one()


def csrf(client) -> str:
    with client.session_transaction() as session:
        return session["csrf"]


def session_by_hand(app, client, user: int, sid: str = "made-by-hand") -> str:
    """A server session of `user` that no login made, and the browser's cookie for it; returns the cookie."""
    import hashlib

    from server.models import DashboardSession, utcnow
    with app.app_context():
        db.session.add(DashboardSession(id_hash=hashlib.sha256(sid.encode()).hexdigest(), user_id=user,
                                        data={"csrf": "t"}, created_at=utcnow(), last_seen_at=utcnow()))
        db.session.commit()
    with app.test_request_context():
        cookie = app.session_interface.get_signing_serializer(app).dumps({"sid": sid})
    client.set_cookie("session", cookie)
    return cookie


def login(client, username: str, password: str = World.PASSWORD):
    """Log in through the form, as a browser does; returns the reply to the POST."""
    client.get("/login")
    return client.post("/login", data={"username": username, "password": password, "csrf_token": csrf(client)})


def logged_in(client, username: str):
    reply = login(client, username)
    assert reply.status_code == 302, reply.get_data(as_text=True)[:500]
    return client


def test_pages_need_a_login(client, world):
    reply = client.get(f"/communes/{world.commune_a}")
    assert reply.status_code == 302
    assert reply.headers["Location"].startswith("/login?next=")


def test_login_then_home_goes_to_the_leaders_commune(client, world):
    logged_in(client, world.leader)
    reply = client.get("/")
    assert reply.status_code == 302 and reply.headers["Location"] == f"/communes/{world.commune_a}"
    page = client.get(reply.headers["Location"])
    assert page.status_code == 200 and "Phong Phú" in page.get_data(as_text=True)


def test_wrong_password_is_refused(client, world):
    reply = login(client, world.leader, "not the password")
    assert reply.status_code == 401
    assert "Sai tên đăng nhập hoặc mật khẩu." in reply.get_data(as_text=True)
    assert client.get(f"/communes/{world.commune_a}").status_code == 302


def test_officials_are_refused_at_login_and_on_every_page(app, client, world):
    reply = login(client, world.official)
    assert reply.status_code == 401 and "máy tính bảng" in reply.get_data(as_text=True)
    # Even with a session made by hand, the role rule refuses the page.
    session_by_hand(app, client, user_id(app, world.official))
    for path in ("/", f"/communes/{world.commune_a}", f"/communes/{world.commune_a}/never-reached",
                 f"/communes/{world.commune_a}/export.xlsx"):
        assert client.get(path).status_code == 403, path


def test_a_leader_cannot_open_another_commune_by_editing_the_url(app, client, world):
    logged_in(client, world.leader)
    b = world.commune_b
    for path in (f"/communes/{b}", f"/communes/{b}/never-reached", f"/communes/{b}/export.xlsx",
                 f"/communes/{b}/export.csv?table=villages", f"/communes/{b}/visits.csv", f"/communes/{b}/officials",
                 f"/communes/{b}/conflicts", "/communes", "/import"):
        assert client.get(path).status_code == 403, path
    assert client.post(f"/communes/{b}/targets", data={"csrf_token": csrf(client),
                                                        "target_vneid_account": "50"}).status_code == 403
    # Another commune's official is not a user this leader manages.
    assert client.get(f"/users/{user_id(app, world.official_b)}").status_code == 404
    assert client.post(f"/users/{user_id(app, world.official_b)}/password",
                       data={"csrf_token": csrf(client), "password": "x" * 10}).status_code == 404


def test_a_post_without_the_csrf_token_is_refused(app, client, world):
    from server.stats.service import get_targets

    logged_in(client, world.leader)
    path = f"/communes/{world.commune_a}/targets"
    assert client.post(path, data={"target_vneid_account": "80"}).status_code == 400
    assert client.post(path, data={"target_vneid_account": "80", "csrf_token": "forged"}).status_code == 400
    with app.app_context():
        assert get_targets(world.commune_a) == {}
    assert client.post(path, data={"target_vneid_account": "80", "csrf_token": csrf(client)}).status_code == 302
    with app.app_context():
        assert get_targets(world.commune_a) == {"vneid_account": 80.0}


def test_the_login_form_needs_its_token_too(client, world):
    client.get("/login")
    reply = client.post("/login", data={"username": world.leader, "password": World.PASSWORD})
    assert reply.status_code == 400


def test_login_makes_a_new_session_and_a_new_token(client, world):
    client.get("/login")
    before = csrf(client)
    logged_in(client, world.leader)
    assert csrf(client) != before


def test_login_does_not_redirect_off_site(client, world):
    client.get("/login")
    reply = client.post("/login?next=//evil.example/x", data={
        "username": world.leader, "password": World.PASSWORD, "csrf_token": csrf(client)})
    assert reply.headers["Location"] == "/"


def test_security_headers_and_no_store(client, world):
    logged_in(client, world.leader)
    page = client.get(f"/communes/{world.commune_a}")
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    assert "script-src" not in page.headers["Content-Security-Policy"]  # no script may run
    work_list = client.get(f"/communes/{world.commune_a}/never-reached")
    assert work_list.headers["Cache-Control"] == "no-store"
    static = client.get("/static/dashboard/dashboard.css")
    assert static.status_code == 200 and "no-store" not in static.headers.get("Cache-Control", "")


def test_session_cookie_is_http_only(client, world):
    reply = login(client, world.leader)
    cookie = reply.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_vietnamese_by_default_and_a_switch_to_english(client, world):
    logged_in(client, world.leader)
    path = f"/communes/{world.commune_a}"
    assert "Tổng số hộ" in client.get(path).get_data(as_text=True)
    reply = client.get(f"/lang/en?next={path}")
    assert reply.status_code == 302 and reply.headers["Location"] == path
    page = client.get(path).get_data(as_text=True)
    assert "Households total" in page and "Tổng số hộ" not in page and '<html lang="en">' in page
    client.get("/lang/vi")
    assert "Tổng số hộ" in client.get(path).get_data(as_text=True)
    assert client.get("/lang/fr").status_code == 404


def test_logout_ends_the_session(client, world):
    logged_in(client, world.leader)
    assert client.post("/logout", data={"csrf_token": csrf(client)}).status_code == 302
    assert client.get(f"/communes/{world.commune_a}").status_code == 302


def test_a_password_reset_ends_the_users_other_sessions(app, world):
    leader, admin = app.test_client(), app.test_client()
    logged_in(leader, world.leader)
    logged_in(admin, world.admin)
    assert leader.get(f"/communes/{world.commune_a}").status_code == 200
    reply = admin.post(f"/users/{user_id(app, world.leader)}/password",
                       data={"csrf_token": csrf(admin), "password": "một-mật-khẩu-mới"})
    assert reply.status_code == 302
    assert leader.get(f"/communes/{world.commune_a}").status_code == 302


def test_admin_sees_every_commune_side_by_side(client, world):
    logged_in(client, world.admin)
    assert client.get("/").headers["Location"] == "/communes"
    page = client.get("/communes").get_data(as_text=True)
    assert f'data-commune="{world.commune_a}"' in page and f'data-commune="{world.commune_b}"' in page
    assert "<svg" in page
    assert client.get(f"/communes/{world.commune_b}").status_code == 200


def test_every_text_of_the_dashboard_has_its_vietnamese():
    pattern = re.compile(r"""(?:\b_|gettext)\(\s*((?:"[^"]*"\s*)+|'[^']*')""")
    found = set()
    for path in list(DASHBOARD.rglob("*.html")) + list(DASHBOARD.glob("*.py")):
        for match in pattern.finditer(path.read_text()):
            found.add("".join(re.findall(r'"([^"]*)"|\'([^\']*)\'', match.group(1))[0]) if "'" in match.group(1)
                      else "".join(re.findall(r'"([^"]*)"', match.group(1))))
    assert len(found) > 50
    missing = sorted(text for text in found if text not in i18n.VI)
    assert missing == []
