"""The coverage map: households at their last fix, coloured by class, counted beside the map (on both databases)."""
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from server.audit import ACTIONS
from server.extensions import db
from server.models import AuditLog, Household, Visit
from server.stats import places
from shared.ids import new_id
from tests.conftest import household_change, push, visit_change
from tests.server.test_dashboard_views import logged_in


def ago(days: float) -> str:
    return (datetime.now(timezone.utc) - timedelta(days=days)).isoformat()


def fix(lat: float, lon: float, accuracy: float = 10.0) -> dict:
    return {"lat": lat, "lon": lon, "accuracy_m": accuracy}


class Village:
    """Village A1 of commune A, six households:
    h0 fixed at P then visited again without a fix (keeps P); all of its two eligible residents have VNeID;
    h1 fixed at P, then at Q by a visit that was voided (back to P); one of two eligible residents has VNeID;
    h2 its only visit, with a fix, was voided: no fix, not reached;
    h3 never visited: no fix; h4 met without a fix and without assists: reached, no fix;
    h5 visited, nobody home, with a fix: not reached, on the map."""
    P, Q = (16.6201, 107.3502), (16.6250, 107.3560)

    def __init__(self, client, world):
        headers = world.login(client, world.official)
        self.h = [new_id() for _ in range(6)]
        heads = ["Lê Văn Tám", "Phạm Thị Bé", "Võ Văn Ba", "Hồ Thị Tư", "Đỗ Văn Năm", "Ngô Thị Sáu"]
        changes = [household_change(world.a1, id=hid, address=f"{i + 1} Kiệt 3", head_name=heads[i])
                   for i, hid in enumerate(self.h)]
        self.r = [new_id() for _ in range(4)]
        for rid, home, name in ((self.r[0], 0, "Lê Văn Tám"), (self.r[1], 0, "Lê Thị Hai"),
                                (self.r[2], 1, "Phạm Thị Bé"), (self.r[3], 1, "Phạm Văn Út")):
            changes.append({"table": "residents", "op": "upsert", "id": rid, "base_version": 0,
                            "data": {"household_id": self.h[home], "full_name": name, "birth_year": 1970}})
        self.voided = [visit_change(self.h[1], started_at=ago(2), **fix(*self.Q)),
                       visit_change(self.h[2], started_at=ago(3), **fix(*self.Q))]
        changes += [
            visit_change(self.h[0], started_at=ago(10), **fix(*self.P), assists=[
                {"topic": "vneid_account", "outcome": "done", "resident_id": self.r[0]},
                {"topic": "vneid_account", "outcome": "already_had", "resident_id": self.r[1]}]),
            visit_change(self.h[0], started_at=ago(4), assists=[]),  # no fix: h0 stays at P
            visit_change(self.h[1], started_at=ago(9), **fix(*self.P, accuracy=30), assists=[
                {"topic": "vneid_account", "outcome": "done", "resident_id": self.r[2]},
                {"topic": "vneid_account", "outcome": "declined", "resident_id": self.r[3]}]),
            visit_change(self.h[4], started_at=ago(5), assists=[]),
            visit_change(self.h[5], started_at=ago(5), status="not_home", assists=[], **fix(*self.Q)),
            *self.voided,
        ]
        reply = push(client, headers, *changes)
        assert {r["status"] for r in reply.get_json()["results"]} == {"applied"}, reply.get_json()
        for visit in self.voided:
            reply = push(client, headers, {"table": "visits", "op": "delete", "id": visit["id"], "base_version": 1,
                                           "data": {}})
            assert reply.get_json()["results"][0]["status"] == "applied", reply.get_json()


@pytest.fixture
def village(client, world):
    return Village(client, world)


def test_the_last_fix_ignores_voided_visits_and_visits_without_one(app, world, village):
    with app.app_context():
        fixes = places.last_fixes(select(Household.id).where(Household.village_id == world.a1))
    h = village.h
    assert {hid: f[:2] for hid, f in fixes.items()} == {h[0]: Village.P, h[1]: Village.P, h[5]: Village.Q}
    assert fixes[h[1]][2] == 30  # the accuracy of the fix kept, not of the voided visit's


def test_classes_and_counts(app, world, village):
    with app.app_context():
        found = places.village_map(world.commune_a, world.a1, "vneid_account")
        plain = places.village_map(world.commune_a, world.a1)
    kinds = {home["id"]: home["class"] for home in found["households"]}
    h = village.h
    assert kinds == {h[0]: "all", h[1]: "some", h[2]: "not_reached", h[3]: "not_reached", h[4]: "reached",
                     h[5]: "not_reached"}
    assert found["counts"] == {"not_reached": {"fix": 1, "no_fix": 2}, "reached": {"fix": 0, "no_fix": 1},
                               "some": {"fix": 1, "no_fix": 0}, "all": {"fix": 1, "no_fix": 0}}
    assert (found["with_fix"], found["without_fix"]) == (3, 3)
    # Without a topic, a reached household is just reached.
    assert {home["class"] for home in plain["households"]} == {"reached", "not_reached"}
    assert plain["counts"]["reached"] == {"fix": 2, "no_fix": 1}


def circles(page: str) -> dict[str, int]:
    svg = re.search(r'<svg class="chart map".*?</svg>', page, re.S).group(0)
    found: dict[str, int] = {}
    for kind in re.findall(r'<circle class="home (\w+)"', svg):
        found[kind] = found.get(kind, 0) + 1
    return found


def shown_counts(page: str) -> dict[str, tuple[int, int]]:
    """{class: (on the map, without a location)} as the table beside the map shows them."""
    rows = re.findall(r'<tr data-class="(\w+)">.*?data-fix>(\d+)<.*?data-no-fix>(\d+)<', page, re.S)
    return {kind: (int(on), int(off)) for kind, on, off in rows}


def figure(page: str, name: str) -> str:
    return re.search(rf'data-figure="{name}"[^>]*>([^<]*)<', page).group(1).strip()


def test_the_map_page_draws_one_dot_per_located_household(app, client, world, village):
    logged_in(client, world.leader)
    reply = client.get(f"/communes/{world.commune_a}/map?village={world.a1}&topic=vneid_account")
    assert reply.status_code == 200
    page = reply.get_data(as_text=True)
    counts = shown_counts(page)
    assert counts == {"not_reached": (1, 2), "reached": (0, 1), "some": (1, 0), "all": (1, 0)}
    assert circles(page) == {kind: on for kind, (on, _) in counts.items() if on}
    assert (figure(page, "with-fix"), figure(page, "without-fix"), figure(page, "map-total")) == ("3", "3", "6")
    assert "Mọi người trong diện đã có" in page and "Chưa tiếp cận" in page  # the legend, in Vietnamese
    assert "style=" not in page and "<script" not in page  # the CSP allows the stylesheet only
    assert "style-src 'self'" in reply.headers["Content-Security-Policy"]
    titles = re.findall(r"<circle[^>]*><title>([^<]*)</title>", page)
    assert "1 Kiệt 3: Mọi người trong diện đã có · sai số 10 m" in titles  # a leader reads the address
    # Every dot lies in the drawing, north up: Q (north-east of P) is above and right of P.
    points = {t.split(":")[0]: tuple(map(float, xy)) for t, xy in zip(
        titles, re.findall(r'<circle[^>]*cx="([\d.]+)" cy="([\d.]+)"', page))}
    assert all(0 <= x <= 720 and 0 <= y <= 480 for x, y in points.values())
    assert points["6 Kiệt 3"][0] > points["1 Kiệt 3"][0] and points["6 Kiệt 3"][1] < points["1 Kiệt 3"][1]
    with app.app_context():
        row = db.session.execute(select(AuditLog).where(AuditLog.action == "view_map")).scalar_one()
        assert row.detail == {"village": world.a1, "rows": 3}
    assert "view_map" in ACTIONS


def test_without_a_topic_two_colours_and_the_first_village_by_default(client, world, village):
    logged_in(client, world.leader)
    page = client.get(f"/communes/{world.commune_a}/map?village={world.a1}").get_data(as_text=True)
    assert shown_counts(page) == {"not_reached": (1, 2), "reached": (2, 1)}
    assert circles(page) == {"not_reached": 1, "reached": 2}
    page = client.get(f"/communes/{world.commune_a}/map").get_data(as_text=True)
    # Villages in name order: Thôn Bắc (A3), Thôn Đông (A1), Thôn Tây (A2); the first, empty, is drawn without dots.
    assert re.search(r'<option value="(\d+)" selected', page).group(1) == str(world.a3)
    assert figure(page, "map-total") == "0"
    assert '<svg class="chart map"' in page and "<circle" not in page


def test_an_admin_sees_dots_and_counts_but_no_address_or_name(app, client, world, village):
    logged_in(client, world.admin)
    page = client.get(f"/communes/{world.commune_a}/map?village={world.a1}&topic=vneid_account").get_data(
        as_text=True)
    assert circles(page) == {"not_reached": 1, "some": 1, "all": 1}
    assert "Kiệt" not in page and "Lê Văn Tám" not in page and "Phạm Thị Bé" not in page
    with app.app_context():
        assert db.session.execute(select(AuditLog).where(AuditLog.action == "view_map")).first() is None


def test_a_leader_cannot_open_another_communes_map_and_bad_filters_are_named(client, world, village):
    logged_in(client, world.leader_b)
    assert client.get(f"/communes/{world.commune_a}/map").status_code == 403
    logged_in(client, world.leader)
    reply = client.get(f"/communes/{world.commune_a}/map?village={world.b1}&topic=astrology")
    page = reply.get_data(as_text=True)
    assert reply.status_code == 200 and "Bộ lọc không hợp lệ đã bỏ qua: Thôn" in page
    assert "Bộ lọc không hợp lệ đã bỏ qua: Nội dung" in page


def test_the_overview_links_to_the_map(client, world, village):
    logged_in(client, world.leader)
    page = client.get(f"/communes/{world.commune_a}?topic=vneid_account").get_data(as_text=True)
    assert f'href="/communes/{world.commune_a}/map"' in page  # the menu
    assert f"/communes/{world.commune_a}/map?village={world.a1}&amp;topic=vneid_account" in page


def test_the_shares_add_up_to_the_who_is_counted_figures(app, world, village):
    """The map's per-household shares (from the facts) and people.counted (from the visits) agree."""
    from server.stats import facts, people
    with app.app_context():
        facts.catch_up()
        shares = places._topic_shares(world.commune_a, world.a1, "vneid_account")
        counted = people.counted(world.commune_a, "vneid_account", village_id=world.a1, limit=0)
    assert sum(has for has, _ in shares.values()) == counted["counts"]["has"] == 3
    assert sum(eligible for _, eligible in shares.values()) == counted["eligible"] == 4


def test_the_demo_places_households_around_the_real_communes(app):
    """About four visited households in five have a fix, each within a few kilometres of its real commune."""
    from sqlalchemy import distinct, func

    from server.admin import demo, demo_data
    from server.models import Area
    with app.app_context():
        demo.seed(seed=5, households_per_village=30, weeks=6)
        for name, (lat, lon), _ in demo_data.COMMUNES:
            commune = db.session.execute(select(Area.id).where(Area.name == name)).scalar_one()
            homes = select(Household.id).where(Household.commune_id == commune)
            visited = db.session.scalar(select(func.count(distinct(Visit.household_id))).where(
                Visit.commune_id == commune, Visit.voided.is_(False)))
            fixes = places.last_fixes(homes)
            assert 0.7 <= len(fixes) / visited <= 0.9, name
            assert all(abs(f[0] - lat) < 0.04 and abs(f[1] - lon) < 0.04 for f in fixes.values()), name


from hypothesis import given, settings, strategies as st  # noqa: E402

from server.dashboard import charts  # noqa: E402

_points = st.lists(st.tuples(st.floats(8.0, 23.5), st.floats(102.0, 110.0)), min_size=1, max_size=40)


@settings(max_examples=200, deadline=None)
@given(points=_points, spread=st.sampled_from([1e-6, 1e-4, 1e-2, 1.0]))
def test_every_dot_is_drawn_inside_the_map_north_up(points, spread):
    """Whatever the fixes (one spot, a street, a province), each is a dot inside the drawing, in order."""
    base_lat, base_lon = points[0]
    fixes = [(base_lat + (lat - base_lat) * spread, base_lon + (lon - base_lon) * spread) for lat, lon in points]
    svg = str(charts.village_map([(lat, lon, "reached", f"h{i}") for i, (lat, lon) in enumerate(fixes)],
                                 "Bản đồ", "{} m".format))
    drawn = [(float(x), float(y)) for x, y in re.findall(r'<circle class="home reached" cx="([-\d.]+)" cy="([-\d.]+)"',
                                                           svg)]
    assert len(drawn) == len(fixes)
    assert all(0 <= x <= charts.MAP_W and 0 <= y <= charts.MAP_H for x, y in drawn)
    for (lat_a, lon_a), (xa, ya) in zip(fixes, drawn):
        for (lat_b, lon_b), (xb, yb) in zip(fixes, drawn):
            if lat_a - lat_b > 1e-3 * spread + 1e-9:
                assert ya <= yb + 0.1  # further north is higher up
            if lon_a - lon_b > 1e-3 * spread + 1e-9:
                assert xa >= xb - 0.1  # further east is further right
    assert re.search(r'<text class="tick"[^>]*>\d+ m</text>', svg)  # the scale bar
