"""The indicators' definitions (shared/coverage.py): status, old enough, eligible, has it, reached."""
from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from shared import coverage
from shared.vocab import HAS_IT, MIN_AGE, OUTCOMES, TOPICS


def visit(vid, at, assists, voided=False, status="met"):
    return {"id": vid, "started_at": at, "voided": voided, "status": status,
            "assists": [{"resident_id": r, "topic": t, "outcome": o} for r, t, o in assists]}


def test_the_latest_outcome_is_the_status_whatever_the_offsets():
    early = "2026-11-03T09:00:00+07:00"          # 02:00 UTC
    late = "2026-11-03T03:00:00+00:00"           # 03:00 UTC: later, though it reads earlier
    visits = [visit("b", late, [("r", "vneid_account", "partial")]),
              visit("a", early, [("r", "vneid_account", "done"), ("r", "cashless_payment", "already_had")]),
              visit("c", "2026-11-04T09:00:00+07:00", [("r", "vneid_account", "done")], voided=True)]
    assert coverage.statuses(visits) == {("r", "vneid_account"): "partial", ("r", "cashless_payment"): "already_had"}


def test_ties_go_by_visit_id_then_by_place_in_the_visit():
    at = "2026-11-03T09:00:00+07:00"
    visits = [visit("0002", at, [("r", "vneid_account", "declined")]),
              visit("0001", at, [("r", "vneid_account", "done")]),
              visit("0003", at, [("s", "vneid_level2", "done"), ("s", "vneid_level2", "not_applicable")])]
    assert coverage.statuses(visits) == {("r", "vneid_account"): "declined", ("s", "vneid_level2"): "not_applicable"}
    assert coverage.statuses(list(reversed(visits))) == coverage.statuses(visits)


def test_eligible_and_has_it():
    assert set(HAS_IT) == {"done", "already_had"} and set(HAS_IT) < set(OUTCOMES)
    assert set(MIN_AGE) == set(TOPICS)
    assert coverage.old_enough(2012, 14, 2026) and not coverage.old_enough(2013, 14, 2026)
    assert coverage.old_enough(None, 18, 2026)  # no birth year: counted
    assert not coverage.eligible(1980, "not_applicable", 14, 2026)
    assert coverage.eligible(None, "declined", 14, 2026) and not coverage.has_it("declined")
    assert coverage.has_it("already_had") and not coverage.has_it(None)
    assert coverage.reached([visit("a", "2026-11-03T09:00+07:00", [], status="not_home"),
                             visit("b", "2026-11-03T09:00+07:00", [], voided=True)]) is False
    assert coverage.percent(1, 3) == 33.3 and coverage.percent(0, 0) is None


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.sampled_from(["1", "2", "3"]), st.sampled_from(list(OUTCOMES))),
                max_size=8), st.randoms())
def test_the_status_does_not_depend_on_the_order_visits_come_in(entries, rng):
    base = datetime(2026, 11, 1, tzinfo=timezone.utc)
    visits = [visit(f"{n:04d}", base + timedelta(hours=h), [(who, "vneid_account", outcome)])
              for n, (h, who, outcome) in enumerate(entries)]
    shuffled = list(visits)
    rng.shuffle(shuffled)
    assert coverage.statuses(shuffled) == coverage.statuses(visits)
    for who in ("1", "2", "3"):
        mine = [(h, n, o) for n, (h, w, o) in enumerate(entries) if w == who]
        assert coverage.statuses(visits).get((who, "vneid_account")) == (max(mine)[2] if mine else None)
