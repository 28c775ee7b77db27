"""The day's summary (top of Home, and on demand): what this official did today and what still waits to sync.

Terms: *today* is the commune's day (store.reads.today); the visits counted are this user's, not voided
(store.today_visits). *Households met*: distinct households with a met visit today. Per topic: how many assists of
today's visits were `done` and how many `already_had`. *Follow-ups set*: today's visits with a follow-up date.
No kivy.
"""
from shared.vocab import TOPICS


def day_summary(visits: list[dict], pending: int) -> dict:
    """{visits, met, not_home, topics: {topic: {done, already_had}} (topics with any), follow_ups, pending}."""
    topics: dict[str, dict[str, int]] = {}
    for visit in visits:
        for assist in visit.get("assists") or ():
            if assist["outcome"] in ("done", "already_had"):
                slot = topics.setdefault(assist["topic"], {"done": 0, "already_had": 0})
                slot[assist["outcome"]] += 1
    return {"visits": len(visits),
            "met": len({v["household_id"] for v in visits if v["status"] == "met"}),
            "not_home": sum(v["status"] == "not_home" for v in visits),
            "topics": {t: topics[t] for t in TOPICS if t in topics},
            "follow_ups": sum(bool(v.get("follow_up_on")) for v in visits),
            "pending": pending}


def of_store(store) -> dict:
    """The summary of today from the store."""
    return day_summary(store.today_visits(), store.pending())
