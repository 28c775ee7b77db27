"""Failed logins shut a username from an address, or an address, for a while (server/auth/throttle.py), on the API and
the dashboard, atomically under parallel attempts."""
import threading
from datetime import timedelta

import requests
from sqlalchemy import select

from server.extensions import db
from server.models import LoginFailure
from shared.ids import new_id
from tests.conftest import World, make_app
from tests.server.live import seeded_app, served
from tests.server.test_dashboard_views import login as dashboard_login


def login(client, username, password, **headers):
    return client.post("/api/v1/auth/login", headers=headers, json={
        "username": username, "password": password, "device_id": new_id(), "device_label": "Tab A8"})


def age_failures(app, minutes: int) -> None:
    with app.app_context():
        for failure in db.session.execute(select(LoginFailure)).scalars():
            failure.at -= timedelta(minutes=minutes)
        db.session.commit()


def test_five_wrong_passwords_shut_the_username_until_the_window_passes(app, client, world):
    assert [login(client, world.official, "sai").status_code for _ in range(5)] == [401] * 5
    refused = login(client, world.official, world.PASSWORD)
    assert refused.status_code == 429 and refused.get_json()["error"]["code"] == "too_many_requests"
    assert 1 <= int(refused.headers["Retry-After"]) <= 15 * 60
    assert login(client, world.leader, world.PASSWORD).status_code == 200  # others still get in
    age_failures(app, 14)
    assert login(client, world.official, world.PASSWORD).status_code == 429
    age_failures(app, 2)
    assert login(client, world.official, world.PASSWORD).status_code == 200


def test_an_unknown_username_is_shut_exactly_like_a_known_one(client, world):
    replies = {}
    for name in (world.official, "khong-ton-tai"):
        answers = [login(client, name, "sai") for _ in range(6)]
        replies[name] = [(a.status_code, a.get_json()) for a in answers]
    assert replies[world.official] == replies["khong-ton-tai"]
    assert [status for status, _ in replies["khong-ton-tai"]] == [401] * 5 + [429]


def test_usernames_are_counted_without_case(client, world):
    for _ in range(4):
        login(client, world.official, "sai")
    assert login(client, world.official.upper(), world.PASSWORD).status_code == 401  # usernames are exact...
    assert login(client, world.official, world.PASSWORD).status_code == 429  # ...but counted without case
    assert login(client, world.leader, world.PASSWORD).status_code == 200


def test_the_count_clears_on_success(client, world):
    for _ in range(4):
        login(client, world.official, "sai")
    assert login(client, world.official, world.PASSWORD).status_code == 200
    assert [login(client, world.official, "sai").status_code for _ in range(4)] == [401] * 4


def test_one_address_trying_many_usernames_is_shut(app, client, world):
    app.config["LOGIN_FAILURES_PER_ADDRESS"] = 3
    for name in ("a", "b", "c"):
        # Without PROXY_HOPS a forwarded-for header is the client's word: it does not change the address counted.
        assert login(client, name, "sai", **{"X-Forwarded-For": f"10.0.0.{ord(name)}"}).status_code == 401
    assert login(client, world.leader, world.PASSWORD).status_code == 429


def test_behind_a_proxy_the_forwarded_address_is_counted(app, world):
    proxied = make_app(app.config["SQLALCHEMY_DATABASE_URI"], PROXY_HOPS=1, LOGIN_FAILURES_PER_ADDRESS=3)
    client = proxied.test_client()
    try:
        for name in ("a", "b", "c"):
            assert login(client, name, "sai", **{"X-Forwarded-For": "10.0.0.7"}).status_code == 401
        assert login(client, world.leader, world.PASSWORD, **{"X-Forwarded-For": "10.0.0.7"}).status_code == 429
        assert login(client, world.leader, world.PASSWORD, **{"X-Forwarded-For": "10.0.0.8"}).status_code == 200
    finally:
        with proxied.app_context():
            db.session.remove()
            db.engine.dispose()


def test_no_username_is_stored_only_its_hash(app, client, world):
    login(client, "mat-khau-go-nham-o-day", "sai")
    with app.app_context():
        keys = db.session.execute(select(LoginFailure.key)).scalars().all()
    assert len(keys) == 2 and all(len(k) == 64 and "mat-khau" not in k for k in keys)


def test_the_dashboard_login_is_shut_too(app, client, world):
    for _ in range(5):
        assert dashboard_login(client, world.leader, "sai").status_code == 401
    page = dashboard_login(client, world.leader)
    assert page.status_code == 429 and int(page.headers["Retry-After"]) > 0
    assert "Đăng nhập sai quá nhiều lần" in page.get_data(as_text=True)
    age_failures(app, 16)
    assert dashboard_login(client, world.leader).status_code == 302


def test_failures_from_one_address_never_lock_the_user_out_from_another(app, world):
    """Anyone could lock the admin out with five wrong passwords: now they only lock themselves out."""
    proxied = make_app(app.config["SQLALCHEMY_DATABASE_URI"], PROXY_HOPS=1)
    client = proxied.test_client()
    try:
        for target in (world.admin, world.leader):
            for _ in range(5):
                assert login(client, target, "sai", **{"X-Forwarded-For": "203.0.113.9"}).status_code == 401
            assert login(client, target, World.PASSWORD, **{"X-Forwarded-For": "203.0.113.9"}).status_code == 429
            assert login(client, target, World.PASSWORD, **{"X-Forwarded-For": "198.51.100.4"}).status_code == 200
    finally:
        with proxied.app_context():
            db.session.remove()
            db.engine.dispose()


def _burst(url: str, username: str, password: str, count: int) -> list[int]:
    """`count` logins released together over HTTP, each on its own connection; their statuses."""
    sessions = [requests.Session() for _ in range(count)]
    for session in sessions:
        session.get(url + "/api/v1/openapi.json", timeout=60)  # connected before the race
    barrier, statuses = threading.Barrier(count), [None] * count

    def run(i):
        barrier.wait(30)
        try:
            statuses[i] = sessions[i].post(url + "/api/v1/auth/login", timeout=120, json={
                "username": username, "password": password, "device_id": new_id()}).status_code
        except requests.RequestException as exc:  # asserted in the test's thread
            statuses[i] = repr(exc)
    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(180)
    for session in sessions:
        session.close()
    return statuses


def test_a_parallel_burst_of_wrong_logins_lets_at_most_the_limit_through(database_url, tmp_path):
    """20 wrong passwords at the same instant, over real HTTP (gunicorn workers on PostgreSQL): at most 5 are even
    tried (401), the others are refused (429), and the right password is refused after them."""
    app, world = seeded_app(database_url)
    try:
        with served(app, database_url, tmp_path / "gunicorn.log") as url:
            statuses = _burst(url, world.official, "sai mật khẩu", 20)
            assert sorted(set(statuses)) <= [401, 429], statuses
            assert 1 <= statuses.count(401) <= app.config["LOGIN_FAILURES_PER_USER"], statuses
            refused = requests.post(url + "/api/v1/auth/login", timeout=60, json={
                "username": world.official, "password": World.PASSWORD, "device_id": new_id()})
            assert refused.status_code == 429
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
