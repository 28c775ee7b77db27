"""One sync of the field app: push the outbox, then pull the scope (docs/protocol.md).

Terms:
- a *sync* is `run()`: push every outbox batch, then pull pages until the server has no more;
- *progress* is reported as progress(phase, done, total): phase "push" counts changes (total = outbox size at the
  start), phase "pull" counts pulled changes (total None: the server does not say how many remain).
Guarantees kept here: an outbox entry leaves only when a reply names it (store.apply_push_results); each pulled page
and its cursor are written in one local transaction (store.apply_pull); a 410 pulls from zero keeping the outbox;
a 401 stops with the outbox intact and the account marked as needing login; a 401 erase_required stops at once
(nothing more is pushed) and is raised for the core to erase the store.
Restore: every request names the server database's identity this store knows (store.database_id()). When the
server answers 409 database_changed (it was restored from a backup), the sync *recovers*: it sends the digest of
what the store holds, puts what the server lacks or holds older first in the outbox (store.requeue), pushes, then
pulls from zero; the new identity is stored only once all of it went through, so a recovery cut short runs again.
"""
import platform

from shared.ids import new_id

from .client import ApiClient
from .errors import AuthError, DatabaseChanged, EraseRequired, ResetRequired

PULL_LIMIT = 1000
"""Records per pull page: the server's most (shared.schemas.MAX_PULL_LIMIT). On a village's 3G link every page costs
a round trip of ~300 ms: a village's first download took 6.2-6.5 s in pages of 1,000 against 7.7 s in pages of 500
(bench/link_bench.py, docs/performance.md)."""


def _quiet(phase, done, total):
    pass


class SyncEngine:
    def __init__(self, store, client: ApiClient | None = None):
        """Sync `store` through `client` (made from the store's server_url when None)."""
        self.store = store
        self.client = client or ApiClient(store.get_meta("server_url") or "http://127.0.0.1:5000")
        self.last_recovery: dict | None = None
        """What the last recovery after a server restore sent again ({resent}), or None."""
        self.device_key: str | None = None
        """The last login's device key (contract A), in memory only, for the core to wrap the data key with."""
        self._load_credentials()

    def _load_credentials(self) -> None:
        self.client.device_id = self.device_id()
        self.client.token = self.store.get_meta("token")

    def device_id(self) -> str:
        """This store's device id: made once, kept for good (the server ties tokens and batches to it)."""
        device_id = self.store.get_meta("device_id")
        if device_id is None:
            device_id = new_id()
            self.store.set_account(device_id=device_id)
        return device_id

    def login(self, server_url: str, username: str, password: str, device_label: str | None = None) -> dict:
        """Log this device in (POST /auth/login) and keep the token, user and scope; returns the store's account().
        `device_label` is the tablet's name for the dashboard (the computer's name when None)."""
        self.client.base_url = server_url.rstrip("/")
        self.client.device_id = self.device_id()
        reply = self.client.login(username, password, device_label=(device_label or platform.node())[:100])
        self.accept_login(self.client.base_url, username, reply)
        return self.store.account()

    def accept_login(self, server_url: str, username: str, reply: dict) -> None:
        """Keep a login reply's token, user and scope in the store (the device_key is never kept: lock.py wraps)."""
        if (self.store.get_meta("server_url") or "").rstrip("/") != server_url.rstrip("/"):
            self.store.set_meta(database_id=None)  # another server: its database is not the one this store knew
        self.client.base_url = server_url.rstrip("/")
        self.client.token = reply["token"]
        self.device_key = reply.get("device_key")
        self.store.set_account(server_url=self.client.base_url, username=username, user=reply["user"],
                               scope=reply["scope"], token=reply["token"], needs_login=None)

    def logout(self) -> None:
        """Revoke the token on the server when reachable, and forget it here; the data and outbox stay."""
        try:
            if self.client.token:
                self.client.logout()
        except Exception:  # offline or already revoked: forgetting the token locally is what matters
            pass
        self.client.token = None
        self.store.set_account(token=None)

    def probe(self) -> bool:
        """True when the server answers."""
        return self.client.probe()

    def run(self, progress=None) -> dict:
        """Push then pull; returns {pushed: {status: count}, pulled, bytes_up, bytes_down}. Raises the client's errors."""
        progress = progress or _quiet
        self._load_credentials()
        if not self.client.token:
            raise AuthError(401, "Log in first.")
        self.client.database_id = self.store.database_id()
        try:
            try:
                pushed = self._push(progress)
                pulled = self._pull(progress)
            except DatabaseChanged:
                pushed, pulled = self._recover(progress)
            if self.client.database_id is None and self.client.seen_database_id:
                self.store.set_meta(database_id=self.client.seen_database_id)  # the first sync that hears one
        except EraseRequired:
            raise  # the core erases everything: nothing to mark
        except AuthError:
            self.store.set_account(needs_login=True, token=None)
            self.client.token = None
            raise
        self.store.mark_synced()
        return {"pushed": pushed, "pulled": pulled, "bytes_up": self.client.bytes_up,
                "bytes_down": self.client.bytes_down}

    def _recover(self, progress) -> tuple[dict, int]:
        """After 409 database_changed: digest, requeue, push, pull from zero (see the module's terms)."""
        for attempt in range(2):
            self.client.database_id = None  # the digest is not checked against an identity
            resend, identity = [], None
            for page in self.store.digest_pages():
                reply = self.client.digest(page)
                resend.extend(reply["resend"])
                identity = reply["database_id"]
            self.store.requeue(resend)
            self.client.database_id = identity
            try:
                pushed = self._push(progress)
                self.store.reset_for_full_pull()
                pulled = self._pull(progress)
            except DatabaseChanged:  # renewed again meanwhile: once more from the digest
                if attempt:
                    raise
                continue
            self.store.set_meta(database_id=identity)
            self.last_recovery = {"resent": len(resend)}
            return pushed, pulled
        raise AssertionError("unreachable")

    def _push(self, progress) -> dict:
        total, done, counts = self.store.pending(), 0, {}
        progress("push", 0, total)
        while (batch := self.store.next_batch()) is not None:
            reply = self.client.push(batch["batch_id"], batch["changes"])
            if reply.get("batch_id") != batch["batch_id"] or len(reply.get("results", ())) != len(batch["changes"]):
                raise ValueError("the server's reply does not match the batch sent")
            for status, count in self.store.apply_push_results(batch, reply["results"]).items():
                counts[status] = counts.get(status, 0) + count
            done += len(batch["changes"])
            progress("push", done, max(total, done))
        return counts

    def _pull(self, progress) -> int:
        pulled = 0
        progress("pull", 0, None)
        self.store.pull_start()
        for attempt in range(2):
            try:
                while True:
                    page = self.client.pull(self.store.cursor(), PULL_LIMIT)
                    self.store.apply_pull(page["changes"], page["cursor"])
                    pulled += len(page["changes"])
                    progress("pull", pulled, None)
                    if not page["has_more"]:
                        return pulled
            except ResetRequired:
                if attempt:
                    raise
                self.store.reset_for_full_pull()
        return pulled
