"""The work list's order (shared/worklist.py): tiers first, then the walk order of shared/sorting.walk_key."""
from hypothesis import given
from hypothesis import strategies as st

from shared import worklist
from shared.sorting import walk_key

TODAY = "2026-12-02"
VILLAGES = ["Thôn Đông", "Thôn Tây", "Thôn Đồng", "Xóm 2", "Xóm 10"]
ADDRESSES = st.builds(lambda n, t, s: f"Số {n}, tổ {t} {s}", st.integers(1, 40), st.integers(1, 12),
                      st.sampled_from(["", "Lê Lợi", "kiệt 3", "Ấp Bắc"]))
HEADS = st.sampled_from(["Nguyễn Văn Ánh", "Trần Thị Bình", "Lê Văn An", "Đặng Thị Mỹ Duyên", "Hà Văn Sơn"])


def household(village, address, head, **facts):
    return {"village_name": village, "address": address, "head_name": head, "reached": False, "follow_up_on": None,
            "missing": [], **facts}


never_met = st.lists(st.builds(household, st.sampled_from(VILLAGES), ADDRESSES, HEADS), max_size=40)


@given(never_met)
def test_households_all_never_met_are_in_walk_order(items):
    expected = sorted(items, key=lambda h: walk_key(h["village_name"], h["address"], h["head_name"]))
    assert worklist.order([dict(i) for i in items], TODAY, []) == [dict(i, walk_key=walk_key(
        i["village_name"], i["address"], i["head_name"]), tier=worklist.NEVER_MET) for i in expected]


def test_due_follow_ups_then_never_met_then_lagging_topics_each_in_walk_order():
    items = [
        household("Thôn Tây", "Số 2", "A", reached=True, missing=["vneid_account"]),       # lagging topic left
        household("Thôn Đông", "Số 18", "B"),                                               # never met
        household("Thôn Đông", "Số 9", "C", reached=True, follow_up_on="2026-12-02"),      # due today
        household("Thôn Đông", "Số 3", "D", reached=True, follow_up_on="2026-12-09"),      # not due: nothing left
        household("Thôn Tây", "Số 1", "E", reached=True, follow_up_on="2026-11-20"),       # overdue
        household("Thôn Đông", "Số 9", "F"),                                                # never met
        household("Thôn Đông", "Số 4", "G", reached=True, missing=["digital_skills"]),     # not a lagging topic
    ]
    rows = worklist.order(items, TODAY, ["vneid_account"])
    assert [(r["head_name"], r["tier"]) for r in rows] == [("C", 0), ("E", 0), ("F", 1), ("B", 1), ("A", 2)]


def test_a_pinned_village_keeps_only_its_households():
    items = [household("Thôn Đông", "Số 1", "A", village_id=1), household("Thôn Tây", "Số 1", "B", village_id=2)]
    assert [r["head_name"] for r in worklist.order(items, TODAY, [], village_id=2)] == ["B"]


def test_lagging_topics_without_targets_are_the_lowest_covered():
    coverage = {"vneid_account": (9, 10), "vneid_level2": (2, 10), "cashless_payment": (5, 10),
                "public_services": (1, 10), "digital_skills": (10, 10), "scam_awareness": (0, 0)}
    assert worklist.lagging_topics(coverage) == ["vneid_level2", "public_services"]
    # Every eligible resident has every topic: nothing is behind.
    assert worklist.lagging_topics({t: (3, 3) for t in coverage}) == []


def test_lagging_topics_with_targets_are_those_below_their_target():
    coverage = {"vneid_account": (9, 10), "vneid_level2": (2, 10), "cashless_payment": (5, 10)}
    targets = {"vneid_account": 95.0, "vneid_level2": 10.0, "cashless_payment": None, "nonsense": 50}
    assert worklist.lagging_topics(coverage, targets) == ["vneid_account"]
