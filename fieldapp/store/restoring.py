"""The Store's side of a server restore (docs/protocol.md, "Restore").

Terms:
- the *database id* is the identity of the server's database that this store last synced with (meta
  `database_id`); a restore changes it, and the server then refuses push and pull (409 database_changed);
- the *digest* is what this store holds: per table, each record's id, version and whether it is deleted (a visit:
  voided). Records waiting on the sync problems screen are left out: they wait for the official, not the server;
- a *resend* is the server's answer {table, id, base_version}: a record it lacks (0) or holds older. `requeue`
  puts each one in the outbox as a whole record against that base_version, ahead of the other entries (a household
  before its residents and visits), in one write, and frees every entry in flight: the batches sent to the old
  database are sent again under new batch ids, and the server's dedup answers `duplicate` for what it has.
"""
import json
from datetime import datetime, timezone

from shared.wire import HOUSEHOLD_FIELDS, RESIDENT_FIELDS, VISIT_FIELDS

_FIELDS = {"households": HOUSEHOLD_FIELDS, "residents": RESIDENT_FIELDS}
TABLES = ("households", "residents", "visits")


class Restoring:
    def database_id(self) -> str | None:
        """The identity of the server's database this store last synced with (None before the first sync)."""
        return self.get_meta("database_id")

    def digest_pages(self, size: int = 1000):
        """The digest in pages of at most `size` records per table: {table: [{id, version, deleted}]}; at least one
        page, empty for an empty store."""
        offsets, first = dict.fromkeys(TABLES, ""), True
        while offsets:
            page = {}
            for table in list(offsets):
                deleted = "voided" if table == "visits" else "deleted"
                rows = self.db.execute(
                    f"SELECT id, version, {deleted} FROM {table} WHERE id > ? AND id NOT IN (SELECT row_id FROM "
                    f"problems WHERE table_name = ? AND dismissed = 0) ORDER BY id LIMIT ?",
                    (offsets[table], table, size)).fetchall()
                page[table] = [{"id": r[0], "version": r[1] or 0, "deleted": bool(r[2])} for r in rows]
                if len(rows) < size:
                    del offsets[table]
                else:
                    offsets[table] = rows[-1][0]
            if first or any(page.values()):  # at least one page: its reply names the new identity
                yield page
            first = False

    def requeue(self, resend: list[dict]) -> int:
        """Put each resend first in the outbox as a whole record (see the module's terms); returns how many
        entries were added."""
        order = {table: i for i, table in enumerate(TABLES)}
        added = 0
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        with self.write() as db:
            wanted = sorted(resend, key=lambda r: (order[r["table"]], self._resend_key(db, r), r["id"]))
            for item in wanted:
                db.execute("DELETE FROM outbox WHERE table_name = ? AND row_id = ?", (item["table"], item["id"]))
            kept = db.execute("SELECT table_name, row_id, op, base_version, data, created_at FROM outbox "
                              "ORDER BY seq").fetchall()
            db.execute("DELETE FROM outbox")
            for item in wanted:
                for op, data in self._whole(db, item):
                    db.execute("INSERT INTO outbox (table_name, row_id, op, base_version, data, created_at) "
                               "VALUES (?,?,?,?,?,?)", (item["table"], item["id"], op, item["base_version"],
                                                        json.dumps(data), now))
                    added += 1
            # The others after them, in their order, and none in flight any more.
            db.executemany("INSERT INTO outbox (table_name, row_id, op, base_version, data, created_at) "
                           "VALUES (?,?,?,?,?,?)", [tuple(r) for r in kept])
        return added

    def _resend_key(self, db, item: dict) -> str:
        # Visits in the order they were logged: a correction comes after the visit it replaces.
        if item["table"] != "visits":
            return ""
        row = db.execute("SELECT started_utc FROM visits WHERE id = ?", (item["id"],)).fetchone()
        return row[0] if row else ""

    def _whole(self, db, item: dict) -> list[tuple[str, dict]]:
        """The outbox entries (op, data) that send this store's whole record of `item` again."""
        table, row_id = item["table"], item["id"]
        row = db.execute(f"SELECT * FROM {table} WHERE id = ?", (row_id,)).fetchone()
        if row is None:
            return []
        if table == "visits":
            assists = [{"resident_id": a["resident_id"], "topic": a["topic"], "outcome": a["outcome"],
                        "note": a["note"] or ""}
                       for a in db.execute("SELECT * FROM assists WHERE visit_id = ? ORDER BY rowid", (row_id,))]
            data = {f: row[f] for f in VISIT_FIELDS if f != "assists"}
            data.update(notes=data["notes"] or "", assists=assists if row["status"] != "not_home" else [])
            data = {k: v for k, v in data.items() if v is not None}
            entries = [] if item["base_version"] else [("upsert", data)]
            return entries + ([("delete", {})] if row["voided"] else [])
        if row["deleted"]:
            return [("delete", {})] if item["base_version"] else []
        data = {f: row[f] for f in _FIELDS[table] if row[f] is not None}
        if "has_smartphone" in data:
            data["has_smartphone"] = bool(data["has_smartphone"])
        return [("upsert", data)]
