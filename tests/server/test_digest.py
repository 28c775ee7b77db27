"""A visit's digest (payload_hash) never changes for the same data: a tablet that pushes a visit again after an
upgrade must hear "duplicate", not "conflict". The push writes it with orjson from the time in UTC; here it is
checked against the first way it was written, every time through isoformat()."""
from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import fields

from server.sync.push import _digest, digest_by_isoformat
from shared.schemas import AssistData, VisitData
from shared.vocab import OUTCOMES, TOPICS

offsets = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
times = st.datetimes(datetime(1, 1, 2), datetime(9999, 12, 30), timezones=offsets)
assists = st.fixed_dictionaries({"topic": st.sampled_from(sorted(TOPICS)), "outcome": st.sampled_from(sorted(OUTCOMES)),
                                 "resident_id": st.one_of(st.none(), st.uuids().map(str)),
                                 "note": st.one_of(st.none(), st.text(max_size=20))})
visits = st.fixed_dictionaries({
    "household_id": st.one_of(st.uuids(), st.uuids().map(str)), "started_at": times,
    "duration_min": st.one_of(st.none(), st.integers(0, 600)), "notes": st.one_of(st.none(), st.text(max_size=30)),
    "follow_up_on": st.one_of(st.none(), st.dates()), "lat": st.one_of(st.none(), st.floats(-90, 90)),
    "assists": st.lists(assists, max_size=3)})


@settings(max_examples=300, deadline=None)
@given(visits)
def test_the_digest_of_the_time_in_utc_is_the_first_digest(data):
    first = digest_by_isoformat(data)
    data["started_at"] = data["started_at"].astimezone(timezone.utc)  # as the push gives it
    assert _digest(data) == first


def test_the_digest_of_a_known_visit_stays_the_same():
    data = {"household_id": "01936f4e-0000-7000-8000-000000000001", "status": "met", "notes": "Bà Nguyễn Thị Ánh",
            "started_at": datetime(2026, 11, 20, 9, 0, 0, 250, tzinfo=timezone(timedelta(hours=7))),
            "assists": [{"topic": "vneid_account", "outcome": "done", "resident_id": None, "note": None}]}
    stored = "ebd04a38d92f74450dc80966c83d3d6406ed1ecc95e9bf84c3517bd9f5367ed4"  # as stored since 11/2026
    assert digest_by_isoformat(data) == stored
    data["started_at"] = data["started_at"].astimezone(timezone.utc)
    assert _digest(data) == stored


def test_the_visits_only_time_is_started_at():
    # _digest relies on it (push._visit puts started_at in UTC): a new time field must be given in UTC there too.
    def times(schema):
        return [name for name, field in schema().fields.items() if isinstance(field, fields.DateTime)]
    assert times(VisitData) == ["started_at"] and times(AssistData) == []
