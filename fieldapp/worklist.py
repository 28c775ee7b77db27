"""The tablet's work list (Home): the facts of each household read from the store, kept between two builds, and
ordered by shared/worklist.py (the same order as the dashboard's walk list). No kivy.

Terms: see shared/worklist.py (tier, lagging, missing) and shared/coverage.py (eligible, has it).
- *facts* of a household: its row (village, address, head, phone, reached, follow-up) and, per topic, how many of its
  residents are eligible and how many of those have it. Reading them for 10,000 households costs a few hundred
  milliseconds; after a save only the saved household's facts are read again (`touch`), so the list is rebuilt in a
  few milliseconds. A sync that pulled (the store's cursor moved) reads them all again.
- *walk order*: walk keys (shared/sorting.walk_key) cost about 0.1 ms per household, a second for 10,000. So the
  households' walk order is kept in the store's meta (`walk_order`: [[id, village, address, head], ...] in walk
  order, inside the encrypted file); at a build only a household that is new or whose words changed gets a key,
  and is placed by binary search among the others (whose keys are made only for the comparisons).
- *targets* and *minimum ages*: the login's scope carries them when the server sends them (scope["targets"],
  scope["min_ages"]); otherwise no targets (the LAGGING lowest-covered topics are behind) and shared.vocab.MIN_AGE.
"""
import bisect

from shared import worklist
from shared.sorting import walk_key
from shared.coverage import NOT_APPLICABLE, old_enough
from shared.vocab import HAS_IT, MIN_AGE, TOPICS

from .store.reads import today

CHUNK = 500
_STATUS = """SELECT s.resident_id, s.topic, s.outcome, r.household_id, r.birth_year FROM (
    SELECT a.resident_id AS resident_id, a.topic AS topic, a.outcome AS outcome, row_number() OVER (
        PARTITION BY a.resident_id, a.topic ORDER BY v.started_utc DESC, v.id DESC, a.rowid DESC) AS rank
    FROM assists a JOIN visits v ON v.id = a.visit_id
    WHERE v.voided = 0 AND a.resident_id IS NOT NULL {where}) s JOIN residents r ON r.id = s.resident_id
    WHERE s.rank = 1 AND r.deleted = 0"""
"""Each live resident's status per topic (shared/coverage.py), with its household and birth year."""


class WorkList:
    """The work list of one store. `rows()` builds it; `touch(ids)` after a local save of those households."""

    def __init__(self, store):
        self.store = store
        self.facts: dict[str, dict] = {}
        self._cursor = None
        self._touched: set[str] = set()
        self._rank: dict[str, int] = {}
        self._order: list | None = None
        self._state = None  # (day, lagging topics, pinned village) of self._list, the last list built
        self._list: list[dict] = []
        self._reorder = True  # the walk order must be made again: a full read, or a household's words changed
        self._has: dict[str, int] = {}
        self._eligible: dict[str, int] = {}

    def touch(self, household_ids) -> None:
        """These households changed on this tablet: read their facts again at the next build."""
        self._touched.update(h for h in household_ids if h)

    def invalidate(self) -> None:
        self._cursor = None

    def rows(self, village_id: int | None = None, day: str | None = None) -> list[dict]:
        """The work list of `day` (ISO, default today): facts dicts, each with `tier` and `missing` (its lagging
        topics not yet had by an eligible resident), in work order; `village_id`: the pinned village.

        Built by shared.worklist.order; after a save that changed neither the lagging topics nor any walk order,
        only the saved households move: each is taken out and put back at its place (tier, walk rank), which is
        where order() would put it (tests/fieldapp/test_day.py compares the two)."""
        changed = self._refresh()
        full = self._reorder or changed is None
        self._walk_keys()
        lagging = worklist.lagging_topics(self.coverage(), (self.store.get_meta("scope") or {}).get("targets"))
        day = day or today().isoformat()
        state = (day, lagging, village_id)
        rank = self._rank
        if full or state != self._state:
            for facts in self.facts.values():
                facts["missing"] = [t for t in lagging if facts["eligible"][t] > facts["has"][t]]
            self._list = worklist.order(self.facts.values(), day, lagging, village_id=village_id,
                                        key=lambda item: rank[item["id"]])
            self._state = state
            return list(self._list)
        for hid in changed:
            self._list = [r for r in self._list if r["id"] != hid]
            facts = self.facts.get(hid)
            if facts is None:
                continue
            facts["missing"] = [t for t in lagging if facts["eligible"][t] > facts["has"][t]]
            placed = worklist.order([facts], day, lagging, village_id=village_id, key=lambda item: rank[item["id"]])
            if placed:
                at = bisect.bisect_right(self._list, (facts["tier"], rank[hid]),
                                         key=lambda r: (r["tier"], rank[r["id"]]))
                self._list.insert(at, facts)
        return list(self._list)

    def coverage(self) -> dict:
        """{topic: (has, eligible)} over the households the tablet holds in the official's villages."""
        return {t: (self._has[t], self._eligible[t]) for t in TOPICS}

    def _count(self, facts: dict, sign: int) -> None:
        """Add (sign 1) or take away (-1) a household's residents from the coverage totals."""
        for t in TOPICS:
            self._has[t] += sign * facts["has"][t]
            self._eligible[t] += sign * facts["eligible"][t]

    def _walk_keys(self) -> None:
        """Rank every household in walk order (self._rank), from the order kept in the store where its words are
        the same; a new or changed household is placed by binary search, its neighbours' keys made on demand."""
        if not self._reorder:
            return
        if self._order is None or len(self._order) < len(self.facts):  # the worker may have kept more meanwhile
            kept = self.store.get_meta("walk_order") or []
            self._order = [row for row in kept if len(row) == 4]
        words = {hid: _words(f) for hid, f in self.facts.items()}
        order = [row for row in self._order if words.get(row[0]) == row[1:]]
        placed = {row[0] for row in order}
        fresh = [hid for hid in self.facts if hid not in placed]
        if fresh or len(order) != len(self._order):
            keys: dict[str, tuple] = {}

            def key(row):
                if row[0] not in keys:
                    keys[row[0]] = walk_key(*row[1:])
                return keys[row[0]]
            if len(fresh) > len(order) // 4:  # most are new (the first pull): one sort is quicker
                order = sorted(order + [[h, *words[h]] for h in fresh], key=key)
            else:
                for hid in fresh:
                    row = [hid, *words[hid]]
                    order.insert(bisect.bisect_right(order, key(row), key=key), row)
            self.store.set_meta(walk_order=order)
        self._order = order
        self._rank = {row[0]: i for i, row in enumerate(order)}
        self._reorder = False

    # --- reading facts ---
    def _refresh(self) -> list | None:
        """Read what changed: every household (returns None) or the touched ones (returns their ids)."""
        cursor = self.store.cursor()
        if cursor != self._cursor:
            self._cursor, self._touched = cursor, set()
            self.facts = self._read(None)
            self._reorder = True
            self._has, self._eligible = dict.fromkeys(TOPICS, 0), dict.fromkeys(TOPICS, 0)
            for facts in self.facts.values():
                self._count(facts, 1)
            return None
        ids, self._touched = list(self._touched), set()
        if ids:
            for start in range(0, len(ids), CHUNK):
                chunk = ids[start:start + CHUNK]
                fresh = self._read(chunk)
                for hid in chunk:
                    old, new = self.facts.get(hid), fresh.get(hid)
                    if (old and _words(old)) != (new and _words(new)):
                        self._reorder = True
                    if hid in self.facts:
                        self._count(self.facts.pop(hid), -1)
                    if hid in fresh:
                        self.facts[hid] = fresh[hid]
                        self._count(fresh[hid], 1)
        return ids

    def _read(self, ids: list | None) -> dict[str, dict]:
        db = self.store.db
        scope = self.store.get_meta("scope") or {}
        allowed = set(scope.get("village_ids") or ())
        min_ages = {**MIN_AGE, **(scope.get("min_ages") or {})}
        year = today().year
        villages = {r[0]: r[1] for r in db.execute("SELECT id, name FROM areas")}
        where, args = ("", []) if ids is None else (f"AND id IN ({','.join('?' * len(ids))})", ids)
        out: dict[str, dict] = {}
        for r in db.execute("SELECT id, village_id, address, head_name, phone, reached, follow_up_on FROM households "
                            f"WHERE deleted = 0 {where}", args):
            if allowed and r[1] not in allowed:
                continue
            out[r[0]] = {"id": r[0], "village_id": r[1], "village_name": villages.get(r[1], ""), "address": r[2],
                         "head_name": r[3], "phone": r[4], "reached": bool(r[5]), "follow_up_on": r[6],
                         "eligible": dict.fromkeys(TOPICS, 0), "has": dict.fromkeys(TOPICS, 0)}
        # Old enough per topic, counted by SQLite (a resident with no birth year counts: shared/coverage.py) ...
        hwhere = "" if ids is None else f"AND household_id IN ({','.join('?' * len(ids))})"
        sums = ", ".join("sum(birth_year IS NULL OR ? - birth_year >= ?)" for _ in TOPICS)
        ages = [v for t in TOPICS for v in (year, min_ages[t])]
        for r in db.execute(f"SELECT household_id, {sums} FROM residents WHERE deleted = 0 {hwhere} "
                            "GROUP BY household_id", [*ages, *args]):
            facts = out.get(r[0])
            if facts is not None:
                facts["eligible"] = dict(zip(TOPICS, r[1:]))
        # ... then the few residents with an outcome: not applicable leaves the topic, done or already had has it.
        vwhere = "" if ids is None else f"AND v.household_id IN ({','.join('?' * len(ids))})"
        for rid, topic, outcome, hid, born in db.execute(_STATUS.format(where=vwhere), args):
            facts = out.get(hid)
            if facts is None or topic not in TOPICS or not old_enough(born, min_ages[topic], year):
                continue
            if outcome == NOT_APPLICABLE:
                facts["eligible"][topic] -= 1
            elif outcome in HAS_IT:
                facts["has"][topic] += 1
        return out


def keep_walk_order(store) -> bool:
    """After a sync, on the worker: when households came that the kept walk order lacks (a first pull: a second of
    keys for 10,000), make it there, so that Home does not wait for it. True when it did."""
    kept = store.get_meta("walk_order") or []
    live = store.db.execute("SELECT count(*) FROM households WHERE deleted = 0").fetchone()[0]
    if live <= len(kept) + 50:  # a few new ones are placed by Home itself, by binary search
        return False
    work = WorkList(store)
    work._refresh()
    work._walk_keys()
    return True


def _words(facts: dict) -> list:
    """What a household's walk key is made of."""
    return [facts["village_name"], facts["address"], facts["head_name"]]
