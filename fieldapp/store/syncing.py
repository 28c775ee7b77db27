"""The Store's side of sync: batches out of the outbox, push results and pulled pages in.

Terms:
- a *batch* is up to BATCH outbox entries sent in one push, under one batch_id. The batch_id is written on the
  entries BEFORE sending, so after a lost reply the same entries go again under the same batch_id and the server
  answers with its stored reply instead of writing twice;
- a *local edit* is an outbox entry of a household or resident: it must survive pulls, so after a pulled row is
  written, the fields of its local edits are laid on top again (the server will merge them when they arrive);
- a *problem* is a record the server answered `conflict` or `rejected`: its entry leaves the outbox (so it does not
  block the others) and becomes a problem row (problems.py) that keeps its data until the official fixes or
  discards it.
"""
import json
from datetime import datetime, timezone

from shared.ids import new_id
from shared.wire import HOUSEHOLD_FIELDS, RESIDENT_FIELDS

from . import marks
from .edits import _DEFAULTS

BATCH = 100
_FIELDS = {"households": HOUSEHOLD_FIELDS, "residents": RESIDENT_FIELDS}


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Syncing:
    def next_batch(self, size: int = BATCH) -> dict | None:
        """The batch to push: one already in flight (resent as is) or a new one; None when the outbox is empty."""
        with self.write() as db:
            row = db.execute("SELECT batch_id FROM outbox WHERE batch_id IS NOT NULL ORDER BY seq LIMIT 1").fetchone()
            if row is None:
                seqs = [r[0] for r in db.execute("SELECT seq FROM outbox ORDER BY seq LIMIT ?", (size,))]
                if not seqs:
                    return None
                batch_id = new_id()
                db.execute(f"UPDATE outbox SET batch_id = ? WHERE seq IN ({','.join('?' * len(seqs))})",
                           [batch_id, *seqs])
            else:
                batch_id = row[0]
            entries = db.execute("SELECT seq, table_name, row_id, op, base_version, data FROM outbox "
                                 "WHERE batch_id = ? ORDER BY seq", (batch_id,)).fetchall()
        changes = [{"table": e["table_name"], "op": e["op"], "id": e["row_id"], "base_version": e["base_version"],
                    "data": json.loads(e["data"])} for e in entries]
        return {"batch_id": batch_id, "seqs": [e["seq"] for e in entries], "changes": changes}

    def apply_push_results(self, batch: dict, results: list[dict]) -> dict:
        """Apply the server's reply to `batch` in one write; returns counts per status."""
        counts: dict[str, int] = {}
        touched = set()
        with self.write() as db:
            for seq, change, result in zip(batch["seqs"], batch["changes"], results):
                if result.get("id") != change["id"]:
                    raise ValueError("the push reply does not match the batch")
                status = result["status"]
                counts[status] = counts.get(status, 0) + 1
                db.execute("DELETE FROM outbox WHERE seq = ?", (seq,))
                table, row_id = change["table"], change["id"]
                if status in ("conflict", "rejected"):
                    self._record_problem(db, change, result)
                    continue
                version = result.get("version")
                if table == "visits":
                    db.execute("UPDATE visits SET version = max(version, ?) WHERE id = ?", (version or 0, row_id))
                    continue
                if result.get("current"):
                    self._write_pulled(db, table, row_id, result["current"], version)
                elif version:
                    db.execute(f"UPDATE {table} SET version = max(version, ?) WHERE id = ?", (version, row_id))
                # Later edits of this row were made on top of this one: they now stand on the server's version.
                db.execute("UPDATE outbox SET base_version = ? WHERE table_name = ? AND row_id = ? AND op = 'upsert'",
                           (version or 0, table, row_id))
                touched.add(self._household_of(db, table, row_id))
            marks.refresh(db, [t for t in touched if t])
        return counts

    def apply_pull(self, changes: list[dict], cursor: int) -> None:
        """Write one pulled page and its cursor in one write; applying a page twice is harmless."""
        touched, visited = set(), set()  # households whose search text / coverage marks must be recomputed
        with self.write() as db:
            for change in changes:
                table, row_id, data = change["table"], change["id"], change.get("data") or {}
                if table == "areas":
                    self._write_area(db, int(row_id), data, change.get("version", 0), change.get("deleted"))
                elif table == "visits":
                    self._put_visit(db, row_id, data, change.get("version", 0), voided=change.get("deleted"))
                    visited.add(data.get("household_id"))
                else:
                    self._write_pulled(db, table, row_id, data, change.get("version", 0), change.get("deleted"))
                    touched.add(row_id if table == "households" else data.get("household_id"))
                    if table == "households":
                        visited.add(row_id)  # its visits may have come in an earlier page: its marks come now
            marks.refresh(db, [t for t in touched if t], coverage=False)
            marks.refresh(db, [v for v in visited if v], search=False)
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('cursor', ?)", (json.dumps(cursor),))

    def cursor(self) -> int:
        """The server change number this store has pulled up to."""
        return self.get_meta("cursor", 0)

    def pull_start(self) -> int:
        """The cursor to pull from: 0 once after a discarded edit asked for the server's rows again (`repull`)."""
        with self.write() as db:
            if db.execute("SELECT 1 FROM meta WHERE key = 'repull'").fetchone():
                db.execute("DELETE FROM meta WHERE key = 'repull'")
                db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('cursor', '0')")
        return self.cursor()

    def reset_for_full_pull(self) -> None:
        """After 410 reset_required: pull from zero, dropping pulled rows but keeping the outbox and local edits."""
        with self.write() as db:
            # Rows that the outbox or an open problem refers to stay (their edits must reach the server, or wait for
            # the official); others come back by the pull.
            for table in ("households", "residents", "visits"):
                db.execute(f"DELETE FROM {table} WHERE id NOT IN "
                           f"(SELECT row_id FROM outbox WHERE table_name = '{table}') AND id NOT IN "
                           f"(SELECT row_id FROM problems WHERE table_name = '{table}' AND dismissed = 0)")
            db.execute("DELETE FROM assists WHERE visit_id NOT IN (SELECT id FROM visits)")
            db.execute("DELETE FROM areas")
            marks.drop_stale(db)
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('cursor', '0')")
            marks.refresh(db, [r[0] for r in db.execute("SELECT id FROM households")])

    def mark_synced(self) -> None:
        """Remember that a sync finished now (shown as "last synced")."""
        self.set_meta(last_sync_at=_now())

    def pending(self) -> int:
        """How many local changes wait for the server."""
        return self.db.execute("SELECT count(*) FROM outbox").fetchone()[0]

    # --- inside a write ---
    def _write_area(self, db, area_id: int, data: dict, version: int, retired: bool = False) -> None:
        if retired:  # merged or retired on the server: its households, if any, came or come with their new village
            db.execute("DELETE FROM areas WHERE id = ?", (area_id,))
            return
        db.execute("INSERT OR REPLACE INTO areas (id, parent_id, level, code, name, version) VALUES (?,?,?,?,?,?)",
                   (area_id, data.get("parent_id"), data.get("level"), data.get("code"), data.get("name"), version))

    def _write_pulled(self, db, table: str, row_id: str, data: dict, version: int, deleted: bool = False) -> None:
        """Write the server's row, then lay this device's pending edits of it on top."""
        fields = _FIELDS[table]
        if deleted:
            db.execute(f"UPDATE {table} SET deleted = 1, version = ? WHERE id = ?", (version, row_id))
            return
        values = {f: data.get(f) if data.get(f) is not None else _DEFAULTS.get(f) for f in fields}
        self._put_row(db, table, row_id, values, version)
        # Refused changes that wait for the official come first: every outbox entry was made after them.
        pending = [self._problem_fields(db, table, row_id)]
        pending += [json.loads(entry[0]) for entry in db.execute(
            "SELECT data FROM outbox WHERE table_name = ? AND row_id = ? AND op = 'upsert' ORDER BY seq",
            (table, row_id)).fetchall()]
        for edit in pending:
            local = {k: v for k, v in edit.items() if k in fields}
            if local:
                sets = ", ".join(f"{k} = ?" for k in local)
                db.execute(f"UPDATE {table} SET {sets} WHERE id = ?",
                           [*(int(v) if isinstance(v, bool) else v for v in local.values()), row_id])

    def _household_of(self, db, table: str, row_id: str) -> str | None:
        if table == "households":
            return row_id
        row = db.execute("SELECT household_id FROM residents WHERE id = ?", (row_id,)).fetchone()
        return row[0] if row else None
