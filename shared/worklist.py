"""The day's work list: which households to go to, in which order. Pure Python: the tablet's Home and the dashboard's
printed walk list order with the same key (shared/sorting.walk_key).

Terms:
- a *follow-up due* is a household whose open follow-up date (its latest counted visit's follow_up_on) is today or
  before (before today: *overdue*);
- *never met*: the household is not reached (no counted met visit, shared/coverage.py);
- a topic the commune is *behind on* (a *lagging* topic): its coverage is below the commune's target when there is
  one; without targets, the LAGGING lowest-covered topics (coverage as in shared/coverage.py, over the households
  the tablet holds);
- a household's *missing* topics: lagging topics for which it has an eligible resident who does not have it;
- the *tier* of a household: 0 follow-up due, 1 never met, 2 missing a lagging topic; a household with none of these
  is not on the list. The list is by tier, then in walk order (village, street order of the address, head's name).
"""
from .sorting import walk_key
from .vocab import TOPICS

FOLLOW_UP, NEVER_MET, TOPICS_LEFT = 0, 1, 2
LAGGING = 2
"""How many lowest-covered topics count as lagging when the commune has no targets."""


def lagging_topics(coverage: dict, targets: dict | None = None, count: int = LAGGING) -> list[str]:
    """Topics the commune is behind on, in vocabulary order. `coverage` maps a topic to (has, eligible)."""
    def share(topic):
        has, eligible = coverage.get(topic, (0, 0))
        return has / eligible if eligible else 1.0
    targets = {t: v for t, v in (targets or {}).items() if v is not None and t in TOPICS}
    if targets:
        behind = {t for t, target in targets.items() if 100.0 * share(t) < target}
    else:
        counted = [t for t in TOPICS if coverage.get(t, (0, 0))[1]]
        ranked = sorted(counted, key=lambda t: (share(t), list(TOPICS).index(t)))
        behind = {t for t in ranked[:count] if share(t) < 1.0}
    return [t for t in TOPICS if t in behind]


def tier(item: dict, today: str, lagging) -> int | None:
    """The tier of one household (see the module's terms), or None when nothing is left to do there.

    `item` has follow_up_on (ISO date or None), reached and missing (a set of topics); `today` is an ISO date."""
    if item.get("follow_up_on") and item["follow_up_on"] <= today:
        return FOLLOW_UP
    if not item.get("reached"):
        return NEVER_MET
    if set(item.get("missing") or ()) & set(lagging):
        return TOPICS_LEFT
    return None


def item_key(item: dict) -> tuple:
    """The walk key of an item, kept on it: computing vi_key is the slow part of sorting thousands."""
    key = item.get("walk_key")
    if key is None:
        key = item["walk_key"] = walk_key(item.get("village_name"), item.get("address"), item.get("head_name"))
    return key


def order(items, today: str, lagging, village_id=None, key=item_key) -> list[dict]:
    """The work list: items on it (tier not None), each given its `tier`, by tier then walk order. `village_id`,
    when given, keeps only that village's households (the village the official pinned for the day). `key`: the walk
    order of an item, item_key unless the caller has ranked its items by item_key already (a number per item)."""
    rows = []
    for item in items:
        if village_id is not None and item.get("village_id") != village_id:
            continue
        level = tier(item, today, lagging)
        if level is not None:
            rows.append((level, key(item), item))
    rows.sort(key=lambda r: (r[0], r[1]))
    out = []
    for level, _, item in rows:
        item["tier"] = level
        out.append(item)
    return out
