"""Configuration that fails loudly (server/config.py, server/proxies.py, server/config_check.py): outside the demo a
missing DATABASE_URL or SECRET_KEY, a time zone that is not one, a number that is not one stop the start, told in
Vietnamese then in English; PROXY_HOPS is held against each request's X-Forwarded-For."""
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from server import create_app
from server.config import SETTINGS, ConfigError
from server.extensions import db

ROOT = Path(__file__).resolve().parents[2]
KEY = "k" * 64
DOORSTEP = Path(sys.executable).parent / "doorstep"  # the command the venv installs


def _start(**config):
    app = create_app(config)
    with app.app_context():
        db.engine.dispose()
    return app


def _refusal(**config) -> str:
    with pytest.raises(ConfigError) as refused:
        _start(**config)
    return str(refused.value)


def test_no_database_url_outside_the_demo_is_refused_in_both_languages(tmp_path, monkeypatch):
    monkeypatch.setenv("DOORSTEP_INSTANCE", str(tmp_path))
    text = _refusal(SQLALCHEMY_DATABASE_URI=None, DEMO=False)
    assert "Chưa đặt DATABASE_URL" in text and "DATABASE_URL is not set" in text
    assert "Doorstep không khởi động" in text and "refuses to start" in text
    assert not (tmp_path / "doorstep.db").exists()  # nothing was made where a forgotten environment points
    _start(SQLALCHEMY_DATABASE_URI=None, DEMO=True)  # the demo may
    assert (tmp_path / "secret_key").exists()


@pytest.mark.parametrize("zone", ["UTC+7", "GMT+7", "Asia/Hanoi City", "", "../etc/passwd", "Asia/Ho_Chi_Minh "])
def test_a_time_zone_that_is_not_one_is_refused(database_url, zone):
    text = _refusal(SQLALCHEMY_DATABASE_URI=database_url, SECRET_KEY=KEY, TIMEZONE=zone)
    assert f"DOORSTEP_TIMEZONE={zone} không phải tên múi giờ" in text
    assert f"DOORSTEP_TIMEZONE={zone} is not a time zone name" in text


@pytest.mark.parametrize("zone", ["Asia/Ho_Chi_Minh", "Asia/Bangkok", "Etc/GMT-7", "UTC"])
def test_a_zone_name_starts(database_url, zone):
    assert _start(SQLALCHEMY_DATABASE_URI=database_url, SECRET_KEY=KEY, TIMEZONE=zone).config["TIMEZONE"] == zone


@pytest.mark.parametrize("name, value, said", [
    ("PROXY_HOPS", "one", "không phải số nguyên"), ("PROXY_HOPS", -1, "quá nhỏ: tối thiểu là 0"),
    ("LOGIN_FAILURES_PER_USER", 0, "quá nhỏ: tối thiểu là 1"), ("TOMBSTONE_HORIZON_DAYS", "1y", "không phải số"),
    ("LOGIN_LOCK_MINUTES", True, "không phải số nguyên"),
])
def test_a_number_setting_out_of_range_is_refused(name, value, said):
    text = _refusal(SQLALCHEMY_DATABASE_URI="sqlite://", SECRET_KEY=KEY, **{name: value})
    assert f"{name}={value} {said}" in text and f"{name}={value} is" in text


def test_every_problem_is_told_at_once():
    text = _refusal(SQLALCHEMY_DATABASE_URI="sqlite://", SECRET_KEY="", TIMEZONE="UTC+7", PROXY_HOPS="x")
    assert text.count("\n- ") == 3 and "SECRET_KEY" in text and "UTC+7" in text and "PROXY_HOPS=x" in text


def _run(*args, **env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {name for name, _, _ in SETTINGS}}
    clean.update(PYTHONPATH=str(ROOT), **env)
    return subprocess.run([str(DOORSTEP), *args], cwd=ROOT, env=clean, capture_output=True,
                          text=True, timeout=120)


def test_upgrade_without_database_url_refuses_without_a_traceback(tmp_path):
    done = _run("upgrade", DOORSTEP_INSTANCE=str(tmp_path))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "Chưa đặt DATABASE_URL" in done.stderr and "DATABASE_URL is not set" in done.stderr
    assert "upgraded" not in done.stdout and not (tmp_path / "doorstep.db").exists()


def test_upgrade_names_the_database_it_upgraded_without_its_password(tmp_path):
    done = _run("upgrade", DATABASE_URL=f"sqlite:///{tmp_path / 'prod.db'}", SECRET_KEY=KEY)
    assert done.returncode == 0, done.stderr
    assert f"Database upgraded: sqlite:///{tmp_path / 'prod.db'}" in done.stdout


def test_config_check_prints_the_settings_without_secrets(tmp_path):
    secret, password = "s3cr3t-" + "x" * 40, "pa55w0rd-of-the-db"
    done = _run("config", "check", DATABASE_URL=f"postgresql+psycopg://doorstep:{password}@db.example/doorstep",
                SECRET_KEY=secret, JOB_QUEUE_URL="redis://:queue-pass@127.0.0.1:6379/0", PROXY_HOPS="1",
                DOORSTEP_TIMEZONE="Asia/Bangkok")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for hidden in (secret, password, "queue-pass"):
        assert hidden not in out and hidden not in done.stderr
    assert re.search(r"^DATABASE_URL +postgresql\+psycopg://doorstep:\*\*\*@db.example/doorstep +\(biến môi trường / environment\)$",
                     out, re.M)
    assert re.search(r"^SECRET_KEY +\(đã đặt, 47 ký tự / set, 47 characters\)", out, re.M)
    assert re.search(r"^PROXY_HOPS +1 +\(biến môi trường / environment\)$", out, re.M)
    assert re.search(r"^LOGIN_FAILURES_PER_USER +5 +\(mặc định / default\)$", out, re.M)
    assert re.search(r"^TOMBSTONE_HORIZON_DAYS +365 +\(mặc định / default\)$", out, re.M)
    assert "Cấu hình hợp lệ." in out and "The configuration is valid." in out
    for name, _, _ in SETTINGS:
        assert re.search(rf"^{name} ", out, re.M), name


def test_config_check_answers_when_the_app_would_not_start(tmp_path):
    done = _run("config", "check", DOORSTEP_TIMEZONE="UTC+7", DOORSTEP_INSTANCE=str(tmp_path))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert re.search(r"^DOORSTEP_TIMEZONE +UTC\+7 +\(biến môi trường / environment\)$", done.stdout, re.M)
    assert "UTC+7 không phải tên múi giờ" in done.stderr and "Chưa đặt DATABASE_URL" in done.stderr


def test_the_install_docs_list_every_setting():
    table = (ROOT / "docs" / "install.md").read_text()
    for name, _, _ in SETTINGS:
        assert f"| `{name}` |" in table, name


# PROXY_HOPS against the requests.

def _proxied_app(hops):
    return _start(SQLALCHEMY_DATABASE_URI="sqlite://", SECRET_KEY=KEY, PROXY_HOPS=hops)


def test_too_few_forwarded_addresses_are_refused_and_logged_once_in_both_languages(caplog):
    app = _proxied_app(1)
    client = app.test_client()
    caplog.set_level(logging.WARNING, logger="doorstep.config")
    for path in ("/api/v1/auth/login", "/login"):
        reply = client.get(path)
        assert reply.status_code == 503 and reply.headers["Retry-After"] == "300"
        assert "Máy chủ đang cấu hình sai (PROXY_HOPS)" in reply.get_data(as_text=True)
    assert reply.content_type.startswith("text/plain")
    api = client.post("/api/v1/auth/login", json={})
    assert api.get_json()["error"]["code"] == "unavailable"
    told = [r for r in caplog.records if r.name == "doorstep.config"]
    assert len(told) == 1 and told[0].levelno == logging.ERROR
    assert "PROXY_HOPS=1 nhưng" in told[0].getMessage() and "came with 0 address(es)" in told[0].getMessage()
    assert client.get("/login", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 200


def test_two_hops_want_two_addresses():
    client = _proxied_app(2).test_client()
    assert client.get("/login", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 503
    assert client.get("/login", headers={"X-Forwarded-For": "203.0.113.9, 10.0.0.2"}).status_code == 200


def test_a_forwarded_request_without_proxy_hops_is_served_with_a_warning(caplog):
    client = _proxied_app(0).test_client()
    caplog.set_level(logging.WARNING, logger="doorstep.config")
    for _ in range(3):
        assert client.get("/login", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 200
    told = [r for r in caplog.records if r.name == "doorstep.config"]
    assert len(told) == 1 and told[0].levelno == logging.WARNING
    assert "PROXY_HOPS=0" in told[0].getMessage() and "Hãy đặt PROXY_HOPS=1" in told[0].getMessage()
