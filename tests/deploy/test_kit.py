"""THE DEPLOY KIT'S CI TEST (marker `deploy_kit`): deploy/install.sh installs into a temporary root (the service
user is the current one, the virtual environment this one, the database a new PostgreSQL database), then the
rendered files run for real: gunicorn started as doorstep.service says, behind Debian's nginx with the kit's site
(TLS with a self-signed certificate on loopback ports), a dashboard login and a tablet's sync through nginx, a backup
by doorstep-backup, a restore by doorstep-restore, and /readyz (or /login before it exists) afterwards. `nginx -t`,
`systemd-analyze verify` and `logrotate -d` check the files where those tools are installed.

nginx and PostgreSQL must be there under CI (DOORSTEP_REQUIRE_PG=1, .ci/run installs nginx): the test fails without
them there, and skips elsewhere, saying why.
"""
import os
import re
import shlex
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import PG_URL, World, _require_pg, household_change, make_app, visit_change
from server.extensions import db
from shared.ids import new_id

pytestmark = pytest.mark.deploy_kit

ROOT = Path(__file__).resolve().parents[2]
KIT = ROOT / "deploy"
VENV = Path(sys.executable).parent.parent  # this test run's virtual environment: install.sh --venv links it
UNITS = ("doorstep.service", "doorstep-worker.service", "doorstep-refresh-stats.service",
         "doorstep-refresh-stats.timer", "doorstep-purge.service", "doorstep-purge.timer", "doorstep-backup.service",
         "doorstep-backup.timer")


def _require_nginx() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    if not found:
        reason = "nginx is not installed (apt-get install -y nginx; .ci/run does it)"
        if os.environ.get("DOORSTEP_REQUIRE_PG") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def database():
    """A new PostgreSQL database of its own (pg_dump and pg_restore work on whole databases); dropped after."""
    _require_pg()
    name = "deploy_" + uuid.uuid4().hex[:12]
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


def _run(*args, env=None, check=True, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})}, **kwargs)
    if check:
        assert done.returncode == 0, f"{args}: {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


def _env_file(path: Path) -> dict:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if line and not line.startswith("#"))


def _unit(path: Path) -> dict:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line and line[0] != "#")


def _nginx_conf(base: Path, root: Path) -> Path:
    """The top of an nginx.conf for a non-installed nginx in `base`, around the kit's site as installed."""
    (base / "nginx").mkdir()
    conf = base / "nginx" / "nginx.conf"
    user = "user root;" if os.geteuid() == 0 else ""  # workers as root may read the tmp tree; else they are us
    temp = " ".join(f"{kind}_temp_path {base / 'nginx' / kind};" for kind in ("client_body", "proxy", "fastcgi",
                                                                            "uwsgi", "scgi"))
    conf.write_text(f"""{user}
worker_processes 1;
pid {base / 'nginx' / 'nginx.pid'};
error_log {base / 'nginx' / 'error.log'};
events {{ worker_connections 128; }}
http {{
    include /etc/nginx/mime.types;
    access_log {base / 'nginx' / 'access.log'};
    {temp}
    include {root / 'etc' / 'nginx' / 'sites-enabled'}/*;
}}
""")
    return conf


def _wait_for(url: str, ca: Path, seconds: float = 90) -> requests.Response:
    deadline = time.monotonic() + seconds
    while True:
        try:
            reply = requests.get(url, verify=str(ca), timeout=10, allow_redirects=False)
            if reply.status_code < 500:
                return reply
        except requests.ConnectionError:
            pass
        assert time.monotonic() < deadline, f"{url} did not answer"
        time.sleep(0.5)


def _stop(process: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def test_the_kit_installs_serves_behind_nginx_backs_up_and_restores(tmp_path, database):
    nginx = _require_nginx()
    root, base = tmp_path / "root", tmp_path
    root.mkdir()
    cert, key = base / "cert.pem", base / "key.pem"
    _run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1")
    app_port, https_port, http_port = _free_port(), _free_port(), _free_port()
    user = subprocess.run(["id", "-un"], capture_output=True, text=True, check=True).stdout.strip()

    # The install, as an IT officer runs it (with --root and the current user instead of a new one).
    done = _run(KIT / "install.sh", "--root", root, "--user", user, "--venv", VENV, "--database-url", database,
                "--server-name", "localhost", "--cert", cert, "--cert-key", key, "--app-port", app_port,
                "--https-port", https_port, "--http-port", http_port)
    assert f"Database upgraded: {make_url(database).render_as_string(hide_password=True)}" in done.stdout
    env_path = root / "etc/doorstep/doorstep.env"
    assert stat.S_IMODE(env_path.stat().st_mode) == 0o600
    settings = _env_file(env_path)
    assert settings["DATABASE_URL"] == database and settings["PROXY_HOPS"] == "1"
    assert re.fullmatch(r"[0-9a-f]{64}", settings["SECRET_KEY"])
    assert (root / "srv/doorstep/src/server/__init__.py").exists() and (root / "srv/doorstep/venv").is_symlink()
    for name in UNITS:
        unit = (root / "etc/systemd/system" / name).read_text()
        assert "[Unit]" in unit and not re.search(r"@[A-Z_]+@", unit)  # every template word rendered
        # The web server, the worker and the timers start at boot; the oneshot services only by their timers.
        assert ("[Install]" in unit) == (name.endswith(".timer") or name in UNITS[:2])
        if name.endswith(".service"):
            assert f"EnvironmentFile={env_path}\n" in unit and "\nEnvironment=" not in unit

    # Installing again keeps the settings (and their key) and migrates again.
    _run(KIT / "install.sh", "--root", root, "--user", user, "--venv", VENV, "--database-url", "postgresql://x",
         "--server-name", "localhost", "--cert", cert, "--cert-key", key, "--app-port", app_port,
         "--https-port", https_port, "--http-port", http_port)
    assert _env_file(env_path) == settings

    if shutil.which("systemd-analyze"):
        _run("systemd-analyze", "verify", *(root / "etc/systemd/system" / name for name in UNITS))
    if shutil.which("logrotate"):
        _run("logrotate", "-d", "-s", base / "logrotate.state", root / "etc/logrotate.d/doorstep")
    conf = _nginx_conf(base, root)
    tested = _run(nginx, "-t", "-p", base / "nginx", "-c", conf, "-e", base / "nginx" / "error.log")
    assert "test is successful" in tested.stderr

    # gunicorn as doorstep.service starts it: its command, its environment file, its working directory.
    unit = _unit(root / "etc/systemd/system/doorstep.service")
    service_env = {**{k: v for k, v in os.environ.items() if k not in settings}, **settings, "WEB_CONCURRENCY": "2"}
    log = open(base / "gunicorn.log", "wb")
    gunicorn = subprocess.Popen(shlex.split(unit["ExecStart"]), cwd=unit["WorkingDirectory"], env=service_env,
                                stdout=log, stderr=log)
    server = subprocess.Popen([nginx, "-p", base / "nginx", "-c", conf, "-e", base / "nginx" / "error.log", "-g",
                               "daemon off;"], stdout=log, stderr=log)
    site, ca = f"https://localhost:{https_port}", cert
    try:
        login_page = _wait_for(site + "/login", ca)
        assert login_page.status_code == 200
        assert login_page.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
        assert "," not in login_page.headers["Strict-Transport-Security"]  # one copy: nginx's, Doorstep's hidden
        plain = requests.get(f"http://localhost:{http_port}/login", allow_redirects=False, timeout=10)
        assert plain.status_code == 301 and plain.headers["Location"].startswith("https://localhost")
        # Around nginx, gunicorn refuses: PROXY_HOPS=1 wants the address nginx forwards.
        around = requests.get(f"http://127.0.0.1:{app_port}/login", timeout=10)
        assert around.status_code == 503 and "PROXY_HOPS" in around.text

        world = _seed(database)
        _dashboard_login(site, ca, world)
        assert _audited_addresses(database) == {"127.0.0.1"}  # the client's, as nginx saw it: not 203.0.113.66
        tablet = _Tablet(site, ca, world.official)
        home = household_change(world.a1)
        tablet.push(home, visit_change(home["id"]))
        assert home["id"] in tablet.household_ids()

        backup = _run(root / "usr/local/sbin/doorstep-backup")
        dumps = sorted((root / "var/backups/doorstep").glob("doorstep-*.dump"))
        assert len(dumps) == 1 and str(dumps[0]) in backup.stdout
        assert stat.S_IMODE(dumps[0].stat().st_mode) == 0o600

        later = household_change(world.a1, head_name="Lê Thị Sau")
        tablet.push(later)
        assert later["id"] in tablet.household_ids()

        restored = _run(root / "usr/local/sbin/doorstep-restore", "--yes", dumps[0])
        assert "Database upgraded" in restored.stdout and "renew-identity" in (restored.stdout + restored.stderr)
        if _has_route("/readyz"):  # the database and its schema; this test starts no job worker, which /readyz counts
            checks = requests.get(site + "/readyz", verify=str(ca), timeout=30).json()["checks"]
            assert checks == {"database": "ok", "schema": "head", "worker": "never"}, checks
        else:
            assert requests.get(site + "/login", verify=str(ca), timeout=30).status_code == 200
        after = _Tablet(site, ca, world.official)  # a new login: the restore may have renewed the server's identity
        kept = after.household_ids()
        assert home["id"] in kept and later["id"] not in kept  # last night's database, without what came after
        # Both access logs have the requests, neither their query strings (a pull's arguments were sent).
        for name in ("var/log/nginx/doorstep-access.log", "var/log/doorstep/access.log"):
            lines = (root / name).read_text()
            assert '"GET /api/v1/sync/pull"' in lines and "since=" not in lines, name
    finally:
        _stop(server)  # SIGTERM: nginx stops at once
        _stop(gunicorn)
        log.close()
    assert b"Traceback" not in (base / "gunicorn.log").read_bytes()


def test_backups_are_kept_for_their_days_and_the_newest_always(tmp_path, database):
    root = tmp_path / "root"
    root.mkdir()
    user = subprocess.run(["id", "-un"], capture_output=True, text=True, check=True).stdout.strip()
    _run(KIT / "install.sh", "--root", root, "--user", user, "--venv", VENV, "--database-url", database)
    folder = root / "var/backups/doorstep"
    old, recent = folder / "doorstep-20200101T000000Z.dump", folder / "doorstep-20200102T000000Z.dump"
    other = folder / "notes.txt"
    for path, days in ((old, 20), (recent, 5), (other, 40)):
        path.write_text("x")
        stamp = time.time() - days * 86400
        os.utime(path, (stamp, stamp))
    done = _run(root / "usr/local/sbin/doorstep-backup")  # BACKUP_KEEP_DAYS=14 in the environment file
    assert not old.exists() and recent.exists() and other.exists() and str(old) in done.stdout
    # When every dump is old (the timer stopped long ago), the newest stays.
    for path in folder.glob("doorstep-*.dump"):
        os.utime(path, (time.time() - 30 * 86400,) * 2)
    _run(root / "usr/local/sbin/doorstep-backup", env={"BACKUP_KEEP_DAYS": "0"})
    assert len(list(folder.glob("doorstep-*.dump"))) == 1


def test_the_kit_refuses_a_missing_user_under_a_root_and_wrong_settings(tmp_path, database):
    root = tmp_path / "root"
    root.mkdir()
    done = _run(KIT / "install.sh", "--root", root, "--user", "no-such-user-x", check=False)
    assert done.returncode == 1 and "no user no-such-user-x" in done.stderr
    user = subprocess.run(["id", "-un"], capture_output=True, text=True, check=True).stdout.strip()
    _run(KIT / "install.sh", "--root", root, "--user", user, "--venv", VENV, "--database-url", database)
    env_path = root / "etc/doorstep/doorstep.env"
    env_path.write_text(env_path.read_text().replace("DOORSTEP_TIMEZONE=Asia/Ho_Chi_Minh", "DOORSTEP_TIMEZONE=UTC+7"))
    refused = _run(root / "usr/local/sbin/doorstep", "refresh-stats", check=False)
    assert refused.returncode == 1 and "UTC+7 không phải tên múi giờ" in refused.stderr
    checked = _run(root / "usr/local/sbin/doorstep", "config", "check", check=False)
    assert checked.returncode == 1 and settings_secret(env_path) not in checked.stdout + checked.stderr


def settings_secret(env_path: Path) -> str:
    return _env_file(env_path)["SECRET_KEY"]


def _has_route(path: str) -> bool:
    app = make_app("sqlite://")
    return any(rule.rule == path for rule in app.url_map.iter_rules())


def _audited_addresses(url: str) -> set:
    """The client addresses of the audit log's rows that came from a request (the seeding's have none)."""
    engine = create_engine(url)
    with engine.connect() as conn:
        found = set(conn.execute(text("SELECT address FROM audit_log WHERE address IS NOT NULL")).scalars())
    engine.dispose()
    return found


def _seed(url: str) -> World:
    app = make_app(url)  # TestConfig's cheap password hash: the server checks any scrypt cost it finds
    world = World(app)
    with app.app_context():
        db.engine.dispose()
    return world


def _dashboard_login(site: str, ca: Path, world: World) -> None:
    browser = requests.Session()
    browser.verify, browser.trust_env = str(ca), False  # else REQUESTS_CA_BUNDLE would win over verify
    page = browser.get(site + "/login", timeout=30)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    # A client's own X-Forwarded-For is not believed: nginx sends the address it sees (deploy/nginx-doorstep.conf).
    reply = browser.post(site + "/login", timeout=30, allow_redirects=False, headers={
        "X-Forwarded-For": "203.0.113.66"}, data={"username": world.leader, "password": World.PASSWORD,
                                                  "csrf_token": token})
    assert reply.status_code == 302, reply.text
    assert "Secure" in reply.headers["Set-Cookie"]  # SESSION_COOKIE_SECURE=1 from the environment file
    overview = browser.get(site + reply.headers["Location"], timeout=30)
    assert overview.status_code == 200 and "Phong Phú" in overview.text


class _Tablet:
    """A tablet on the API through nginx, trusting the self-signed certificate by its CA bundle path."""

    def __init__(self, site: str, ca: Path, username: str):
        self.api, self.device_id = site + "/api/v1", new_id()
        self.session = requests.Session()
        self.session.verify, self.session.trust_env = str(ca), False  # the CA bundle path, not REQUESTS_CA_BUNDLE
        reply = self.session.post(self.api + "/auth/login", timeout=60, json={
            "username": username, "password": World.PASSWORD, "device_id": self.device_id, "device_label": "Tab"})
        assert reply.status_code == 200, reply.text
        self.session.headers.update({"Authorization": "Bearer " + reply.json()["token"],
                                     "X-Device-Id": self.device_id, "X-App-Version": "test",
                                     "X-Schema-Version": "1"})

    def push(self, *changes) -> None:
        reply = self.session.post(self.api + "/sync/push", timeout=60, json={
            "batch_id": new_id(), "schema_version": 1, "changes": list(changes)})
        assert reply.status_code == 200, reply.text
        assert [r["status"] for r in reply.json()["results"]] == ["applied"] * len(changes)

    def household_ids(self) -> set:
        ids, since = set(), 0
        while True:
            reply = self.session.get(self.api + "/sync/pull", timeout=60, params={"since": since, "limit": 1000})
            assert reply.status_code == 200, reply.text
            page = reply.json()
            ids |= {c["id"] for c in page["changes"] if c["table"] == "households" and not c["deleted"]}
            if not page.get("has_more"):
                return ids
            since = page["cursor"]
