"""Core against a server that is busy, a tablet whose clock is wrong, and a bug: what the official reads and what the
error log keeps. A real server on 127.0.0.1 (tests/fieldapp/conftest.py); no window."""
import json
import logging
import time

from fieldapp import errlog
from fieldapp.core import Core
from fieldapp.i18n import tr
from fieldapp.sync import ApiClient
from tests.fieldapp.conftest import Listener
from tests.fieldapp.test_core import _wait, set_pin, unlock


class Busy:
    """The server's app behind a switch: while on, every /sync request answers 503 with Retry-After, as the server
    does when its database is unreachable."""

    def __init__(self, app, retry_after: int = 1):
        self.app, self.on, self.retry_after, self.hits = app, True, retry_after, []

    def __call__(self, environ, start_response):
        if self.on and environ["PATH_INFO"].startswith("/api/v1/sync"):
            self.hits.append(time.monotonic())
            body = json.dumps({"error": {"code": "unavailable", "message": "Database unavailable.",
                                         "fields": {}}}).encode()
            start_response("503 SERVICE UNAVAILABLE", [("Content-Type", "application/json"),
                                                       ("Content-Length", str(len(body))),
                                                       ("Retry-After", str(self.retry_after))])
            return [body]
        return self.app(environ, start_response)


def test_503_is_like_offline_the_outbox_stays_and_the_retry_waits_for_retry_after(server, tmp_path):
    busy = Busy(server.app)
    front = Listener(busy)
    url = f"http://127.0.0.1:{front.port}"
    # A backoff of a minute of its own: only the server's Retry-After (1 s) can bring the next try this soon.
    core = Core(tmp_path / "data", first_backoff=60, client_factory=lambda u: ApiClient(u, retries=0))
    outcomes = []
    core.on_sync_done = outcomes.append
    try:
        logins = []
        core.login(url, server.world.official, server.password, on_done=logins.append)
        assert _wait(lambda: logins) and logins[0]["ok"]
        hid = core.save_household({"village_id": server.world.a1, "address": "7", "head_name": "Vũ Văn Nam"})
        core.log_visit(hid, status="not_home")
        assert _wait(lambda: len(busy.hits) >= 4), "the tablet did not try again after Retry-After"
        assert core.status()["online"] is False and core.status()["error"] == "busy"
        assert core.status()["pending"] == 2 and core.store.problems() == []
        # From the second try on (the saves above may each have asked for a sync at once), one a second apart.
        assert all(later - earlier >= 0.9 for earlier, later in zip(busy.hits[1:], busy.hits[2:]))
        failed = [o for o in outcomes if not o["ok"]]
        assert {o["kind"] for o in failed} == {"busy"}
        assert failed[0]["message"] == tr("sync.error.busy") and "Máy chủ đang bận" in failed[0]["message"]
        assert server.count("households") == 0
        busy.on = False
        assert _wait(lambda: core.status()["pending"] == 0 and core.status()["online"] is True)
        assert server.count("households") == 1 and server.count("visits") == 1 and core.status()["error"] is None
    finally:
        core.stop()
        front.stop()


def _client_with_clock(offset: float):
    def make(url):
        client = ApiClient(url, retries=0)
        client.clock = lambda: time.time() + offset  # the tablet's clock only; the server's Date is real
        return client
    return make


def test_a_tablet_clock_three_hours_ahead_is_warned_about_and_changes_nothing_else(server, tmp_path):
    core = Core(tmp_path / "ahead", client_factory=_client_with_clock(3 * 3600))
    try:
        core.login(server.url, server.world.official, server.password)
        assert _wait(lambda: core.status()["last_sync_at"] and not core.syncing)
        off = core.status()["clock_off"]
        assert off is not None and abs(off + 3 * 3600) <= 5  # server minus tablet: negative, the tablet is ahead
        hid = core.save_household({"village_id": server.world.a1, "address": "2", "head_name": "Lê Văn Tám"})
        core.log_visit(hid, status="not_home")
        assert _wait(lambda: core.status()["pending"] == 0 and server.count("visits") == 1)
        assert core.store.problems() == []
        assert set_pin(core)["ok"]
    finally:
        core.stop()
    again = Core(tmp_path / "ahead", auto_sync=False)  # the warning stays after a restart, until the next sync
    assert unlock(again)["ok"]
    assert again.status()["clock_off"] == off
    again.stop()


def test_a_clock_within_five_minutes_is_not_warned_about(server, tmp_path):
    core = Core(tmp_path / "close", client_factory=_client_with_clock(-4 * 60))
    try:
        core.login(server.url, server.world.official, server.password)
        assert _wait(lambda: core.status()["last_sync_at"] and not core.syncing)
        assert core.status()["clock_off"] is None
        assert 230 <= core.store.get_meta("clock_skew") <= 250
    finally:
        core.stop()


NAME, PHONE = "Nguyễn Văn Ánh", "0905123456"


class Buggy(ApiClient):
    """A client with a bug in reading a pull, whose exception carries a resident's name and phone."""

    def pull(self, since, limit=500):
        raise KeyError(f"{NAME} {PHONE}")


def test_a_bug_reads_as_a_sentence_and_is_logged_without_personal_data(server, tmp_path):
    core = Core(tmp_path / "data", client_factory=Buggy)
    outcomes = []
    core.on_sync_done = outcomes.append
    try:
        core.login(server.url, server.world.official, server.password)
        assert _wait(lambda: outcomes)
        token = core.store.get_meta("token")
        core.log_visit(core.save_household({"village_id": server.world.a1, "address": "Số 12 Lê Lợi",
                                            "head_name": NAME, "phone": PHONE}), notes="ghi chú riêng")
        assert _wait(lambda: len(outcomes) >= 2)
    finally:
        core.stop()
    assert outcomes[0] == {"ok": False, "kind": "error", "message": tr("sync.error.error"), "result": None}
    assert "KeyError" not in outcomes[0]["message"] and "máy chủ" in outcomes[0]["message"].lower()
    for handler in errlog.log.handlers:
        handler.flush()
    text = (tmp_path / "data" / errlog.FILE).read_text(encoding="utf-8")
    assert "sync failed" in text and "builtins.KeyError at" in text and "fieldapp/sync/engine.py" in text
    for secret in (NAME, PHONE, "Lê Lợi", "ghi chú", token, str(tmp_path)):
        assert secret not in text


def test_the_error_log_rotates_at_256_kb_keeping_three(tmp_path):
    path = errlog.setup(tmp_path)
    try:
        (handler,) = errlog.log.handlers
        assert (handler.maxBytes, handler.backupCount, handler.baseFilename) == (256 * 1024, 3, path)
        for _ in range(12000):
            errlog.log.error("a fixed line of about a hundred characters, written again and again and again")
        files = sorted(p.name for p in tmp_path.iterdir())
        assert files == ["errors.log", "errors.log.1", "errors.log.2", "errors.log.3"]
        assert all(p.stat().st_size <= 256 * 1024 for p in tmp_path.iterdir())
        assert errlog.log.level == logging.WARNING and not errlog.log.propagate
    finally:
        for h in list(errlog.log.handlers):
            errlog.log.removeHandler(h)
            h.close()
