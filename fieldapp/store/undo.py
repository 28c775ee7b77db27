"""Taking back a visit just saved (the "Undo" after "Vắng nhà").

- not sent yet (its outbox entry is not in flight): the visit, its assists and its outbox entry are removed in one
  write, as if it had never been saved: the server never hears of it;
- sent (in flight, or acknowledged): it is voided through the normal path, an outbox entry with op delete, which
  the server applies after the visit itself (docs/protocol.md: `op: delete` voids a visit; it stays, out of the
  figures). Locally it is voided at once.
"""
from . import marks

REMOVED, VOIDED = "removed", "voided"


class Undo:
    def undo_visit(self, visit_id: str) -> str | None:
        """Take back one visit of this tablet: REMOVED, VOIDED, or None (unknown or already voided)."""
        with self.write() as db:
            visit = db.execute("SELECT household_id, version, voided, replaces_id FROM visits WHERE id = ?",
                               (visit_id,)).fetchone()
            if visit is None or visit["voided"]:
                return None
            entries = db.execute("SELECT seq, batch_id, op FROM outbox WHERE table_name = 'visits' AND row_id = ?",
                                 (visit_id,)).fetchall()
            if entries and all(e["batch_id"] is None for e in entries):
                db.execute("DELETE FROM outbox WHERE table_name = 'visits' AND row_id = ?", (visit_id,))
                db.execute("DELETE FROM assists WHERE visit_id = ?", (visit_id,))
                db.execute("DELETE FROM visits WHERE id = ?", (visit_id,))
                if visit["replaces_id"]:  # the visit it corrected counts again
                    db.execute("UPDATE visits SET voided = 0 WHERE id = ?", (visit["replaces_id"],))
                outcome = REMOVED
            else:
                db.execute("UPDATE visits SET voided = 1 WHERE id = ?", (visit_id,))
                self._queue(db, "visits", visit_id, {}, visit["version"], op="delete")
                outcome = VOIDED
            marks.refresh(db, [visit["household_id"]])
        return outcome
