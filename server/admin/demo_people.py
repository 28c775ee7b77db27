"""Demo households, their residents and the officials' visits, drawn from one seeded random generator.

Every function takes the generator `rng` and draws from it in a fixed order, so one seed gives the same data.
Rows come out as plain dicts ready for a Core insert; `seq` is filled in by the writer.
"""
import hashlib
import random
from datetime import date, datetime, time, timedelta, timezone

from shared import wire
from shared.vocab import TOPICS

from . import demo_data as words

LOCAL = timezone(timedelta(hours=7))  # Asia/Ho_Chi_Minh: no daylight saving time
TOPIC_LIST = list(TOPICS)
# Outcomes and household sizes repeated in proportion to how often they come up.
OUTCOMES = ["done"] * 11 + ["partial"] * 3 + ["follow_up"] * 4 + ["declined"] * 2
HOUSEHOLD_SIZES = [2] * 4 + [3] * 7 + [4] * 5 + [5] * 2 + [6] * 2
HOUSEHOLD_FIELDS = {f: 1 for f in wire.HOUSEHOLD_FIELDS}  # field versions of a row made at version 1
RESIDENT_FIELDS = {f: 1 for f in wire.RESIDENT_FIELDS}


class Dice(random.Random):
    """random.Random with cheaper draws than randint and choice: a province-sized demo needs tens of millions."""

    def between(self, low: int, high: int) -> int:
        return low + int(self.random() * (high - low + 1))

    def pick(self, items):
        return items[int(self.random() * len(items))]


def uuid7(rng: Dice, ms: int) -> str:
    """A UUIDv7 at `ms` whose random bits come from `rng`, so a seed gives the same ids."""
    value = (ms & 0xFFFF_FFFF_FFFF) << 80 | 0x7 << 76 | rng.getrandbits(12) << 64 | 0b10 << 62 | rng.getrandbits(62)
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def person_name(rng: Dice, sex: str, family: str | None = None) -> str:
    return f"{family or rng.pick(words.FAMILY)} {rng.pick(words.MIDDLE[sex])} {rng.pick(words.GIVEN[sex])}"


def phone(rng: Dice) -> str:
    digits = f"{rng.pick(words.PHONE_PREFIXES)}{rng.between(0, 9_999_999):07d}"
    return f"{digits[:4]} {digits[4:7]} {digits[7:]}"


class Village:
    """What the generator needs to know of a village: ids, its official and where it lies."""

    def __init__(self, id: int, commune_id: int, official_id: int, centre: tuple[float, float]):
        self.id, self.commune_id, self.official_id, self.centre = id, commune_id, official_id, centre


def household(rng: Dice, village: Village, number: int, year: int, ms: int) -> tuple[dict, list[dict]]:
    """One household row and its residents' rows: a head, often a spouse, children, sometimes a grandparent."""
    hid = uuid7(rng, ms)
    size = rng.pick(HOUSEHOLD_SIZES)
    head_sex = "m" if rng.random() < 0.75 else "f"
    family = rng.pick(words.FAMILY)
    head_born = rng.between(1945, 1994)
    people = [(person_name(rng, head_sex, family), head_born, head_sex)]
    if size >= 2:
        sex = "f" if head_sex == "m" else "m"
        people.append((person_name(rng, sex), head_born + rng.between(-5, 5), sex))
    if size >= 5 and rng.random() < 0.5 and head_born > 1960:
        sex = rng.pick("mf")
        people.append((person_name(rng, sex, family), head_born - rng.between(20, 30), sex))
    while len(people) < size:
        sex = rng.pick("mf")
        born = min(year - 1, head_born + rng.between(20, 38))
        people.append((person_name(rng, sex, family), born, sex))
    residents = [_resident(rng, hid, village, name, born, sex, year, ms) for name, born, sex in people]
    address = (f"Số {number}, tổ {1 + number // 25}" if rng.random() < 0.7
               else f"Kiệt {rng.between(1, 12)}/{number}, tổ {1 + number // 25}")
    row = {"id": hid, "village_id": village.id, "commune_id": village.commune_id, "address": address,
           "head_name": people[0][0], "phone": residents[0]["phone"], "note": "", "version": 1,
           "field_versions": HOUSEHOLD_FIELDS, "deleted": False}
    return row, residents


def _resident(rng, hid, village, name, born, sex, year, ms) -> dict:
    age = year - born
    has_phone = age >= 16 and rng.random() < 0.85
    smart_odds = 0.3 if age >= 70 else 0.6 if age >= 50 else 0.9
    smart = (rng.random() < smart_odds) if has_phone else (None if age < 16 else False)
    return {"id": uuid7(rng, ms), "household_id": hid, "village_id": village.id, "commune_id": village.commune_id,
            "full_name": name, "birth_year": born, "sex": sex, "phone": phone(rng) if has_phone else "",
            "has_smartphone": smart, "version": 1, "field_versions": RESIDENT_FIELDS, "deleted": False}


def visits(rng: Dice, home: dict, residents: list[dict], village: Village, count: int,
           today: date, weeks: int, now: datetime) -> tuple[list[dict], list[dict]]:
    """`count` visits to one household over the last `weeks` weeks, with their assists; a later visit takes up
    the topics an earlier one left to follow up."""
    days = sorted(rng.between(1, weeks * 7) for _ in range(count))
    point = (village.centre[0] + rng.uniform(-0.004, 0.004), village.centre[1] + rng.uniform(-0.004, 0.004))
    adults = [r["id"] for r in residents if today.year - r["birth_year"] >= 16] or [residents[0]["id"]]
    pending, done, rows, assists = [], set(), [], []
    for days_ago in reversed(days):
        day = today - timedelta(days=days_ago)
        started = datetime.combine(day, time(rng.between(7, 16), rng.pick((0, 15, 30, 45))), LOCAL)
        vid = uuid7(rng, int(started.timestamp() * 1000))
        row = {"id": vid, "household_id": home["id"], "village_id": village.id, "commune_id": village.commune_id,
               "official_id": village.official_id, "device_id": None, "started_at": started, "status": "met",
               "follow_up_on": None, "replaces_id": None, "voided": False, "version": 1,
               "received_at": min(started + timedelta(minutes=rng.between(20, 2880)), now)}
        if rng.random() < 0.15:
            row |= {"status": "not_home", "duration_min": rng.between(1, 3), "notes": rng.pick(words.NOTES_NOT_HOME)}
            if rng.random() < 0.5:
                row["follow_up_on"] = day + timedelta(days=rng.between(1, 7))
        else:
            helped = _assists(rng, vid, home, adults, pending, done)
            assists += helped
            outcomes = {a["outcome"] for a in helped}
            notes = (words.NOTES_FOLLOW_UP if "follow_up" in outcomes else
                     words.NOTES_DECLINED if "declined" in outcomes else words.NOTES_DONE)
            row |= {"duration_min": rng.between(10, 45), "notes": rng.pick(notes) if rng.random() < 0.7 else ""}
            if "follow_up" in outcomes:
                row["follow_up_on"] = day + timedelta(days=rng.between(3, 14))
        gps = rng.random() < 0.8
        row |= {"lat": round(point[0] + rng.uniform(-2e-4, 2e-4), 6) if gps else None,
                "lon": round(point[1] + rng.uniform(-2e-4, 2e-4), 6) if gps else None,
                "accuracy_m": float(rng.between(4, 25)) if gps else None}
        content = f"{vid}|{home['id']}|{started.isoformat()}|{row['status']}|{row['notes']}|{row['follow_up_on']}"
        row["payload_hash"] = hashlib.sha256(content.encode()).hexdigest()
        rows.append(row)
    return rows, assists


def _assists(rng, vid, home, adults, pending, done) -> list[dict]:
    """1-3 topics: first those left to follow up, then ones not yet done."""
    wanted = rng.between(1, 3)
    fresh = [t for t in TOPIC_LIST if t not in done and t not in pending]
    rng.shuffle(fresh)
    topics = (pending + fresh)[:wanted] or [rng.pick(TOPIC_LIST)]
    out = []
    for topic in topics:
        outcome = rng.pick(OUTCOMES)
        if topic in pending:
            pending.remove(topic)
        if outcome == "follow_up":
            pending.append(topic)
        elif outcome == "done":
            done.add(topic)
        resident = rng.pick(adults) if rng.random() < 0.9 else None
        out.append({"visit_id": vid, "resident_id": resident, "topic": topic, "outcome": outcome, "note": "",
                    "household_id": home["id"], "commune_id": home["commune_id"]})
    return out
