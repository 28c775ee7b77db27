"""fast_change and fast_visit give exactly what the schemas give, or step aside (None) for the schemas to decide."""
import copy
import json
import random
from datetime import datetime, timedelta, timezone

from marshmallow import ValidationError

from shared.ids import new_id
from shared.schemas import ChangeSchema, VisitData, fast_change, fast_visit

BAD = [None, True, False, 0, 1, -1, 2.5, float("nan"), float("inf"), 10 ** 400, "", "x", "9", [], {}, "2026-13-01",
       "2026-11-27", "2026-11-27T10:00:00", "2099-01-01T00:00:00Z", "2020-01-01T00:00:00Z", new_id().upper(),
       new_id(), "met", "not_home", "done", "vneid_account", "x" * 501, "x" * 2001, 600, 601, 100, 91, -91, 181]


def a_visit(rng: random.Random) -> dict:
    started = datetime.now(timezone(timedelta(hours=7))) - timedelta(days=rng.randint(0, 60), minutes=rng.randint(0, 600))
    return {"table": "visits", "op": "upsert", "id": new_id(), "base_version": 0, "data": {
        "household_id": new_id(), "started_at": started.isoformat(), "duration_min": rng.randint(5, 40),
        "status": "met", "notes": "Hướng dẫn cài VNeID và kích hoạt mức 2", "follow_up_on": None,
        "lat": 16.4 + rng.random() / 10, "lon": 107.5 + rng.random() / 10, "accuracy_m": 12.0,
        "assists": [{"resident_id": new_id(), "topic": "vneid_account", "outcome": "done"},
                    {"resident_id": None, "topic": "scam_awareness", "outcome": "partial", "note": "Cả nhà"}]}}


def mutated(rng: random.Random, change: dict) -> dict:
    change = copy.deepcopy(change)
    data, roll = change["data"], rng.random()
    if roll < 0.5:
        data[rng.choice(list(data) + ["extra"])] = rng.choice(BAD)
    elif roll < 0.8:
        assist = rng.choice(data["assists"])
        assist[rng.choice(list(assist) + ["zzz"])] = rng.choice(BAD)
    elif roll < 0.9:
        del data[rng.choice(list(data))]
    else:
        change[rng.choice(["table", "op", "id", "base_version", "data", "q"])] = rng.choice(BAD)
    return change


def load(schema, value):
    try:
        return schema.load(value)
    except ValidationError:
        return "invalid"


def same(a, b) -> bool:
    return json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)


def test_fast_loads_agree_with_the_schemas():
    rng, change_schema, visit_schema = random.Random(7), ChangeSchema(), VisitData()
    taken = 0
    for _ in range(150):
        good = a_visit(rng)
        for case in [good] + [mutated(rng, good) for _ in range(6)]:
            fast, slow = fast_change(case), load(change_schema, case)
            if fast is not None:
                assert slow != "invalid" and same(fast, slow), case
            if slow == "invalid" or slow["table"] != "visits":
                continue
            fast, slow = fast_visit(slow["data"]), load(visit_schema, slow["data"])
            if fast is not None:
                taken += 1
                assert slow != "invalid" and same(fast, slow), case
    assert taken >= 150  # every well-formed visit takes the fast path
