"""Every place a password is set refuses a weak one with a Vietnamese message, and accepts a strong one: the
dashboard's reset and new official, the CLI's create-user and reset-password (server/auth/passwords.py)."""
import pytest
from flask import Flask
from hypothesis import given, settings, strategies as st
from sqlalchemy import select

from server.auth import passwords
from server.auth.service import check_credentials
from server.extensions import db
from server.models import AuditLog, User
from tests.server.test_dashboard_views import csrf, logged_in, user_id

WEAK = ["12345678", "password", " " * 8, " " * 12, "1234567890", "password123", "doorstep", "doorstep2026",
        "aaaaaaaaaaaa", "qwertyuiop", "matkhau123", "{username}", "{username}2026!", "Xx{username}xX"]
STRONG = "ngõ hẹp mưa phùn 47"
MESSAGES = ("Mật khẩu cần ít nhất 10 ký tự.", "Mật khẩu không được chứa tên đăng nhập.",
            "Mật khẩu này quá dễ đoán: hãy dùng ba hoặc bốn từ mà người khác khó đoán, kèm một chữ số hoặc một ký hiệu.")


def flashed(client, reply) -> str:
    return client.get(reply.headers["Location"]).get_data(as_text=True) if reply.status_code == 302 else \
        reply.get_data(as_text=True)


@pytest.mark.parametrize("weak", WEAK)
def test_the_dashboard_reset_refuses_a_weak_password_and_keeps_the_old_one(app, client, world, weak):
    logged_in(client, world.leader)
    official = user_id(app, world.official)
    password = weak.format(username=world.official)
    reply = client.post(f"/users/{official}/password", data={"csrf_token": csrf(client), "password": password})
    page = flashed(client, reply)
    assert any(message in page for message in MESSAGES), page[-800:]
    with app.app_context():
        assert check_credentials(world.official, world.PASSWORD) is not None
        assert check_credentials(world.official, password) is None


def test_the_dashboard_reset_accepts_a_strong_password_and_says_so(app, client, world):
    logged_in(client, world.leader)
    official = user_id(app, world.official)
    reply = client.post(f"/users/{official}/password", data={"csrf_token": csrf(client), "password": STRONG})
    assert "Đã đặt lại mật khẩu" in flashed(client, reply)
    with app.app_context():
        assert check_credentials(world.official, STRONG) is not None
        audit = db.session.execute(select(AuditLog).where(AuditLog.action == "password_reset")).scalar_one()
        assert audit.detail["user"] == official and STRONG not in str(audit.detail)


@pytest.mark.parametrize("weak", ["12345678", "password", " " * 8, "{username}", "doorstep"])
def test_a_new_official_with_a_weak_password_is_refused_and_not_created(app, client, world, weak):
    logged_in(client, world.leader)
    path = f"/communes/{world.commune_a}/officials"
    reply = client.post(path, data={"csrf_token": csrf(client), "full_name": "Nguyễn Thị Mai", "username": "mai.nt",
                                    "password": weak.format(username="mai.nt"), "village": [str(world.a1)]})
    assert reply.status_code == 200 and any(m in reply.get_data(as_text=True) for m in MESSAGES)
    with app.app_context():
        assert db.session.execute(select(User).where(User.username == "mai.nt")).first() is None


def test_the_form_says_the_rule_before_it_is_broken(app, client, world):
    logged_in(client, world.leader)
    page = client.get(f"/users/{user_id(app, world.official)}").get_data(as_text=True)
    assert 'minlength="10"' in page and "Ít nhất 10 ký tự, khó đoán" in page


@pytest.mark.parametrize("weak", ["12345678\n", "password\n", " " * 8 + "\n", "admin9\n", "doorstep\n"])
def test_the_cli_refuses_weak_passwords_in_vietnamese(app, world, weak):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "admin9", "--full-name", "Lê Văn Tám", "--role", "admin"], input=weak)
    assert result.exit_code == 1 and any(m in result.output for m in MESSAGES), result.output
    result = runner.invoke(args=["reset-password", world.official], input=weak)
    assert result.exit_code == 1 and any(m in result.output for m in MESSAGES), result.output
    with app.app_context():
        assert db.session.execute(select(User).where(User.username == "admin9")).first() is None
        assert check_credentials(world.official, world.PASSWORD) is not None


def test_the_cli_reset_sets_a_strong_password_and_ends_the_tablets_token(app, client, world):
    headers = world.login(client, world.official)
    result = app.test_cli_runner().invoke(args=["reset-password", world.official], input=STRONG + "\n")
    assert result.exit_code == 0, result.output
    ended = client.get("/api/v1/auth/me", headers=headers)
    assert ended.status_code == 401 and ended.get_json()["error"]["code"] == "unauthorized"
    with app.app_context():
        assert check_credentials(world.official, STRONG) is not None


_RULE_ONLY = Flask(__name__)
_RULE_ONLY.config["PASSWORD_MIN_LENGTH"] = 10


@settings(max_examples=200, deadline=None)
@given(password=st.text(max_size=40))
def test_no_password_shorter_than_the_minimum_is_ever_accepted(password):
    with _RULE_ONLY.app_context():
        try:
            passwords.check(password, "canbo1", "Trần Thị Hoa")
        except passwords.PasswordRefused:
            return
        assert len(password.strip()) >= 10 and "canbo1" not in password.lower()
