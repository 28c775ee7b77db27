"""Demo households, their residents and the officials' visits, drawn from one seeded random generator.

Every function takes the generator `rng` and draws from it in a fixed order, so one seed gives the same data.
Rows come out as plain dicts ready for a Core insert; `seq` is filled in by the writer.
"""
import hashlib
import random
from datetime import date, datetime, time, timedelta, timezone

from shared import coverage
from shared.vocab import MIN_AGE, TOPICS

from . import demo_data as words

LOCAL = timezone(timedelta(hours=7))  # Asia/Ho_Chi_Minh: no daylight saving time
TOPIC_LIST = list(TOPICS)
# Outcomes and household sizes repeated in proportion to how often they come up.
OUTCOMES = ["done"] * 11 + ["partial"] * 3 + ["follow_up"] * 4 + ["declined"] * 2
HOUSEHOLD_SIZES = [2] * 4 + [3] * 7 + [4] * 5 + [5] * 2 + [6] * 2
ALREADY_HAD = {"vneid_account": 0.65, "vneid_level2": 0.55, "cashless_payment": 0.45, "public_services": 0.15,
               "digital_skills": 0.3, "scam_awareness": 0.15}
"""How often a resident asked about a topic already had it before the visit: most adults had a VNeID account by
late 2024, few had filed a public service online."""
NO_BIRTH_YEAR = 0.03
"""The share of residents whose birth year the household list left out."""


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
           "head_name": people[0][0], "phone": residents[0]["phone"], "note": ""}
    return row, residents


def _resident(rng, hid, village, name, born, sex, year, ms) -> dict:
    age = year - born
    has_phone = age >= 16 and rng.random() < 0.85
    smart_odds = 0.3 if age >= 70 else 0.6 if age >= 50 else 0.9
    smart = (rng.random() < smart_odds) if has_phone else (None if age < 16 else False)
    known = rng.random() >= NO_BIRTH_YEAR
    return {"id": uuid7(rng, ms), "household_id": hid, "village_id": village.id, "commune_id": village.commune_id,
            "full_name": name, "birth_year": born if known else None, "sex": sex,
            "phone": phone(rng) if has_phone else "", "has_smartphone": smart}


def visits(rng: Dice, home: dict, residents: list[dict], village: Village, count: int,
           today: date, weeks: int, now: datetime) -> tuple[list[dict], list[dict]]:
    """`count` visits to one household over the last `weeks` weeks, with their assists; a later visit takes up
    the topics an earlier one left to follow up."""
    days = sorted(rng.between(1, weeks * 7) for _ in range(count))
    point = (village.centre[0] + rng.uniform(-0.004, 0.004), village.centre[1] + rng.uniform(-0.004, 0.004))
    people = [(r["id"], r["birth_year"], bool(r["phone"])) for r in residents]
    # Most households (85%) are visited by an official whose tablet may record the location; even then a visit
    # now and then has no fix (indoors, no signal), so the map keeps the household at its earlier fix.
    located = rng.random() < 0.85
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
            helped = _assists(rng, vid, home, people, today.year, pending, done)
            assists += helped
            outcomes = {a["outcome"] for a in helped}
            notes = (words.NOTES_FOLLOW_UP if "follow_up" in outcomes else
                     words.NOTES_DECLINED if "declined" in outcomes else words.NOTES_DONE)
            row |= {"duration_min": rng.between(10, 45), "notes": rng.pick(notes) if rng.random() < 0.7 else ""}
            if "follow_up" in outcomes:
                row["follow_up_on"] = day + timedelta(days=rng.between(3, 14))
        gps = located and rng.random() < 0.9
        row |= {"lat": round(point[0] + rng.uniform(-2e-4, 2e-4), 6) if gps else None,
                "lon": round(point[1] + rng.uniform(-2e-4, 2e-4), 6) if gps else None,
                "accuracy_m": float(rng.between(4, 25)) if gps else None}
        content = f"{vid}|{home['id']}|{started.isoformat()}|{row['status']}|{row['notes']}|{row['follow_up_on']}"
        row["payload_hash"] = hashlib.sha256(content.encode()).hexdigest()
        rows.append(row)
    return rows, assists


def _assists(rng, vid, home, people, year, pending, done) -> list[dict]:
    """VNeID first, as the campaign asks, then 1-2 topics (those left to follow up first, then ones not yet done),
    each asked of every resident old enough who does not have it yet: many already had it; a resident without a
    phone cannot pay cashless. A topic is done for the household once every such resident has it (or cannot)."""
    first = [t for t in ("vneid_account", "vneid_level2") if t not in done]
    fresh = [t for t in TOPIC_LIST if t not in done and t not in pending and t not in first]
    rng.shuffle(fresh)
    topics = first + ([t for t in pending if t not in first] + fresh)[:rng.between(1, 2)] or [rng.pick(TOPIC_LIST)]
    out = []
    for topic in topics:
        if topic in pending:
            pending.remove(topic)
        asked = [(rid, with_phone) for rid, born, with_phone in people
                 if coverage.old_enough(born, MIN_AGE[topic], year) and (rid, topic) not in done]
        if not asked:
            out.append(_assist(vid, home, None, topic, rng.pick(OUTCOMES)))  # for the household as a whole
            continue
        open_ = False
        for rid, with_phone in asked:
            if topic == "cashless_payment" and not with_phone:
                outcome = "not_applicable"
            elif rng.random() < ALREADY_HAD[topic]:
                outcome = "already_had"
            else:
                outcome = rng.pick(OUTCOMES)
            if outcome in ("done", "already_had", "not_applicable"):
                done.add((rid, topic))
            else:
                open_ = True
            out.append(_assist(vid, home, rid, topic, outcome))
        if open_ and any(a["outcome"] == "follow_up" for a in out if a["topic"] == topic):
            pending.append(topic)
        elif not open_:
            done.add(topic)
    return out


def _assist(vid, home, resident, topic, outcome) -> dict:
    return {"visit_id": vid, "resident_id": resident, "topic": topic, "outcome": outcome, "note": "",
            "household_id": home["id"], "commune_id": home["commune_id"]}
