"""What the screens call: the user's Store, the SyncEngine, and ONE worker thread for all network work.

Terms:
- *post(fn)*: how results reach the UI. The app passes `lambda fn: Clock.schedule_once(lambda dt: fn())` so that
  callbacks run on the UI thread; the default calls them directly (tests, scripts). This module never imports kivy.
- *listeners*: callables the UI sets, each called through post():
  on_status(status)            status() (store.sync_status() plus {online, syncing, error, clock_off}), after
                               anything changes;
  on_progress(phase, done, total)  during a sync (see sync/engine.py);
  on_sync_done(outcome)        outcome = {ok, kind, message, result}; kind is None, "offline" (no connection),
                               "busy" (the server asked to come back later: 429, 502-504), "login_needed",
                               "forbidden", "too_old" or "error"; message is the kind in the official's language.
- *auto-sync*: when logged in, the worker syncs right after a login, after each local save (visit, household,
  resident) and every PULL_EVERY seconds; when the server cannot be reached it probes again after a jittered, growing
  delay (first_backoff doubling up to max_backoff), honouring Retry-After. "busy" is handled like "offline".
- *clock*: each sync compares the tablet's clock with the server's `Date` header; status()["clock_off"] is the
  difference in seconds (server minus tablet) when it is more than CLOCK_TOLERANCE, for a warning only: nothing is
  refused or reordered because of it.
- *error log*: errlog.py, in the data folder; an unexpected exception is logged there (type and where) and the
  official reads a sentence of the catalog, never the exception's name.
Local reads and saves are quick sqlite3 calls: screens call them directly on `core.store` (or the helpers here).
"""
import queue
import threading
import time
from pathlib import Path

from . import config, errlog
from .errlog import log
from .i18n import tr
from .store import Store
from .sync import ApiClient, SyncEngine
from .sync.client import wait_time
from .sync.errors import ApiError, AuthError, Forbidden, Retryable, TooOld

PULL_EVERY = 600.0
FIRST_BACKOFF = 2.0
MAX_BACKOFF = 300.0
CLOCK_TOLERANCE = 300.0
BUSY = (429, 502, 503, 504)
LAST_USER = "last_user.txt"


def _direct(fn):
    fn()


class Core:
    def __init__(self, data_dir: str | Path | None = None, post=None, auto_sync: bool = True,
                 client_factory=ApiClient, first_backoff: float = FIRST_BACKOFF, max_backoff: float = MAX_BACKOFF,
                 first_sync_after: float = 0.0):
        """Core over the per-user databases in `data_dir` (config.data_dir() when None); opens the last user's.

        The worker's first scheduled sync comes `first_sync_after` seconds from now (a login or a save sooner)."""
        self.first_backoff, self.max_backoff = first_backoff, max_backoff
        self.data_dir = Path(data_dir) if data_dir else config.data_dir()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        errlog.setup(self.data_dir)
        self.post = post or _direct
        self.auto_sync = auto_sync
        self.client_factory = client_factory
        self.on_status = self.on_progress = self.on_sync_done = None
        self.store: Store | None = None
        self.engine: SyncEngine | None = None
        self.online: bool | None = None
        self.syncing = False
        self.last_error: str | None = None
        self._fails = 0
        self._next_tick = time.monotonic() + first_sync_after
        self._sync_wanted = True
        self._tasks: queue.Queue = queue.Queue()
        self._stopped = False
        last = self.last_user()
        if last:
            self.open_user(last)
        self._thread = threading.Thread(target=self._work, name="doorstep-sync", daemon=True)
        self._thread.start()

    # --- account ---
    def last_user(self) -> str | None:
        """The username of the last login on this tablet, or None."""
        path = self.data_dir / LAST_USER
        return path.read_text(encoding="utf-8").strip() or None if path.exists() else None

    def open_user(self, username: str) -> Store:
        """Open (creating if needed) this user's store; the app then works offline with it."""
        path = config.db_path(username, self.data_dir)
        if self.store is not None and Path(self.store.path) == path:
            return self.store
        self._close_store()
        self.store = Store(path)
        client = self.client_factory(self.store.get_meta("server_url") or config.default_server())
        self.engine = SyncEngine(self.store, client)
        return self.store

    def logged_in(self) -> bool:
        """True when a user's store is open with a live token (the app may sync)."""
        return self.store is not None and self.store.account()["logged_in"]

    def login(self, server_url: str, username: str, password: str, on_done=None) -> None:
        """Log in on the worker thread; on_done({ok, kind, message, account}) through post(). Password not kept."""
        def task():
            try:
                self.open_user(username)
                account = self.engine.login(server_url, username, password)
                (self.data_dir / LAST_USER).write_text(username, encoding="utf-8")
                self.online, self._fails = True, 0
                # The worker had put its next try PULL_EVERY away while nobody was logged in: sync now instead,
                # for the villages' households and whatever waited in the outbox for this login.
                self.request_sync()
                outcome = {"ok": True, "kind": None, "message": None, "account": account}
            except Exception as exc:  # reported to the screen, never raised on the worker
                outcome = {**_outcome_of(exc, "login"), "account": None}
                if isinstance(exc, AuthError):
                    outcome["kind"] = "bad_credentials"  # at login a 401 means a wrong username or password
                elif isinstance(exc, Retryable) and exc.status == 429:
                    outcome["kind"] = "too_many_logins"  # too many failures: the server shut this username a while
                    outcome["minutes"] = -(-int(exc.retry_after or 60) // 60)
                outcome["message"] = tr(f"login.error.{outcome['kind']}", minutes=outcome.get("minutes"))
            self._note_clock()
            self._deliver(on_done, outcome)
            self._notify()
        self._tasks.put(task)

    def logout(self, on_done=None) -> None:
        """Revoke and forget the token (on the worker); unsynced changes stay in the user's store."""
        def task():
            if self.engine:
                self.engine.logout()
            self._deliver(on_done, {"ok": True, "kind": None, "message": None})
            self._notify()
        self._tasks.put(task)

    # --- local work the screens do, with the sync it calls for ---
    def log_visit(self, household_id: str, **visit) -> str:
        """store.log_visit(...), then a sync soon when online; returns the visit id."""
        return self._changed(self.store.log_visit(household_id, **visit))

    def save_household(self, data: dict, id: str | None = None) -> str:
        """store.save_household(...), then a sync soon when online; returns the household id."""
        return self._changed(self.store.save_household(data, id=id))

    def save_resident(self, data: dict, id: str | None = None) -> str:
        """store.save_resident(...), then a sync soon when online; returns the resident id."""
        return self._changed(self.store.save_resident(data, id=id))

    def delete_resident(self, resident_id: str) -> None:
        """store.delete_resident(...), then a sync soon when online."""
        self.store.delete_resident(resident_id)
        self._changed(None)

    def discard_problem(self, problem_id: int) -> None:
        """store.discard_problem(...) (the screen asked first), then a sync soon: it may pull the server's rows."""
        self.store.discard_problem(problem_id)
        self._changed(None)

    def _changed(self, result):
        # Offline, a save must not cut the backoff short: the worker's next probe will find the server.
        self.request_sync(soon=self.online is not False)
        self._notify()
        return result

    def set_server(self, url: str) -> str:
        """Talk to the server at `url` from now on (kept in the store); ValueError unless http(s). Returns the url."""
        url = url.strip().rstrip("/")
        if not url.startswith(("http://", "https://")) or len(url) <= len("https://"):
            raise ValueError(url)
        self.store.set_account(server_url=url)
        self.engine.client.base_url = url
        # A new address may answer where the old one did not: try it now rather than after the backoff.
        self._fails, self.online = 0, None
        self.request_sync()
        self._notify()
        return url

    def request_sync(self, soon: bool = True) -> None:
        """Ask the worker for a sync: now (soon=True) or at its next scheduled try."""
        self._sync_wanted = True
        if soon:
            self._next_tick = time.monotonic()
            self._tasks.put(lambda: None)  # wakes the worker

    def sync_now(self) -> None:
        """The "Sync now" button: sync at once, whatever the backoff."""
        self._fails = 0
        self.request_sync(soon=True)

    def status(self) -> dict:
        """store.sync_status() plus {online, syncing, error, clock_off}: what the status bar shows."""
        base = self.store.sync_status() if self.store else {"last_sync_at": None, "pending": 0, "problems": 0,
                                                             "needs_login": True}
        skew = self.store.get_meta("clock_skew") if self.store else None
        clock_off = skew if skew is not None and abs(skew) > CLOCK_TOLERANCE else None
        return {**base, "online": self.online, "syncing": self.syncing, "error": self.last_error,
                "clock_off": clock_off}

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the worker (after its current task) and close the store."""
        self._stopped = True
        self._tasks.put(lambda: None)
        self._thread.join(timeout)
        self._close_store()

    # --- the worker ---
    def _work(self) -> None:
        while not self._stopped:
            wait = max(0.0, self._next_tick - time.monotonic())
            try:
                task = self._tasks.get(timeout=wait if self.auto_sync else None)
            except queue.Empty:
                task = None
            if self._stopped:
                return
            if task is not None:
                try:
                    task()
                except Exception as exc:  # the worker must outlive a bug in one task
                    log.error("a task of the sync worker failed", exc_info=exc)
            if self.auto_sync and time.monotonic() >= self._next_tick:
                self._tick()

    def _tick(self) -> None:
        """One scheduled step: probe when offline, sync when wanted or due, then plan the next step."""
        if not self.logged_in():
            self._next_tick = time.monotonic() + PULL_EVERY
            return
        if self.online is False and not self.engine.probe():
            return self._back_off(None)
        self._sync_once()

    def _sync_once(self) -> None:
        self.syncing, self._sync_wanted = True, False
        self._notify()
        outcome = {"ok": True, "kind": None, "message": None, "result": None}
        try:
            outcome["result"] = self.engine.run(progress=self._progress)
            self.online, self._fails, self.last_error = True, 0, None
            self._next_tick = time.monotonic() + PULL_EVERY
        except Exception as exc:  # every failure becomes an outcome for the screen
            outcome = {**_outcome_of(exc, "sync"), "result": None}
            self.last_error = outcome["kind"]
            if isinstance(exc, Retryable):
                self._sync_wanted = True
                self._back_off(exc.retry_after)
            else:
                self._next_tick = time.monotonic() + PULL_EVERY
        finally:
            self._note_clock()
            self.syncing = False
        self._deliver(self.on_sync_done, outcome)
        self._notify()
        if self._sync_wanted and outcome["ok"] and self.store.pending():
            self.request_sync()  # a visit saved during the sync: send it now

    def _back_off(self, retry_after: float | None) -> None:
        self.online = False
        delay = wait_time(self._fails, self.first_backoff, retry_after, cap=self.max_backoff)
        self._fails += 1
        self._next_tick = time.monotonic() + max(delay, 0.2)
        self._notify()

    def _note_clock(self) -> None:
        """Keep the last clock difference the client measured, for status() (and after a restart)."""
        skew = self.engine.client.clock_skew if self.engine else None
        if skew is not None and self.store is not None:
            self.store.set_meta(clock_skew=round(skew))

    def _progress(self, phase, done, total) -> None:
        if self.on_progress:
            self.post(lambda: self.on_progress(phase, done, total))

    def _notify(self) -> None:
        if self.on_status:
            status = self.status()
            self.post(lambda: self.on_status(status))

    def _deliver(self, callback, outcome) -> None:
        if callback:
            self.post(lambda: callback(outcome))

    def _close_store(self) -> None:
        if self.engine:
            self.engine.client.close()
        if self.store:
            self.store.close()
        self.store = self.engine = None


def _outcome_of(exc: Exception, doing: str) -> dict:
    """An exception as {ok: False, kind, message} for the screen; what was not expected goes to the error log."""
    if isinstance(exc, Retryable):
        kind = "offline" if exc.status is None else "busy" if exc.status in BUSY else "error"
    elif isinstance(exc, AuthError):
        kind = "login_needed"
    elif isinstance(exc, Forbidden):
        kind = "forbidden"
    elif isinstance(exc, TooOld):
        kind = "too_old"
    else:
        kind = "error"
    if kind == "error":
        # Status and code only: the server's message may quote what was sent. Not the exception's text either.
        if isinstance(exc, ApiError):
            log.error("%s failed: HTTP %s %s", doing, exc.status, exc.code or "-")
        else:
            log.error("%s failed", doing, exc_info=exc)
    return {"ok": False, "kind": kind, "message": tr(f"sync.error.{kind}")}
