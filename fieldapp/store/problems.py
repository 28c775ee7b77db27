"""Sync problems: records the server answered `rejected` or `conflict`, kept until the official fixes or discards them.

Terms:
- a *problem* row holds the server's result for one change (`code`, `errors`, `current`) and the change as sent
  (`op`, `base_version`, `data`); its outbox entry is gone, so it blocks nothing;
- its *code* is the machine-readable reason (shared.vocab.REJECT_CODES); a server that sends none means "invalid";
- an *open* problem (`dismissed` 0) keeps its data on the tablet: pulled rows get its fields laid on top (like the
  outbox's edits) and a reset keeps its rows;
- *fixing*: saving the record again (edits.py) sends the problem's fields with the corrections as a new outbox
  change, and marks the problem fixed (2) in the same write;
- *discarding*: on purpose, after a confirmation: the change is dropped (1). A record the server never stored
  leaves the tablet; an edit of a stored one is undone by pulling the scope again from zero (`repull`).
"""
import json
from datetime import datetime, timezone

from shared.i18n import N_, translate
from shared.vocab import REJECT_CODES, label

from .. import config
from . import marks

OPEN, DISCARDED, FIXED = 0, 1, 2
FIELD_LABELS = {
    "village_id": N_("problems.field.village_id"), "address": N_("problems.field.address"),
    "head_name": N_("problems.field.head_name"), "phone": N_("problems.field.phone"),
    "note": N_("problems.field.note"), "full_name": N_("problems.field.full_name"),
    "birth_year": N_("problems.field.birth_year"), "sex": N_("problems.field.sex"),
    "has_smartphone": N_("problems.field.has_smartphone"), "started_at": N_("problems.field.started_at"),
    "follow_up_on": N_("problems.field.follow_up_on"), "duration_min": N_("problems.field.duration_min"),
    "status": N_("problems.field.status"), "assists": N_("problems.field.assists"),
    "household_id": N_("problems.field.household_id"), "notes": N_("problems.field.notes"),
    "id": N_("problems.field.id"), "replaces_id": N_("problems.field.replaces_id"), "lat": N_("problems.field.lat"),
    "lon": N_("problems.field.lon"), "accuracy_m": N_("problems.field.accuracy_m"),
    "base_version": N_("problems.field.base_version"),
}
KINDS = {
    "households": N_("problems.kind.households"), "residents": N_("problems.kind.residents"),
    "visits": N_("problems.kind.visits"),
}
ACTIONS = {
    "invalid": N_("problems.action.invalid"), "not_found": N_("problems.action.not_found"),
    "outside_scope": N_("problems.action.outside_scope"), "deleted": N_("problems.action.deleted"),
    "version_ahead": N_("problems.action.version_ahead"), "not_owner": N_("problems.action.not_owner"),
    "id_taken": N_("problems.action.id_taken"),
}
NO_FIX = ("deleted", "not_owner")
KEPT = N_("problems.kept")
"""The labels and sentences above are keys of the one catalogue (shared/locale): `translate(lang, key)`."""


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Problems:
    def problems(self, lang: str = "vi") -> list[dict]:
        """Open problems, newest first, each explained (see explain())."""
        rows = self.db.execute("SELECT * FROM problems WHERE dismissed = ? ORDER BY id DESC", (OPEN,)).fetchall()
        return [explain(self, dict(r), lang) for r in rows]

    def problem(self, problem_id: int, lang: str = "vi") -> dict | None:
        """One problem explained, or None (also when it was already dealt with)."""
        row = self.db.execute("SELECT * FROM problems WHERE id = ? AND dismissed = ?", (problem_id, OPEN)).fetchone()
        return explain(self, dict(row), lang) if row else None

    def refused_visit(self, visit_id: str) -> dict | None:
        """A visit as this tablet sent it before the server refused it (the form of its fix starts from it), or None.

        Not the visits row: after an `id_taken` conflict a pull may have written the server's visit under that id."""
        row = self.db.execute("SELECT data FROM problems WHERE table_name = 'visits' AND row_id = ? AND op = 'upsert' "
                              "AND dismissed = ? ORDER BY id DESC LIMIT 1", (visit_id, OPEN)).fetchone()
        if row is None:
            return None
        data = json.loads(row[0])
        return {"follow_up_on": None, "duration_min": None, **data, "id": visit_id, "notes": data.get("notes") or "",
                "assists": data.get("assists") or []}

    def discard_problem(self, problem_id: int) -> None:
        """Drop the refused change on purpose (the screen asked first); every open problem of its record goes."""
        with self.write() as db:
            row = db.execute("SELECT * FROM problems WHERE id = ? AND dismissed = ?", (problem_id, OPEN)).fetchone()
            if row is None:
                return
            table, row_id = row["table_name"], row["row_id"]
            household = _household_of(db, table, row_id, json.loads(row["data"] or "{}"))
            if table == "visits":
                self._drop_local_visit(db, row_id, json.loads(row["data"] or "{}").get("replaces_id"))
            elif _never_stored(db, table, row_id):
                db.execute(f"DELETE FROM {table} WHERE id = ?", (row_id,))
                db.execute("DELETE FROM outbox WHERE table_name = ? AND row_id = ? AND batch_id IS NULL",
                           (table, row_id))
            else:
                # The tablet holds the refused values, not the server's: pull the scope again to get them back.
                if row["op"] == "delete":
                    db.execute(f"UPDATE {table} SET deleted = 0 WHERE id = ?", (row_id,))
                db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('repull', 'true')")
            db.execute("UPDATE problems SET dismissed = ?, resolved_at = ? WHERE table_name = ? AND row_id = ? "
                       "AND dismissed = ?", (DISCARDED, _now(), table, row_id, OPEN))
            if household:
                marks.refresh(db, [household])

    # --- inside a write ---
    def _record_problem(self, db, change: dict, result: dict) -> None:
        code = result.get("code") or "invalid"  # a server from before codes: the plain "not accepted"
        db.execute("INSERT INTO problems (table_name, row_id, status, code, op, base_version, errors, current, data, "
                   "at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                   (change["table"], change["id"], result["status"], code, change.get("op") or "upsert",
                    change.get("base_version") or 0, json.dumps(result.get("errors")),
                    json.dumps(result.get("current")), json.dumps(change["data"]), _now()))

    def _take_problems(self, db, table: str, row_id: str) -> tuple[dict, bool]:
        """Mark the open problems of a record fixed: (their upsert fields merged, oldest first; whether a code says
        the server is behind this tablet's version)."""
        rows = db.execute("SELECT id, code, op, data FROM problems WHERE table_name = ? AND row_id = ? AND "
                          "dismissed = ? ORDER BY id", (table, row_id, OPEN)).fetchall()
        fields, ahead = {}, False
        for r in rows:
            if r["op"] == "upsert":
                fields.update(json.loads(r["data"] or "{}"))
            ahead = ahead or r["code"] == "version_ahead"
        if rows:
            db.execute("UPDATE problems SET dismissed = ?, resolved_at = ? WHERE table_name = ? AND row_id = ? AND "
                       "dismissed = ?", (FIXED, _now(), table, row_id, OPEN))
        return fields, ahead

    def _problem_fields(self, db, table: str, row_id: str) -> dict:
        """The fields of a record's open refused upserts, to lay on a pulled row."""
        out = {}
        for (data,) in db.execute("SELECT data FROM problems WHERE table_name = ? AND row_id = ? AND op = 'upsert' "
                                  "AND dismissed = ? ORDER BY id", (table, row_id, OPEN)):
            out.update(json.loads(data or "{}"))
        return out

    def _drop_local_visit(self, db, visit_id: str, replaced: str | None) -> None:
        """Remove a visit the server never stored (`replaced`: the visit it meant to correct, which counts again).

        A row with a version is the server's own visit under that id (an `id_taken` conflict, then a pull): it stays."""
        if db.execute("SELECT 1 FROM visits WHERE id = ? AND version = 0", (visit_id,)).fetchone():
            db.execute("DELETE FROM assists WHERE visit_id = ?", (visit_id,))
            db.execute("DELETE FROM visits WHERE id = ?", (visit_id,))
        db.execute("DELETE FROM outbox WHERE table_name = 'visits' AND row_id = ? AND batch_id IS NULL", (visit_id,))
        if replaced and not db.execute("SELECT 1 FROM visits WHERE replaces_id = ?", (replaced,)).fetchone():
            db.execute("UPDATE visits SET voided = 0 WHERE id = ? AND version > 0", (replaced,))


def explain(store, row: dict, lang: str = "vi") -> dict:
    """A problem as the screen shows it: {id, table, row_id, household_id, status, code, reason, fields, label,
    message, action, can_fix, errors, at}. The words come from the code, never from the server's English."""
    lang = lang if lang in ("vi", "en") else "vi"
    errors = json.loads(row["errors"] or "null") or {}
    data = json.loads(row["data"] or "null") or {}
    code = row.get("code") or "invalid"
    known = code if code in REJECT_CODES else "invalid"
    fields = list(dict.fromkeys(translate(lang, FIELD_LABELS[f]) for f in (errors if isinstance(errors, dict) else ())
                                if f in FIELD_LABELS))
    reason = label(REJECT_CODES, known, lang)
    message = reason + (": " + ", ".join(fields) if fields else "") + ". " + translate(lang, KEPT)
    household = _household_of(store.db, row["table_name"], row["row_id"], data)
    can_fix = (known not in NO_FIX and row.get("op", "upsert") == "upsert" and household is not None
               and store.db.execute("SELECT 1 FROM households WHERE id = ?", (household,)).fetchone() is not None)
    return {"id": row["id"], "table": row["table_name"], "row_id": row["row_id"], "household_id": household,
            "status": row["status"], "code": code, "reason": reason, "fields": fields,
            "label": f"{translate(lang, KINDS[row['table_name']])}: {_label(store, row['table_name'], row['row_id'], data)}",
            "message": message, "action": translate(lang, ACTIONS[known]), "can_fix": can_fix, "errors": errors,
            "at": row["at"]}


def _never_stored(db, table: str, row_id: str) -> bool:
    """True when the server never acknowledged this record (its local version is still 0)."""
    found = db.execute(f"SELECT version FROM {table} WHERE id = ?", (row_id,)).fetchone()
    return found is None or not found[0]


def _household_of(db, table: str, row_id: str, data: dict) -> str | None:
    if table == "households":
        return row_id
    found = db.execute(f"SELECT household_id FROM {table} WHERE id = ?", (row_id,)).fetchone()
    return found[0] if found else data.get("household_id")


def _label(store, table: str, row_id: str, data: dict) -> str:
    """What the official recognises the record by: a head of household, a resident's name, a visit's time."""
    if table == "households":
        found = store.db.execute("SELECT head_name, address FROM households WHERE id = ?", (row_id,)).fetchone()
        return " - ".join(x for x in (found or (data.get("head_name"), data.get("address"))) if x)
    if table == "residents":
        found = store.db.execute("SELECT full_name FROM residents WHERE id = ?", (row_id,)).fetchone()
        return found[0] if found else data.get("full_name") or ""
    found = store.db.execute("SELECT v.started_at, h.head_name FROM visits v LEFT JOIN households h "
                             "ON h.id = v.household_id WHERE v.id = ?", (row_id,)).fetchone()
    started, head = found or (data.get("started_at"), None)
    return " - ".join(x for x in (_when(started), head) if x)


def _when(value) -> str:
    """A visit's time as the official reads it: dd/mm/yyyy HH:MM in the commune's time zone."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value or "")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)  # the store's times without an offset are UTC
    return moment.astimezone(config.local_zone()).strftime("%d/%m/%Y %H:%M")
