"""Local changes: households, residents and visits saved on the tablet, each with its outbox entry in one write.

Terms:
- an *outbox entry* is one change for the server: {table, op, row_id, base_version, data}, in `outbox`;
- an entry is *in flight* once it has a batch_id: it was (or is about to be) sent, so it is frozen;
- *coalescing*: a second edit of a household or resident whose entry is not in flight is merged into that entry,
  so the server gets one change with the first base_version and every changed field.
Edits send only the changed fields with the version they were made against (docs/protocol.md, per-field merge).
"""
import json
from datetime import date, datetime, timezone

from shared.ids import new_id
from shared.wire import HOUSEHOLD_FIELDS, RESIDENT_FIELDS

from .. import config
from . import marks
from .reads import utc_text

_SCHEMAS: dict = {}  # made at the first save: marshmallow costs ~0.1 s that the first screen need not wait for


class InvalidData(ValueError):
    """The data would be refused by the server; `errors` maps each field to its messages (marshmallow's shape)."""

    def __init__(self, errors: dict):
        super().__init__(f"invalid fields: {', '.join(map(str, errors))}")
        self.errors = errors


def check(table: str, data: dict, partial: bool = False) -> None:
    """Raise InvalidData when the server's schema would refuse `data`."""
    from marshmallow import ValidationError

    if not _SCHEMAS:
        from shared.schemas import HouseholdData, ResidentData, VisitData
        _SCHEMAS.update(households=HouseholdData(), residents=ResidentData(), visits=VisitData())
    try:
        _SCHEMAS[table].load(data, partial=partial)
    except ValidationError as err:
        raise InvalidData(err.messages) from None


def now_iso() -> str:
    """Now, in the commune's time zone, as ISO 8601 with its offset (e.g. 2026-11-27T09:30:00+07:00)."""
    return datetime.now(config.local_zone()).isoformat(timespec="seconds")


class Edits:
    def save_household(self, data: dict, id: str | None = None) -> str:
        """Create (id None) or edit a household; an edit sends only the changed fields. Returns its id."""
        return self._save("households", HOUSEHOLD_FIELDS, data, id)

    def save_resident(self, data: dict, id: str | None = None) -> str:
        """Create (id None, data has household_id) or edit a resident; returns its id."""
        return self._save("residents", RESIDENT_FIELDS, data, id)

    def delete_resident(self, resident_id: str) -> None:
        """Remove a resident (a mistake, or moved away); the server keeps a tombstone."""
        with self.write() as db:
            row = db.execute("SELECT household_id, version FROM residents WHERE id = ?", (resident_id,)).fetchone()
            if row is None:
                return
            db.execute("UPDATE residents SET deleted = 1 WHERE id = ?", (resident_id,))
            self._queue(db, "residents", resident_id, {}, row["version"], op="delete")
            marks.refresh(db, [row["household_id"]])

    def log_visit(self, household_id: str, status: str = "met", assists: list | None = None, notes: str = "",
                  follow_up_on: date | str | None = None, duration_min: int | None = None,
                  location: dict | None = None, replaces_id: str | None = None,
                  started_at: str | None = None) -> str:
        """Save a visit (assists: [{resident_id, topic, outcome, note?}]; location: {lat, lon, accuracy_m}); its id."""
        location = location or {}
        data = {"household_id": household_id, "started_at": started_at or now_iso(), "duration_min": duration_min,
                "status": status, "notes": notes or "",
                "follow_up_on": follow_up_on.isoformat() if isinstance(follow_up_on, date) else follow_up_on,
                "lat": location.get("lat"), "lon": location.get("lon"), "accuracy_m": location.get("accuracy_m"),
                "replaces_id": replaces_id,
                "assists": [{"resident_id": a.get("resident_id"), "topic": a["topic"], "outcome": a["outcome"],
                             "note": a.get("note") or ""} for a in assists or ()]}
        check("visits", data)
        visit_id = new_id()
        user = self.get_meta("user") or {}
        with self.write() as db:
            refused = self._take_problems(db, "visits", replaces_id)[0] if replaces_id else None
            if refused:
                # Correcting a visit the server refused: it was never stored, so the correction stands in its place
                # (a new visit with a new id, at the time and place of the first) and replaces what that one meant
                # to replace, if it is on the server or on its way.
                if started_at is None:
                    data["started_at"] = refused.get("started_at") or data["started_at"]
                if not location:
                    data.update({k: refused.get(k) for k in ("lat", "lon", "accuracy_m")})
                replaced = refused.get("replaces_id")
                self._drop_local_visit(db, replaces_id, replaced)
                kept = replaced and db.execute(
                    "SELECT 1 FROM visits WHERE id = ? AND id NOT IN (SELECT row_id FROM problems WHERE "
                    "table_name = 'visits' AND dismissed = 0)", (replaced,)).fetchone()
                data["replaces_id"] = replaces_id = replaced if kept else None
            self._put_visit(db, visit_id, {**data, "official_id": user.get("id")}, version=0)
            if replaces_id:
                db.execute("UPDATE visits SET voided = 1 WHERE id = ?", (replaces_id,))
            self._queue(db, "visits", visit_id, data, 0)
            marks.refresh(db, [household_id])
        return visit_id

    def set_account(self, **values) -> None:
        """Set account values: server_url, username, user, scope, device_id, token, needs_login (None deletes)."""
        allowed = {"server_url", "username", "user", "scope", "device_id", "token", "needs_login"}
        unknown = set(values) - allowed
        if unknown:
            raise TypeError(f"unknown account keys: {sorted(unknown)}")
        self.set_meta(**values)

    def clear_all(self) -> None:
        """Wipe every record, the outbox, the problems and the login; the device id and server stay."""
        keep = {"device_id", "server_url", "username"}
        with self.write() as db:
            for table in ("areas", "households", "residents", "visits", "assists", "outbox", "problems"):
                db.execute(f"DELETE FROM {table}")
            marks.drop_stale(db)
            db.execute(f"DELETE FROM meta WHERE key NOT IN ({','.join('?' * len(keep))})", sorted(keep))

    # --- inside a write ---
    def _save(self, table: str, fields: tuple, data: dict, row_id: str | None) -> str:
        data = {k: v for k, v in data.items() if k in fields}
        with self.write() as db:
            old = db.execute(f"SELECT * FROM {table} WHERE id = ?", (row_id,)).fetchone() if row_id else None
            if old is None:
                check(table, data)
                row_id = row_id or new_id()
                full = {f: data.get(f, _DEFAULTS.get(f)) for f in fields}
                self._put_row(db, table, row_id, full, version=0)
                self._queue(db, table, row_id, {k: v for k, v in full.items() if v is not None}, 0)
            else:
                changed = {k: v for k, v in data.items() if _stored(v) != old[k]}
                # A refused change of this record is sent again with this save, corrected by it (problems.py).
                refused, ahead = self._take_problems(db, table, row_id)
                resend = {**{k: v for k, v in refused.items() if k in fields}, **changed}
                if not resend:
                    return row_id
                # A record the server never stored goes again whole; an edit goes as its changed fields.
                check(table, resend, partial=not (refused and not old["version"]))
                if changed:
                    sets = ", ".join(f"{k} = ?" for k in changed)
                    db.execute(f"UPDATE {table} SET {sets} WHERE id = ?", [*map(_stored, changed.values()), row_id])
                # The server said this tablet's version is ahead of its own: merge against nothing rather than fail.
                self._queue(db, table, row_id, resend, 0 if ahead else old["version"])
            household_id = row_id if table == "households" else (data.get("household_id") or old["household_id"])
            marks.refresh(db, [household_id])
        return row_id

    def _put_row(self, db, table: str, row_id: str, data: dict, version: int) -> None:
        """Insert or replace a household or resident row (search and marks are refreshed by the caller)."""
        cols = ["id", *data, "version", "deleted"]
        values = [row_id, *map(_stored, data.values()), version, 0]
        updates = ", ".join(f"{c} = excluded.{c}" for c in cols[1:])
        db.execute(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({','.join('?' * len(cols))}) "
                   f"ON CONFLICT (id) DO UPDATE SET {updates}", values)

    def _put_visit(self, db, visit_id: str, data: dict, version: int, voided: bool = False) -> None:
        """Insert or replace a visit and its assists."""
        db.execute("DELETE FROM assists WHERE visit_id = ?", (visit_id,))
        db.execute("INSERT OR REPLACE INTO visits (id, household_id, official_id, started_at, started_utc, "
                   "duration_min, status, notes, follow_up_on, lat, lon, accuracy_m, replaces_id, voided, "
                   "received_at, version) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                   (visit_id, data["household_id"], data.get("official_id"), data["started_at"],
                    utc_text(data["started_at"]), data.get("duration_min"), data.get("status") or "met",
                    data.get("notes") or "", data.get("follow_up_on"), data.get("lat"), data.get("lon"),
                    data.get("accuracy_m"), data.get("replaces_id"), int(bool(voided or data.get("voided"))),
                    data.get("received_at"), version))
        db.executemany("INSERT INTO assists (visit_id, resident_id, topic, outcome, note) VALUES (?,?,?,?,?)",
                       [(visit_id, a.get("resident_id"), a["topic"], a["outcome"], a.get("note") or "")
                        for a in data.get("assists") or ()])

    def _queue(self, db, table: str, row_id: str, data: dict, base_version: int, op: str = "upsert") -> None:
        """Add an outbox entry, coalescing a household or resident edit into its entry not yet in flight."""
        if table != "visits" and op == "upsert":
            pending = db.execute("SELECT seq, data FROM outbox WHERE table_name = ? AND row_id = ? AND op = 'upsert' "
                                 "AND batch_id IS NULL ORDER BY seq DESC LIMIT 1", (table, row_id)).fetchone()
            if pending is not None:
                merged = {**json.loads(pending["data"]), **data}
                db.execute("UPDATE outbox SET data = ? WHERE seq = ?", (json.dumps(merged), pending["seq"]))
                return
        db.execute("INSERT INTO outbox (table_name, row_id, op, base_version, data, created_at) VALUES (?,?,?,?,?,?)",
                   (table, row_id, op, base_version, json.dumps(data),
                    datetime.now(timezone.utc).isoformat(timespec="seconds")))


_DEFAULTS = {"phone": "", "note": "", "address": "", "head_name": "", "full_name": ""}


def _stored(value):
    """A value as SQLite stores it: booleans as 0/1."""
    return int(value) if isinstance(value, bool) else value
