"""What the screens read: household lists with coverage marks, one household in full, today's work, follow-ups.

Every method returns plain dicts and lists, never sqlite3 rows, so the screens need not know SQL.
Terms: see marks.py (reached, topics done, open follow-up); the *status* of a resident (or of the household as a
whole) for a topic is its latest outcome over visits not voided (shared.coverage.statuses).
"""
from datetime import date, datetime, time, timedelta, timezone

from shared.coverage import statuses
from shared.sorting import name_key, vi_key
from shared.text import fold
from shared.vocab import TOPICS

from .. import config

HOUSEHOLD_COLUMNS = "id, village_id, address, head_name, phone, note, version, reached, topics_done, follow_up_on"
VISIT_COLUMNS = ("id, household_id, official_id, started_at, duration_min, status, notes, follow_up_on, lat, lon, "
                 "accuracy_m, replaces_id, voided, received_at, version")


def today(zone=None) -> date:
    """Today's date in the commune's time zone."""
    return datetime.now(zone or config.local_zone()).date()


class Reads:
    def households(self, query: str = "", village_id: int | None = None, not_reached: bool = False,
                   needs_follow_up: bool = False, topic_not_done: str | None = None, limit: int = 200) -> list[dict]:
        """Households matching a diacritic-insensitive query (names, address, phone) and filters, with their marks."""
        where, args = ["deleted = 0"], []
        words = fold(query).split()
        long_words = [w for w in words if len(w) >= 3]  # the trigram index finds these without a full scan
        if long_words:
            where.append("rowid IN (SELECT rowid FROM household_search WHERE household_search MATCH ?)")
            args.append(" ".join('"' + w.replace('"', '""') + '"' for w in long_words))
        for word in words:
            if len(word) < 3:
                where.append("instr(search, ?) > 0")
                args.append(word)
        if village_id is not None:
            where.append("village_id = ?")
            args.append(village_id)
        if not_reached:
            where.append("reached = 0")
        if needs_follow_up:
            where.append("follow_up_on IS NOT NULL")
        if topic_not_done:
            where.append("topics_done NOT LIKE ?")
            args.append(f"%,{topic_not_done},%")
        order, order_args = self._walk_order()
        sql = (f"SELECT {HOUSEHOLD_COLUMNS} FROM households WHERE {' AND '.join(where)} "
               f"ORDER BY {order} LIMIT ?")
        return [_household_row(r) for r in self.db.execute(sql, [*args, *order_args, limit])]

    def _walk_order(self) -> tuple[str, list]:
        """ORDER BY households in walk order (shared/sorting.walk_key): villages in Vietnamese order, then each
        village's street order (sort_key, made by marks.py). The few villages are ranked here, in Python."""
        ranks = [r["id"] for r in sorted(self.db.execute("SELECT id, name FROM areas WHERE level = 'village'"),
                                         key=lambda r: (vi_key(r["name"]), r["id"]))]
        if not ranks:
            return "sort_key, id", []
        whens = " ".join("WHEN ? THEN ?" for _ in ranks)
        args = [value for rank, village_id in enumerate(ranks) for value in (village_id, rank)]
        return f"CASE village_id {whens} ELSE {len(ranks)} END, sort_key, id", args

    def household(self, household_id: str) -> dict | None:
        """One household with its residents, its visits by anyone (newest first, with assists) and statuses."""
        row = self.db.execute(f"SELECT {HOUSEHOLD_COLUMNS}, deleted FROM households WHERE id = ?",
                              (household_id,)).fetchone()
        if row is None:
            return None
        out = _household_row(row)
        out["deleted"] = bool(row["deleted"])
        out["residents"] = sorted(  # the eldest first, then by given name (a household is a few people)
            (_resident_row(r) for r in self.db.execute(
                "SELECT * FROM residents WHERE household_id = ? AND deleted = 0", (household_id,))),
            key=lambda r: (r["birth_year"] is None, r["birth_year"] or 0, name_key(r["full_name"]), r["id"]))
        out["visits"] = self._visits("household_id = ? ORDER BY started_utc DESC, id DESC", (household_id,))
        out["pending"] = self._is_pending("households", household_id)
        # status[resident_id or ""][topic] = outcome; "" is the household as a whole (an assist with no resident)
        status: dict[str, dict[str, str]] = {}
        for (resident_id, topic), outcome in statuses(out["visits"]).items():
            status.setdefault(resident_id or "", {})[topic] = outcome
        out["status"] = status
        return out

    def resident(self, resident_id: str) -> dict | None:
        """One resident, or None."""
        row = self.db.execute("SELECT * FROM residents WHERE id = ?", (resident_id,)).fetchone()
        return _resident_row(row) if row else None

    def visit(self, visit_id: str) -> dict | None:
        """One visit with its assists, or None."""
        found = self._visits("id = ?", (visit_id,))
        return found[0] if found else None

    def villages(self) -> list[dict]:
        """The villages this user works in (its scope), in Vietnamese order: [{id, name, parent_id}]."""
        scope = self.get_meta("scope") or {}
        rows = self.db.execute("SELECT id, name, parent_id FROM areas WHERE level = 'village'")
        allowed = set(scope.get("village_ids") or ())
        return sorted((dict(r) for r in rows if not allowed or r["id"] in allowed),
                      key=lambda v: (vi_key(v["name"]), v["id"]))

    def area_name(self, area_id: int | None) -> str:
        """The name of an area, or "" when unknown."""
        row = self.db.execute("SELECT name FROM areas WHERE id = ?", (area_id,)).fetchone()
        return row[0] if row else ""

    def today_visits(self) -> list[dict]:
        """This user's visits of today (the commune's day), newest first, each with its household's head and address."""
        zone = config.local_zone()
        start = datetime.combine(today(zone), time(), zone).astimezone(timezone.utc)
        end = start + timedelta(days=1)
        user = self.get_meta("user") or {}
        visits = self._visits("started_utc >= ? AND started_utc < ? AND voided = 0 AND (official_id = ? OR "
                              "official_id IS NULL) ORDER BY started_utc DESC",
                              (_utc_text(start), _utc_text(end), user.get("id")))
        for v in visits:
            head = self.db.execute("SELECT head_name, address, village_id FROM households WHERE id = ?",
                                   (v["household_id"],)).fetchone()
            v["head_name"], v["address"], v["village_id"] = (head[0], head[1], head[2]) if head else ("", "", None)
        return visits

    def follow_ups(self) -> list[dict]:
        """Households of my villages with an open follow-up, soonest first, then in walk order; each has `overdue`
        (before today)."""
        now = today().isoformat()
        order, order_args = self._walk_order()
        rows = self.db.execute(f"SELECT {HOUSEHOLD_COLUMNS} FROM households WHERE deleted = 0 AND "
                               f"follow_up_on IS NOT NULL ORDER BY follow_up_on, {order}", order_args)
        allowed = {v["id"] for v in self.villages()}
        out = []
        for r in rows:
            if allowed and r["village_id"] not in allowed:
                continue
            item = _household_row(r)
            item["overdue"] = r["follow_up_on"] < now
            out.append(item)
        return out

    def sync_status(self) -> dict:
        """{last_sync_at, pending (outbox entries), problems (not dismissed), needs_login}."""
        pending = self.db.execute("SELECT count(*) FROM outbox").fetchone()[0]
        problems = self.db.execute("SELECT count(*) FROM problems WHERE dismissed = 0").fetchone()[0]
        return {"last_sync_at": self.get_meta("last_sync_at"), "pending": pending, "problems": problems,
                "needs_login": bool(self.get_meta("needs_login"))}

    def account(self) -> dict:
        """{server_url, username, user, scope, device_id, logged_in, needs_login}; the token itself stays inside."""
        return {"server_url": self.get_meta("server_url"), "username": self.get_meta("username"),
                "user": self.get_meta("user"), "scope": self.get_meta("scope"),
                "device_id": self.get_meta("device_id"), "logged_in": bool(self.get_meta("token")),
                "needs_login": bool(self.get_meta("needs_login"))}

    def _visits(self, where: str, args) -> list[dict]:
        visits = [_visit_row(r) for r in self.db.execute(f"SELECT {VISIT_COLUMNS} FROM visits WHERE {where}", args)]
        by_id = {v["id"]: v for v in visits}
        ids = list(by_id)
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            for a in self.db.execute(f"SELECT visit_id, resident_id, topic, outcome, note FROM assists WHERE "
                                     f"visit_id IN ({','.join('?' * len(chunk))}) ORDER BY rowid", chunk):
                by_id[a[0]]["assists"].append({"resident_id": a[1], "topic": a[2], "outcome": a[3], "note": a[4]})
        pending = {r[0] for r in self.db.execute("SELECT row_id FROM outbox WHERE table_name = 'visits'")}
        for v in visits:
            v["pending"] = v["id"] in pending
        return visits

    def _is_pending(self, table: str, row_id: str) -> bool:
        return self.db.execute("SELECT 1 FROM outbox WHERE table_name = ? AND row_id = ?",
                               (table, row_id)).fetchone() is not None


def _household_row(r) -> dict:
    topics = [t for t in r["topics_done"].split(",") if t]
    return {"id": r["id"], "village_id": r["village_id"], "address": r["address"], "head_name": r["head_name"],
            "phone": r["phone"], "note": r["note"], "version": r["version"], "reached": bool(r["reached"]),
            "topics_done": [t for t in TOPICS if t in topics], "follow_up_on": r["follow_up_on"]}


def _resident_row(r) -> dict:
    return {"id": r["id"], "household_id": r["household_id"], "full_name": r["full_name"],
            "birth_year": r["birth_year"], "sex": r["sex"], "phone": r["phone"],
            "has_smartphone": None if r["has_smartphone"] is None else bool(r["has_smartphone"]),
            "version": r["version"]}


def _visit_row(r) -> dict:
    out = dict(r)
    out["voided"] = bool(out["voided"])
    out["assists"] = []
    return out


def _utc_text(moment: datetime) -> str:
    """The sortable UTC text stored in visits.started_utc."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def utc_text(iso: str) -> str:
    """started_utc of an ISO 8601 time with its offset (naive times are taken as UTC)."""
    moment = datetime.fromisoformat(iso)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return _utc_text(moment)
