"""Fixtures of the field app's tests: a real server over HTTP on 127.0.0.1, and stores in tmp_path.

Shared with the UI tests (tests/fieldapp/test_ui*.py):
- `server`: a LiveServer: the Flask app on a SQLite file, served by werkzeug in a thread on a free port, with a
  World of areas and users (tests/conftest.py). `server.url`, `server.world`, `server.count(table)`,
  `server.revoke(username)` (an erase order), `server.reset_password(username, pw)`, `server.disable(username)`, `server.pause()` / `server.resume()` (the server goes away, connections and all, then
  comes back on the same port);
- `Listener(app, port)`: werkzeug serving a WSGI app in a thread, whose stop() also cuts kept-alive connections;
- `proxy`: a CutProxy in front of `server`: `proxy.url` forwards everything; `proxy.drop_next_reply()` lets the
  next request reach the server and then closes the connection before the reply arrives;
- `store` / `make_store(name, plain=False)`: a Store on a file in tmp_path, encrypted (SQLCipher, a random data
  key: `store.test_key`) unless plain, so every store test runs on the encrypted store the app uses;
- `tablet(username)`: a logged-in (store, engine) pair against `server`.
"""
import socket
import threading

import pytest
from werkzeug.serving import make_server

from fieldapp.lock import new_data_key
from fieldapp.store import Store
from fieldapp.sync import ApiClient, SyncEngine
from server.cli import ensure_counter
from server.extensions import db
from server.models import Device, User
from shared.ids import new_id
from tests.conftest import World, make_app
from tests.server.live import Quiet


class Listener:
    """werkzeug serving `app` on 127.0.0.1:`port` (0: any free port) in a thread.

    stop() closes the listening socket AND the kept-alive connections: werkzeug's threaded server would otherwise go
    on answering a client's pooled connection after shutdown, which is not what a server that went away does. It
    logs no line per request, and polls for shutdown every 10 ms, so that a restart costs little.
    """

    def __init__(self, app, port: int = 0):
        self.http = make_server("127.0.0.1", port, app, threaded=True, request_handler=Quiet)
        self.port = self.http.server_port
        self.connections = []
        accept = self.http.get_request

        def get_request():
            conn, address = accept()
            self.connections.append(conn)
            return conn, address
        self.http.get_request = get_request
        threading.Thread(target=self.http.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()

    def stop(self) -> None:
        self.http.shutdown()
        self.http.server_close()
        for conn in self.connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed by its handler


class LiveServer:
    def __init__(self, path):
        self.app = make_app(f"sqlite:///{path}")
        with self.app.app_context():
            db.create_all()
            ensure_counter()
        self.world = World(self.app)
        self.password = World.PASSWORD
        self.listener = Listener(self.app)
        self.port = self.listener.port
        self.url = f"http://127.0.0.1:{self.port}"

    def pause(self) -> None:
        """The server goes away: nothing answers on its port."""
        self.listener.stop()

    def resume(self) -> None:
        """The server is back, at the same address."""
        self.listener = Listener(self.app, self.port)

    def count(self, table: str, where: str = "1=1") -> int:
        """Rows of a server table (plain SQL on the server's database)."""
        with self.app.app_context():
            return db.session.execute(db.text(f"SELECT count(*) FROM {table} WHERE {where}")).scalar()

    def query(self, sql: str, **params):
        with self.app.app_context():
            return db.session.execute(db.text(sql), params).fetchall()

    def revoke(self, username: str) -> None:
        """Revoke every device of `username`, as a leader would."""
        from server.auth.service import revoke_device
        with self.app.app_context():
            user = db.session.execute(db.select(User).where(User.username == username)).scalar_one()
            for device in db.session.execute(db.select(Device).where(Device.user_id == user.id)).scalars():
                revoke_device(device, None)

    def reset_password(self, username: str, password: str) -> None:
        """A leader sets a new password: every token of the user ends (401 unauthorized, no erase)."""
        from server.auth.service import reset_password
        with self.app.app_context():
            user = db.session.execute(db.select(User).where(User.username == username)).scalar_one()
            reset_password(user, password, None)

    def disable(self, username: str) -> None:
        """An admin disables the user: each of the user's tablets holding a token gets an erase order."""
        from server.auth.service import set_active
        with self.app.app_context():
            user = db.session.execute(db.select(User).where(User.username == username)).scalar_one()
            set_active(user, False, None)
            db.session.commit()

    def set_villages(self, username: str, village_ids) -> None:
        from server.admin.service import set_villages
        with self.app.app_context():
            user = db.session.execute(db.select(User).where(User.username == username)).scalar_one()
            set_villages(user, village_ids)
            db.session.commit()

    def stop(self) -> None:
        self.listener.stop()
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()


class CutProxy:
    """A TCP proxy on 127.0.0.1 that can swallow a reply: the server commits, the client never hears back."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self._drop = threading.Event()
        self.dropped = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def drop_next_reply(self) -> None:
        self._drop.set()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            threading.Thread(target=self._pump, args=(client, upstream, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, True), daemon=True).start()

    def _pump(self, src, dst, is_reply):
        try:
            while data := src.recv(65536):
                if is_reply and self._drop.is_set():
                    # The server has answered, so it has committed: cut both sides, the reply goes nowhere.
                    self._drop.clear()
                    self.dropped += 1
                    break
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def close(self):
        self.listener.close()


@pytest.fixture
def server(tmp_path):
    live = LiveServer(tmp_path / "server.db")
    yield live
    live.stop()


@pytest.fixture
def proxy(server):
    cut = CutProxy(server.port)
    yield cut
    cut.close()


@pytest.fixture
def make_store(tmp_path):
    opened = []

    def make(name: str = "tablet", plain: bool = False) -> Store:
        key = None if plain else new_data_key()
        store = Store(tmp_path / f"{name}.sqlite3", key=key)
        store.test_key = key
        opened.append(store)
        return store
    yield make
    for store in opened:
        store.close()


@pytest.fixture
def store(make_store):
    return make_store()


@pytest.fixture
def tablet(server, make_store):
    """tablet(username, name=None, url=None) -> a logged-in (store, engine); url defaults to the server's."""
    def make(username: str, name: str | None = None, url: str | None = None, retries: int = 0):
        store = make_store(name or username + "-" + new_id()[-6:])
        engine = SyncEngine(store, ApiClient(url or server.url, retries=retries, backoff=0.05))
        engine.login(url or server.url, username, server.password)
        return store, engine
    return make
