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
- *state* (Core.state), what the app shows at start and after each step:
  LOGIN       no store of the last user: log in online;
  LOCKED      the user's encrypted store is closed and its key forgotten: the PIN opens it (unlock);
  LOCKED_OUT  MAX_FAILS wrong PINs (or no PIN yet): only an online login with the password opens it, through the
              device key (lock.py); every outbox entry and problem stays;
  SET_PIN     the store is open but has no PIN: after the first login, after a login that reset a forgotten PIN,
              and for a plain store from before encryption (set_pin then encrypts it in place);
  OPEN        unlocked; lock() closes the store and forgets the key (the app calls it after 5 minutes away);
  ERASED      the server ordered an erase (401 erase_required): every file of the user is gone; `erased` says why.
  The store syncs in SET_PIN and OPEN only. unlock, set_pin and login run on the worker: scrypt takes a moment.
Local reads and saves are quick sqlite3 calls: screens call them directly on `core.store` (or the helpers here).
"""
import queue
import threading
import time
from pathlib import Path

from shared.ids import new_id

from . import config, errlog
from .errlog import log
from .i18n import tr
from .lock import MAX_FAILS, KeyFile, WrongKey, new_data_key, pin_problem
from .setup import Tablet
from .store import Store, cipher
from .sync import ApiClient, SyncEngine
from .sync.client import wait_time
from .sync.errors import ApiError, AuthError, CertificateError, EraseRequired, Forbidden, Retryable, TooOld

PULL_EVERY = 600.0
FIRST_BACKOFF = 2.0
MAX_BACKOFF = 300.0
CLOCK_TOLERANCE = 300.0
BUSY = (429, 502, 503, 504)
LAST_USER = "last_user.txt"
LOGIN, LOCKED, LOCKED_OUT, SET_PIN, OPEN, ERASED = "login", "locked", "locked_out", "set_pin", "open", "erased"


def _direct(fn):
    fn()


class Core:
    def __init__(self, data_dir: str | Path | None = None, post=None, auto_sync: bool = True,
                 client_factory=ApiClient, first_backoff: float = FIRST_BACKOFF, max_backoff: float = MAX_BACKOFF,
                 first_sync_after: float = 0.0, clock=time.time):
        """Core over the per-user databases in `data_dir` (config.data_dir() when None), starting on the last user's
        (locked when it is encrypted). `clock` is the wall clock of the wrong-PIN waits (replaceable in tests).

        The worker's first scheduled sync comes `first_sync_after` seconds from now (a login or a save sooner)."""
        self.first_backoff, self.max_backoff = first_backoff, max_backoff
        self.data_dir = Path(data_dir) if data_dir else config.data_dir()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        errlog.setup(self.data_dir)
        self.post = post or _direct
        self.auto_sync = auto_sync
        self.tablet = Tablet(self.data_dir)  # the server, trust and name of this tablet (setup.py)
        self.client_factory = _trusting(client_factory, self.tablet)
        self.on_status = self.on_progress = self.on_sync_done = None
        self.clock = clock
        self.store: Store | None = None
        self.engine: SyncEngine | None = None
        self.state = LOGIN
        self.username: str | None = None
        self.erased: dict | None = None  # {reason, lost} of the last erase, for the erase screen
        self._data_key: bytes | None = None  # the open store's key, to wrap it again (set_pin, a new device key)
        self._device_key: str | None = None  # a plain store's last login's device key, until set_pin wraps with it
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
            self._start(last)
        self._thread = threading.Thread(target=self._work, name="doorstep-sync", daemon=True)
        self._thread.start()

    # --- account ---
    def last_user(self) -> str | None:
        """The username of the last login on this tablet, or None."""
        path = self.data_dir / LAST_USER
        return path.read_text(encoding="utf-8").strip() or None if path.exists() else None

    def _start(self, username: str) -> None:
        """The state of `username`'s files at start: locked, a plain store to encrypt, or nothing (log in)."""
        self.username = username
        keys, path = self.keys(username), config.db_path(username, self.data_dir)
        if keys.exists():
            self.state = LOCKED_OUT if keys.state(self.clock())["locked_out"] else LOCKED
        elif cipher.is_plain(path):
            self._open(username, None)  # from before encryption: it works as before until the PIN is set
            self.state = SET_PIN
        else:
            self.state = LOGIN

    def keys(self, username: str | None = None) -> KeyFile:
        """The key file of `username`'s store (the current user's by default)."""
        return KeyFile(config.key_path(username or self.username, self.data_dir))

    def _open(self, username: str, key: bytes | None, device_id: str | None = None) -> Store:
        """Open (creating if needed) this user's store with its data key (None: a plain store)."""
        self._close_store()
        self.store = Store(config.db_path(username, self.data_dir), key=key)
        if device_id:
            self.store.set_account(device_id=device_id)
        client = self.client_factory(self.store.get_meta("server_url") or self.tablet.server())
        self.engine = SyncEngine(self.store, client)
        self.username, self._data_key = username, key
        return self.store

    def logged_in(self) -> bool:
        """True when a user's store is open with a live token (the app may sync)."""
        return self.state in (OPEN, SET_PIN) and self.store is not None and self.store.account()["logged_in"]

    def login(self, server_url: str, username: str, password: str, on_done=None) -> None:
        """Log in on the worker thread; on_done({ok, kind, message, account}) through post(). Password not kept.

        After it, state is SET_PIN (a new store, a forgotten PIN reset, a plain store) or stays OPEN."""
        def task():
            try:
                account = self._login(server_url.strip().rstrip("/"), username, password)
                if self.keys(username).exists():
                    self.keys(username).set_server_url(server_url.strip().rstrip("/"))
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

    def _login(self, server_url: str, username: str, password: str) -> dict:
        keys, path = self.keys(username), config.db_path(username, self.data_dir)
        if self.store is not None and self.username == username and self.state in (OPEN, SET_PIN):
            # The token had ended: same store.
            account = self.engine.login(server_url, username, password, self.tablet.label())
            self._keep_device_key(self.engine.device_key)
            return account
        if keys.exists():  # locked: a forgotten PIN, or too many wrong ones
            device_id = keys.device_id()
            reply = self._login_reply(server_url, username, password, device_id)
            try:
                key = keys.try_device_key(reply["device_key"])
            except (WrongKey, ValueError, KeyError):
                if not keys.state(self.clock())["has_device"]:
                    # Wrapped with the PIN only (a store encrypted offline): the password proved who this is, so
                    # the PIN may be tried again. That login replaced the store's token: the next sync asks again.
                    keys.forgive()
                    self._close_store()
                    self.username, self.state = username, LOCKED
                    return {"username": username, "logged_in": False}
                # The server made a new device key: this device had an erase order (it was revoked while away).
                # Nobody can open the old store any more: it goes, and this login starts a new one.
                self._remove_files(username)
                return self._new_store(server_url, username, reply, device_id)
            self._open(username, key)
            self.engine.accept_login(server_url, username, reply)
            self.state = SET_PIN
            return self.store.account()
        if cipher.is_plain(path):  # another user's plain store from before encryption
            self._open(username, None)
            account = self.engine.login(server_url, username, password, self.tablet.label())
            self._keep_device_key(self.engine.device_key)
            self.state = SET_PIN
            return account
        device_id = new_id()
        reply = self._login_reply(server_url, username, password, device_id)
        self._remove_files(username)  # an unreadable leftover (no key file) of an earlier try
        return self._new_store(server_url, username, reply, device_id)

    def _login_reply(self, server_url: str, username: str, password: str, device_id: str) -> dict:
        """POST /auth/login for a store that is not open (its device id from the key file, or a new one)."""
        client = self.client_factory(server_url)
        client.device_id = device_id
        try:
            return client.login(username, password, device_label=self.tablet.label())
        finally:
            client.close()

    def _new_store(self, server_url: str, username: str, reply: dict, device_id: str) -> dict:
        """A new encrypted store: its key file first (wrapped with the device key), then the database."""
        key = new_data_key()
        self._close_store()
        self.keys(username).create(device_id, key, device_key=reply["device_key"])
        self._open(username, key, device_id=device_id)
        self.engine.accept_login(server_url, username, reply)
        self.state = SET_PIN
        return self.store.account()

    def _keep_device_key(self, device_key: str | None) -> None:
        """Wrap the open store's key with the login's device key (a plain store keeps it until set_pin)."""
        if not device_key:
            return
        if self.store.encrypted:
            self.keys().set_device_key(self._data_key, device_key)
        else:
            self._device_key = device_key

    # --- the PIN ---
    def set_pin(self, pin: str, on_done=None) -> None:
        """Wrap the store's key with a new PIN (ValueError unless 6 digits, not trivial); a plain store is encrypted
        in place first. On the worker; on_done({ok, kind, message}); state becomes OPEN."""
        problem = pin_problem(pin)
        if problem:
            raise ValueError(problem)
        if self.state != SET_PIN or self.store is None:
            raise RuntimeError(f"set_pin in state {self.state}")

        def task():
            try:
                username, keys = self.username, self.keys()
                if self.store.encrypted:
                    keys.set_pin(self._data_key, pin)
                else:
                    key, device_id, device_key = new_data_key(), self.engine.device_id(), self._device_key
                    path = self.store.path
                    self._close_store()
                    cipher.encrypt_plain(path, key, before_rename=lambda: keys.create(
                        device_id, key, pin=pin, device_key=device_key))
                    self._open(username, key)
                    self._device_key = None
                self.state = OPEN
                outcome = {"ok": True, "kind": None, "message": None}
                self.request_sync()
            except Exception as exc:
                log.error("setting the PIN failed", exc_info=exc)
                if self.store is None:  # the encryption failed: the plain store is still whole
                    self._open(self.username, None)
                outcome = {"ok": False, "kind": "error", "message": tr("pin.error.error")}
            self._deliver(on_done, outcome)
            self._notify()
        self._tasks.put(task)

    def unlock(self, pin: str, on_done=None) -> None:
        """Try the PIN on the worker; on_done({ok, kind, message, wait, left}) with kind None, "wrong_pin", "wait"
        (a wait is running: nothing tried), "locked_out" (only an online login opens it now) or "error"."""
        def task():
            outcome = self._unlock(pin)
            seconds = int(-(-outcome.get("wait", 0) // 1))
            outcome["message"] = tr(f"pin.error.{outcome['kind']}", left=outcome.get("left"),
                                    seconds=seconds) if outcome["kind"] else None
            if outcome["kind"] == "wrong_pin" and seconds:
                outcome["message"] += " " + tr("pin.wait", seconds=seconds)
            self._deliver(on_done, outcome)
            self._notify()
        self._tasks.put(task)

    def _unlock(self, pin: str) -> dict:
        keys = self.keys()
        now = self.clock()
        state = keys.state(now)
        if state["locked_out"]:
            self.state = LOCKED_OUT
            return {"ok": False, "kind": "locked_out"}
        if state["wait"] > 0:
            return {"ok": False, "kind": "wait", "wait": state["wait"]}
        try:
            key = keys.try_pin(pin, now)
        except WrongKey:
            state = keys.state(now)
            if state["locked_out"]:
                self.state = LOCKED_OUT
                return {"ok": False, "kind": "locked_out"}
            return {"ok": False, "kind": "wrong_pin", "left": MAX_FAILS - state["fails"], "wait": state["wait"]}
        try:
            path = config.db_path(self.username, self.data_dir)
            if cipher.is_plain(path):  # an encryption cut short after its key file was written: finish it
                cipher.encrypt_plain(path, key)
            self._open(self.username, key)
        except Exception as exc:
            log.error("opening the store failed", exc_info=exc)
            return {"ok": False, "kind": "error"}
        self.state = OPEN
        self.request_sync()
        return {"ok": True, "kind": None}

    def pin_server(self) -> str | None:
        """The server address of the current user's locked store (kept in its key file), or None."""
        keys = self.keys() if self.username else None
        return keys.server_url() if keys and keys.exists() else None

    def pin_state(self) -> dict:
        """The key file's {has_pin, has_device, fails, wait, locked_out} (what the PIN screen shows)."""
        return self.keys().state(self.clock())

    def lock(self) -> bool:
        """Close the store and forget its key (after the current task of the worker); False unless OPEN."""
        if self.state != OPEN:
            return False
        self.state = LOCKED

        def close():
            # On the worker, once its task is done: its own connection now, the UI thread's on the UI thread (post),
            # between two of its callbacks, so that no read of a screen has its connection closed under it.
            store = self.store
            if self.state != LOCKED or store is None:
                return
            store.release()
            self._close_store(close=False)
            self.post(lambda: store.close(forget=True))
        self._tasks.put(close)
        self._notify()
        return True

    # --- remote erase ---
    def _erase(self, reason: str) -> None:
        """The server ordered an erase: remove every file of the user, then tell the server (POST /auth/erased)."""
        client, username = self.engine.client, self.username
        url, device_id, token = client.base_url, client.device_id, client.token
        lost = self.store.pending() + len(self.store.problems())
        self._close_store()
        self._remove_files(username)
        last = self.data_dir / LAST_USER
        if last.exists() and last.read_text(encoding="utf-8").strip() == username:
            last.unlink()
        self.state, self.username, self.erased = ERASED, None, {"reason": reason, "lost": lost}
        teller = self.client_factory(url)
        teller.device_id, teller.token = device_id, token
        try:
            teller.erased()
        except ApiError as exc:  # the data is gone all the same; the dashboard will not say when
            log.warning("the server was not told of the erase: HTTP %s %s", exc.status, exc.code or "-")
        finally:
            teller.close()

    def _remove_files(self, username: str) -> None:
        """Delete the user's database, its -wal/-shm and leftovers, and its key file."""
        path, keys = config.db_path(username, self.data_dir), config.key_path(username, self.data_dir)
        for file in (path, *cipher.side_files(path), keys, keys.with_name(keys.name + ".tmp")):
            file.unlink(missing_ok=True)
        cipher.sync_dir(self.data_dir)

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
        self.work_list().touch([household_id])
        return self._changed(self.store.log_visit(household_id, **visit))

    def undo_visit(self, visit_id: str) -> str | None:
        """store.undo_visit(...) (the Undo after "Vắng nhà"): removed if unsent, else voided; then a sync soon."""
        visit = self.store.visit(visit_id)
        self.work_list().touch([visit and visit["household_id"]])
        return self._changed(self.store.undo_visit(visit_id))

    def work_list(self):
        """The open store's WorkList (worklist.py), made on first use and kept while the store stays open."""
        if getattr(self, "_work_list", None) is None or self._work_list.store is not self.store:
            from .worklist import WorkList
            self._work_list = WorkList(self.store)
        return self._work_list

    def save_household(self, data: dict, id: str | None = None) -> str:
        """store.save_household(...), then a sync soon when online; returns the household id."""
        saved = self.store.save_household(data, id=id)
        self.work_list().touch([saved])
        return self._changed(saved)

    def save_resident(self, data: dict, id: str | None = None) -> str:
        """store.save_resident(...), then a sync soon when online; returns the resident id."""
        saved = self.store.save_resident(data, id=id)
        self.work_list().touch([(self.store.resident(saved) or {}).get("household_id")])
        return self._changed(saved)

    def delete_resident(self, resident_id: str) -> None:
        """store.delete_resident(...), then a sync soon when online."""
        self.work_list().touch([(self.store.resident(resident_id) or {}).get("household_id")])
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
        if self.store.encrypted:
            self.keys().set_server_url(url)
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
            self._add_device_wrap()
            from .worklist import keep_walk_order
            keep_walk_order(self.store)  # a first pull's walk order is made here, not while Home waits
        except EraseRequired as exc:
            self.syncing = False
            self._erase(exc.reason)
            self._deliver(self.on_sync_done, {"ok": False, "kind": "erased", "reason": exc.reason,
                                              "message": tr(f"erase.reason.{exc.reason}"), "result": None})
            self._notify()
            return
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
        if self._sync_wanted and outcome["ok"] and self.store is not None and self.store.pending():
            self.request_sync()  # a visit saved during the sync: send it now

    def _add_device_wrap(self) -> None:
        """A store encrypted without a device key (offline, from a plain one) gets its second wrap at its next sync."""
        if self.store.encrypted and self.state == OPEN and not self.keys().state(self.clock())["has_device"]:
            try:
                self.keys().set_device_key(self._data_key, self.engine.client.device_key())
            except EraseRequired:
                raise
            except ApiError as exc:
                log.warning("no device key yet: HTTP %s %s", exc.status, exc.code or "-")

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

    def _close_store(self, close: bool = True) -> None:
        if self.engine:
            self.engine.client.close()
        if self.store and close:
            self.store.close(forget=True)
        self.store = self.engine = None
        self._data_key = None


def _trusting(factory, tablet):
    """`factory`, whose clients check certificates as the tablet's setup says (a baked CA bundle, a pin)."""
    def make(url):
        client = factory(url)
        if getattr(client, "trust", False) is None:  # an ApiClient made without a trust of its own
            client.trust = tablet.trust()
        return client
    return make


def _outcome_of(exc: Exception, doing: str) -> dict:
    """An exception as {ok: False, kind, message} for the screen; what was not expected goes to the error log."""
    if isinstance(exc, CertificateError):
        kind = "certificate"  # a setup problem, said in words of its own, not "no connection"
    elif isinstance(exc, Retryable):
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
