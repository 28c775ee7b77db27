"""The server as a client meets it: the app on a real HTTP server on 127.0.0.1, on an ephemeral port.

- `served(url)`: on SQLite, werkzeug's threaded server in a thread; on PostgreSQL, gunicorn with several worker
  processes (each with threads), started as a subprocess that imports this tree's code (PYTHONPATH);
- `Tokens`: devices logged in over HTTP, each with its own token and device id, and the pushes they send.
gunicorn is given a socket that is already listening (fd://), so requests sent while its workers boot wait in the
socket's backlog: nothing polls for readiness.
"""
import os
import signal
import socket
import subprocess
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

import requests
from werkzeug.serving import WSGIRequestHandler, make_server

from server.extensions import db
from server.ledger import ensure_counter
from shared.ids import new_id
from tests.conftest import World, make_app

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
WORKERS, THREADS = 4, 2


class Quiet(WSGIRequestHandler):
    """werkzeug's handler without its line per request: a failing test's report would drown in them."""

    def log_request(self, *args, **kwargs):
        pass


def seeded_app(url: str):
    """The app on `url` with its tables, the seq counter and a World of areas and users."""
    app = make_app(url)
    with app.app_context():
        db.create_all()
        ensure_counter()
    return app, World(app)


@contextmanager
def served(app, url: str, log_path: Path):
    """Yield the base URL of `app` served over HTTP: werkzeug threads on SQLite, gunicorn workers on PostgreSQL."""
    if url.startswith("sqlite"):
        http = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Quiet)
        thread = threading.Thread(target=http.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{http.server_port}"
        finally:
            http.shutdown()
            http.server_close()
            thread.join(10)
        return
    listener = socket.create_server(("127.0.0.1", 0), backlog=64)
    port = listener.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "test-secret", "PYTHONPATH": str(ROOT)}
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [str(GUNICORN), "server:create_app()", "--bind", f"fd://{listener.fileno()}", "--preload",
             "-w", str(WORKERS), "--threads", str(THREADS), "--worker-class", "gthread", "--timeout", "120",
             "--graceful-timeout", "1", "--no-control-socket"],
            cwd=ROOT, env=env, stdout=log, stderr=log, pass_fds=(listener.fileno(),))
    listener.close()  # gunicorn holds its own copy
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGQUIT)  # no request is in flight: stop at once
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


class Device:
    """One tablet as the server sees it: its own device id and token, and a session of its own."""

    def __init__(self, base: str, username: str):
        self.base, self.device_id = base + "/api/v1", new_id()
        self.session = requests.Session()
        reply = self.session.post(self.base + "/auth/login", timeout=60, json={
            "username": username, "password": World.PASSWORD, "device_id": self.device_id, "device_label": "Tab"})
        assert reply.status_code == 200, reply.text
        self.headers = {"Authorization": "Bearer " + reply.json()["token"], "X-Device-Id": self.device_id,
                        "X-App-Version": "test", "X-Schema-Version": "1"}

    def push(self, *changes, batch_id: str | None = None) -> requests.Response:
        return self.session.post(self.base + "/sync/push", headers=self.headers, timeout=60, json={
            "batch_id": batch_id or new_id(), "schema_version": 1, "changes": list(changes)})

    def pull(self, since: int = 0) -> dict:
        reply = self.session.get(self.base + "/sync/pull", headers=self.headers, timeout=60,
                                 params={"since": since, "limit": 1000})
        assert reply.status_code == 200, reply.text
        return reply.json()

    def close(self) -> None:
        self.session.close()
