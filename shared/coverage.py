"""The campaign's indicators, defined once: what the server's facts and queries compute in SQL and the tablet's marks
compute in its store. Pure Python; tests/server/test_stats.py counts with these functions to check the SQL.

Terms (../shared/DESIGN.md, Words):
- a *counted visit* is a visit that is not voided (and, on the server, of the selection counted);
- the *status* of a subject (a resident, or the household as a whole for an assist with no resident) for a topic is
  the outcome of its latest assist for that topic in a counted visit: latest by the visit's start time in UTC, ties
  broken by the visit's id, then by the assist's place in its visit (`order_key`). None: no assist yet;
- a resident *has* a topic when its status is in HAS_IT (done or already_had);
- a resident is *old enough* for a topic when the commune's current year minus its birth year is at least the
  topic's minimum age; a resident with no birth year counts as old enough (and is listed, so that it gets one);
- a resident is *eligible* for a topic when old enough and its status is not `not_applicable`;
- *coverage* of a topic = eligible residents who have it / eligible residents;
- a household is *reached* when it has a counted visit with status met; a not-home visit reaches nobody.
"""
from datetime import datetime, timezone

from .vocab import HAS_IT

NOT_APPLICABLE = "not_applicable"


def order_key(started_at, visit_id: str, position: int) -> tuple:
    """The order of assists in time: (UTC start, visit id, place in the visit). `started_at`: an aware datetime or
    its ISO text with an offset."""
    if isinstance(started_at, str):
        started_at = datetime.fromisoformat(started_at)
    if started_at.tzinfo is None:  # a time without its offset is taken as UTC, as the tablet's store does
        started_at = started_at.replace(tzinfo=timezone.utc)
    return started_at.astimezone(timezone.utc), str(visit_id), position


def statuses(visits) -> dict[tuple[str | None, str], str]:
    """{(resident id or None, topic): status} from visits given as dicts with `id`, `started_at`, `voided` and
    `assists` (each with resident_id, topic, outcome)."""
    latest: dict[tuple, tuple] = {}
    for visit in visits:
        if visit.get("voided"):
            continue
        for position, assist in enumerate(visit.get("assists") or ()):
            key = (assist.get("resident_id"), assist["topic"])
            stamp = order_key(visit["started_at"], visit["id"], position)
            if key not in latest or stamp > latest[key][0]:
                latest[key] = (stamp, assist["outcome"])
    return {key: outcome for key, (_, outcome) in latest.items()}


def has_it(status: str | None) -> bool:
    return status in HAS_IT


def old_enough(birth_year: int | None, min_age: int, year: int) -> bool:
    return birth_year is None or year - birth_year >= min_age


def eligible(birth_year: int | None, status: str | None, min_age: int, year: int) -> bool:
    return old_enough(birth_year, min_age, year) and status != NOT_APPLICABLE


def reached(visits) -> bool:
    """Whether one household's visits reach it."""
    return any(v["status"] == "met" and not v.get("voided") for v in visits)


def percent(part: int, whole: int) -> float | None:
    """A share in percent with one decimal; None when there is nothing to share."""
    return round(100.0 * part / whole, 1) if whole else None
