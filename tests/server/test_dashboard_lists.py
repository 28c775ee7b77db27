"""The dashboard's lists: Vietnamese order (shared/sorting.py), the follow-ups once per household and paged with
"xem thêm", reversed dates, the printable walk list, conflict cards that name the household, tablets' labels."""
import csv
import html
import io
import re
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from server.admin import service as admin
from server.extensions import db
from server.models import Area, AuditLog, Household
from shared.ids import new_id
from shared.sorting import name_key, vi_key, walk_key
from tests.conftest import World, household_change, push, visit_change
from tests.server.test_dashboard_manage import _conflict
from tests.server.test_dashboard_views import logged_in, user_id

ADDRESSES = ["Kiệt 11/14", "Số 18", "Kiệt 2/18", "Số 9", "Ấp Mới", "An Cựu"]
"""In walk order: An Cựu, Ấp Mới, Kiệt 2/18, Kiệt 11/14, Số 9, Số 18 (SQL would put "Số 18" before "Số 9")."""
WALK = ["An Cựu", "Ấp Mới", "Kiệt 2/18", "Kiệt 11/14", "Số 9", "Số 18"]


def _villages(app, commune_id: int, *names: str) -> list[int]:
    with app.app_context():
        ids = [admin.create_area("village", name, commune_id, commit=False).id for name in names]
        db.session.commit()
        return ids


def _order(page: str, texts) -> list[str]:
    """`texts` in the order the page shows them (each must appear)."""
    found = {t: page.find(html.escape(t, quote=False)) for t in texts}
    assert all(i >= 0 for i in found.values()), found
    return sorted(texts, key=found.get)


def test_the_village_table_filter_and_export_are_in_vietnamese_order(app, client, world):
    """Thôn Bắc < Thôn Đông < Thôn Tây (SQL puts Đ after T), and Thôn 9 < Thôn 10 (SQL puts 10 first)."""
    _villages(app, world.commune_a, "Thôn 10", "Thôn 9", "Dương Hòa", "Đồng Lâm")
    logged_in(client, world.leader)
    names = ["Thôn Đông", "Thôn Tây", "Thôn Bắc", "Thôn 10", "Thôn 9", "Dương Hòa", "Đồng Lâm"]
    want = sorted(names, key=vi_key)
    assert want == ["Dương Hòa", "Đồng Lâm", "Thôn 9", "Thôn 10", "Thôn Bắc", "Thôn Đông", "Thôn Tây"]
    page = client.get(f"/communes/{world.commune_a}").get_data(as_text=True)
    table = page[page.index('id="villages"'):]
    assert _order(table, names) == want
    options = page[page.index('name="village"'):page.index('name="topic"')]
    assert _order(options, names) == want
    # Descending is the exact reverse.
    table = client.get(f"/communes/{world.commune_a}?sort=name&desc=1").get_data(as_text=True)
    table = table[table.index('id="villages"'):]
    assert _order(table, names) == want[::-1]
    rows = list(csv.reader(io.StringIO(client.get(f"/communes/{world.commune_a}/export.csv?table=villages")
                                       .get_data().decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == want


def test_communes_are_compared_in_vietnamese_order(app, client, world):
    with app.app_context():
        province = db.session.get(Area, world.commune_a).parent_id
        for name in ("Đông Hà", "Dương Nỗ", "Yên Phú"):
            admin.create_area("commune", name, province, commit=False)
        db.session.commit()
    logged_in(client, world.admin)
    page = client.get("/communes").get_data(as_text=True)
    names = ["Phong Phú", "Nam Đông", "Đông Hà", "Dương Nỗ", "Yên Phú"]
    table = page[page.index("<table"):]
    assert _order(table, names) == ["Dương Nỗ", "Đông Hà", "Nam Đông", "Phong Phú", "Yên Phú"]


def test_officials_are_listed_by_given_name(app, client, world):
    """A commune office lists people by the given name: Trần Văn An before Nguyễn Thị Bình before Lê Văn Đức."""
    with app.app_context():
        for username, name in (("duc", "Lê Văn Đức"), ("binh", "Nguyễn Thị Bình"), ("an", "Trần Văn An"),
                               ("dung", "Phạm Dũng")):
            admin.create_user(username, name, "official", World.PASSWORD, world.commune_a, [world.a1], commit=False)
        db.session.commit()
    logged_in(client, world.leader)
    names = ["Lê Văn Đức", "Nguyễn Thị Bình", "Trần Văn An", "Phạm Dũng"]
    want = sorted(names, key=name_key)
    assert want == ["Trần Văn An", "Nguyễn Thị Bình", "Phạm Dũng", "Lê Văn Đức"]
    officials = client.get(f"/communes/{world.commune_a}/officials").get_data(as_text=True)
    assert _order(officials[officials.index("<table"):], names) == want
    overview = client.get(f"/communes/{world.commune_a}").get_data(as_text=True)
    assert _order(overview[overview.index('id="officials"'):], names) == want
    options = overview[overview.index('name="official"'):]
    assert _order(options, names) == want


def _households(client, world, addresses, village=None, **visit) -> list[str]:
    """Households at `addresses` (head: "Chủ <address>"), each with one visit of `visit` if given."""
    headers = world.login(client, world.official)
    ids, changes = [], []
    for address in addresses:
        hid = new_id()
        ids.append(hid)
        changes.append(household_change(village or world.a1, id=hid, address=address, head_name=f"Chủ {address}",
                                        phone="0905123456"))
        if visit:
            changes.append(visit_change(hid, **visit))
    reply = push(client, headers, *changes)
    assert {r["status"] for r in reply.get_json()["results"]} == {"applied"}, reply.get_json()
    return ids


def test_the_never_reached_list_and_its_api_are_in_walk_order(client, world):
    _households(client, world, ADDRESSES)
    logged_in(client, world.leader)
    page = client.get(f"/communes/{world.commune_a}/never-reached").get_data(as_text=True)
    assert _order(page, [f"Chủ {a}" for a in ADDRESSES]) == [f"Chủ {a}" for a in WALK]
    headers = world.login(client, world.leader)
    rows = client.get(f"/api/v1/stats/never-reached?area={world.commune_a}&limit=3", headers=headers).get_json()
    assert [r["address"] for r in rows] == WALK[:3]  # cut after sorting: the first three of the walk


def _residents(client, world, ids) -> None:
    """One resident ("Dân <address>", born 1970) in each household of `ids`, at ADDRESSES in their order."""
    headers = world.login(client, world.official)
    changes = [{"table": "residents", "op": "upsert", "id": new_id(), "base_version": 0,
                "data": {"household_id": hid, "full_name": f"Dân {a}", "birth_year": 1970}}
               for hid, a in zip(ids, ADDRESSES)]
    assert {r["status"] for r in push(client, headers, *changes).get_json()["results"]} == {"applied"}


def test_who_is_counted_is_in_walk_order(client, world):
    ids = _households(client, world, ADDRESSES)
    _residents(client, world, ids)
    logged_in(client, world.leader)
    page = client.get(f"/communes/{world.commune_a}/counted/vneid_account?which=missing").get_data(as_text=True)
    assert _order(page, [f"Dân {a}" for a in ADDRESSES]) == [f"Dân {a}" for a in WALK]


def _due(days: int) -> str:
    return (datetime.now(timezone.utc) + timedelta(days=days)).date().isoformat()


def test_a_household_with_several_follow_ups_is_listed_once_with_its_earliest_date(client, world):
    headers = world.login(client, world.official)
    hid = new_id()
    changes = [household_change(world.a1, id=hid, address="Số 9", head_name="Hồ Văn Một")]
    changes += [visit_change(hid, status="not_home", assists=[], follow_up_on=_due(d),
                             started_at=(datetime.now(timezone.utc) - timedelta(hours=h)).isoformat())
                for d, h in ((5, 3), (2, 2), (9, 1))]
    assert {r["status"] for r in push(client, headers, *changes).get_json()["results"]} == {"applied"}
    logged_in(client, world.leader)
    page = client.get(f"/communes/{world.commune_a}").get_data(as_text=True)
    table = page[page.index('id="follow-ups"'):]
    assert table.count(f'data-household="{hid}"') == 1
    earliest = date.fromisoformat(_due(2)).strftime("%d/%m/%Y")
    assert earliest in table and date.fromisoformat(_due(5)).strftime("%d/%m/%Y") not in table
    assert 'data-open="3"' in table
    assert re.search(r'data-figure="follow-up-households">1 hộ', page)


def test_the_follow_up_table_pages_with_xem_them_keeping_the_filters(client, world):
    addresses = [f"Số {n}" for n in range(1, 62)]  # 61 households: two steps of 50
    _households(client, world, addresses, status="not_home", assists=[], follow_up_on=_due(3))
    _households(client, world, ["Số 1 Tây"], village=world.a2, status="not_home", assists=[],
                follow_up_on=_due(3))
    logged_in(client, world.leader)
    base = f"/communes/{world.commune_a}?village={world.a1}"
    page = client.get(base).get_data(as_text=True)
    assert re.search(r'data-figure="follow-up-households">61 hộ', page)
    assert "đang hiện 50/61" in page
    table = page[page.index('id="follow-ups"'):page.index("</table>", page.index('id="follow-ups"'))]
    assert table.count("data-household=") == 50
    # Street order: Số 1 .. Số 50 shown, Số 9 before Số 10.
    assert "Chủ Số 50<" in table and "Chủ Số 51<" not in table and table.index("Chủ Số 9<") < table.index("Chủ Số 10<")
    more = re.search(r'<a class="more" rel="next" href="([^"]+)">Xem thêm</a>', page)
    assert more, "no 'xem thêm' link"
    link = html.unescape(more.group(1))
    assert f"village={world.a1}" in link and "shown=100" in link
    page = client.get(link).get_data(as_text=True)
    table = page[page.index('id="follow-ups"'):page.index("</table>", page.index('id="follow-ups"'))]
    assert table.count("data-household=") == 61 and "Chủ Số 61<" in table and "Số 1 Tây" not in table
    assert 'class="more"' not in page and "đang hiện" not in page
    # A silly `shown` neither breaks the page nor shows everything at once.
    assert client.get(base + "&shown=99999999999").status_code == 200
    assert client.get(base + "&shown=-3").get_data(as_text=True).count('class="more"') == 1


def test_reversed_dates_say_so_instead_of_showing_zero(client, world):
    _households(client, world, ["Số 9"], started_at="2026-11-20T09:00:00+07:00")
    logged_in(client, world.leader)
    page = client.get(f"/communes/{world.commune_a}?from=2026-11-30&to=2026-11-01").get_data(as_text=True)
    assert "Ngày bắt đầu (30/11/2026) sau ngày kết thúc (01/11/2026)" in page
    assert "data-figure=" not in page and "0.0%" not in page and "0,0%" not in page
    assert 'value="2026-11-30"' in page and 'value="2026-11-01"' in page  # the form keeps what was typed
    for export in ("export.xlsx", "export.csv?table=villages", "visits.csv"):
        sep = "&" if "?" in export else "?"
        reply = client.get(f"/communes/{world.commune_a}/{export}{sep}from=2026-11-30&to=2026-11-01")
        assert reply.status_code == 302 and "from=2026-11-30" in reply.headers["Location"]
    # The same dates the right way round count the visit.
    page = client.get(f"/communes/{world.commune_a}?from=2026-11-01&to=2026-11-30").get_data(as_text=True)
    assert "Ngày bắt đầu" not in page and re.search(r'data-figure="households-reached">1<', page)


def test_the_audit_log_says_so_too(client, world):
    logged_in(client, world.admin)
    page = client.get("/audit?from=2026-11-30&to=2026-11-01").get_data(as_text=True)
    assert "Ngày bắt đầu (30/11/2026) sau ngày kết thúc (01/11/2026)" in page and "data-figure" not in page
    assert client.get("/audit.csv?from=2026-11-30&to=2026-11-01").status_code == 302


def test_the_walk_list_prints_per_village_with_officials_phones_and_a_box(app, client, world):
    _households(client, world, ADDRESSES)
    _households(client, world, ["Số 3 Tây"], village=world.a2)
    logged_in(client, world.leader)
    page = client.get(f"/communes/{world.commune_a}/never-reached").get_data(as_text=True)
    assert f'href="/communes/{world.commune_a}/never-reached?village=&amp;print=1"' in page
    page = client.get(f"/communes/{world.commune_a}/never-reached?print=1").get_data(as_text=True)
    sections = re.findall(r'<section class="walk" data-village="(\d+)">(.*?)</section>', page, re.S)
    assert [int(v) for v, _ in sections] == [world.a1, world.a2]  # Thôn Đông, Thôn Tây
    first = sections[0][1]
    assert "Danh sách đi hộ: Thôn Đông" in first and "Trần Thị Hoa" in first  # the official assigned
    assert _order(first, [f"Chủ {a}" for a in ADDRESSES]) == [f"Chủ {a}" for a in WALK]
    assert first.count("0905123456") == len(ADDRESSES) and first.count('class="tick box"') == len(ADDRESSES)
    today = datetime.now(ZoneInfo(app.config["TIMEZONE"])).date()
    assert f"In ngày {today.strftime('%d/%m/%Y')}" in first
    assert "Ctrl+P" in page and "<script" not in page and "onclick" not in page
    # An admin prints the same walk without names, addresses or phones.
    logged_in(client, world.admin)
    page = client.get(f"/communes/{world.commune_a}/never-reached?print=1").get_data(as_text=True)
    assert "0905123456" not in page and "Chủ " not in page and page.count('class="tick box"') == len(ADDRESSES) + 1


def test_a_conflict_card_names_the_household_and_links_to_it(app, client, world):
    hh = _conflict(client, world)
    logged_in(client, world.leader)
    page = client.get(f"/communes/{world.commune_a}/conflicts").get_data(as_text=True)
    card = page[page.index('class="card conflict"'):]
    assert "Chủ hộ: <strong>Trần Văn Ba</strong>" in card and "Thôn Đông" in card
    assert '<span data-field="head_name">Chủ hộ</span>' in card
    link = f'href="/communes/{world.commune_a}/households/{hh}"'
    assert link in card
    household = client.get(f"/communes/{world.commune_a}/households/{hh}")
    assert household.status_code == 200 and "Trần Văn Ba" in household.get_data(as_text=True)
    client.set_cookie("lang", "en")
    page = client.get(f"/communes/{world.commune_a}/conflicts").get_data(as_text=True)
    assert '<span data-field="head_name">Head of household</span>' in page
    # Another commune's leader, or the admin, cannot open it.
    logged_in(client, world.leader_b)
    assert client.get(f"/communes/{world.commune_a}/households/{hh}").status_code == 403
    assert client.get(f"/communes/{world.commune_b}/households/{hh}").status_code == 404
    logged_in(client, world.admin)
    assert client.get(f"/communes/{world.commune_a}/households/{hh}").status_code == 403


def test_the_household_page_is_audited_and_refuses_bad_ids(app, client, world):
    hh = _conflict(client, world)
    logged_in(client, world.leader)
    assert client.get(f"/communes/{world.commune_a}/households/not-an-id").status_code == 404
    assert client.get(f"/communes/{world.commune_a}/households/{new_id()}").status_code == 404
    client.get(f"/communes/{world.commune_a}/households/{hh}")
    with app.app_context():
        row = db.session.execute(db.select(AuditLog).where(AuditLog.action == "view_household")).scalar_one()
        assert row.target == f"household:{hh}" and "Trần" not in str(row.detail)
        assert db.session.get(Household, hh).head_name == "Trần Văn Ba"


def test_the_officials_page_shows_the_tablets_label_and_the_revoke_button_says_what_it_does(app, client, world):
    world.login(client, world.official)  # the tablet calls itself "Tab A8"
    logged_in(client, world.leader)
    page = client.get(f"/users/{user_id(app, world.official)}").get_data(as_text=True)
    assert "<span data-label>Tab A8</span>" in page
    assert "Thu hồi và xóa dữ liệu trên máy" in page
    client.set_cookie("lang", "en")
    page = client.get(f"/users/{user_id(app, world.official)}").get_data(as_text=True)
    assert "Revoke and erase the data on the tablet" in page


def test_walk_key_is_what_the_work_list_uses():
    rows = [("Thôn Tây", "Số 18", "B"), ("Thôn Đông", "Số 9", "A"), ("Thôn Đông", "Số 18", "C")]
    assert sorted(rows, key=lambda r: walk_key(*r)) == [rows[1], rows[2], rows[0]]


def test_follow_up_households_cut_after_the_walk_sort_whatever_the_days(app, client, world):
    """Households due on different days, one with three follow-ups: every cut is the start of the one full order."""
    from server.stats.service import follow_up_households
    headers = world.login(client, world.official)
    homes = {a: new_id() for a in ("Số 18", "Số 9", "Kiệt 11/14", "Kiệt 2/18")}
    changes = [household_change(world.a1, id=hid, address=a, head_name=f"Chủ {a}") for a, hid in homes.items()]
    due = {"Số 18": [4, 1, 6], "Số 9": [1], "Kiệt 11/14": [2], "Kiệt 2/18": [2]}
    for address, days in due.items():
        changes += [visit_change(homes[address], status="not_home", assists=[], follow_up_on=_due(d),
                                 started_at=(datetime.now(timezone.utc) - timedelta(hours=h)).isoformat())
                    for h, d in enumerate(days, 1)]
    assert {r["status"] for r in push(client, headers, *changes).get_json()["results"]} == {"applied"}
    want = ["Số 9", "Số 18", "Kiệt 2/18", "Kiệt 11/14"]  # day 1: Số 9 < Số 18; day 2: Kiệt 2/18 < Kiệt 11/14
    with app.app_context():
        whole = follow_up_households(world.commune_a)
        assert whole["total"] == 4 and [r["address"] for r in whole["rows"]] == want
        assert [r["open"] for r in whole["rows"]] == [1, 3, 1, 1]
        official = user_id(app, world.official)
        for limit in range(5):
            for by in ({}, {"official_id": official}):  # from the facts, and from the visits (one official)
                cut = follow_up_households(world.commune_a, limit=limit, **by)
                assert cut["total"] == 4 and [r["address"] for r in cut["rows"]] == want[:limit], (limit, by)
                assert [r["open"] for r in cut["rows"]] == [1, 3, 1, 1][:limit]


def test_the_never_reached_list_exports_in_walk_order_with_names_for_leaders_only(app, client, world):
    ids = _households(client, world, ADDRESSES)
    met = _households(client, world, ["Số 1 đã gặp"], status="met")
    tried = _households(client, world, ["Số 2 vắng nhà"], status="not_home", assists=[])
    walk = sorted(ADDRESSES + ["Số 2 vắng nhà"], key=lambda a: walk_key("Thôn Đông", a, f"Chủ {a}"))
    logged_in(client, world.leader)
    before = _audit_count(app)
    reply = client.get(f"/communes/{world.commune_a}/never-reached.xlsx")
    assert reply.status_code == 200 and "attachment" in reply.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(reply.data)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["Thôn", "Địa chỉ", "Chủ hộ", "Số điện thoại", "Số lần đến", "Lần đến gần nhất"], rows[0]
    listed = [r for r in rows[1:] if r[0] != "Tổng cộng"]
    assert [r[1] for r in listed] == walk  # the walk order, not SQL's; the met household is not on it
    assert "Số 1 đã gặp" not in [r[1] for r in listed] and met
    by_address = {r[1]: r for r in listed}
    assert by_address["Số 2 vắng nhà"][4] == 1 and isinstance(by_address["Số 2 vắng nhà"][5], datetime)
    assert by_address[ADDRESSES[0]][4] == 0 and by_address[ADDRESSES[0]][5] is None
    assert by_address[ADDRESSES[0]][3] == "0905123456" and tried
    with app.app_context():
        row = db.session.query(AuditLog).order_by(AuditLog.id.desc()).first()
        assert _audit_count(app) == before + 1
        assert row.action == "export" and row.detail["tables"] == ["never_reached"] and row.detail["personal"]
    # An admin reads no personal data: ids, not names, addresses or phones.
    logged_in(client, world.admin)
    text = client.get(f"/communes/{world.commune_a}/never-reached.csv").data.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert table[0] == ["Thôn", "ID", "Số lần đến", "Lần đến gần nhất"]
    assert sorted(r[1] for r in table[1:]) == sorted(ids + tried)
    assert "Chủ" not in text and "0905123456" not in text and "Kiệt" not in text
    # Another commune's leader gets nothing; a format other than the two is not found.
    logged_in(client, world.leader_b)
    assert client.get(f"/communes/{world.commune_a}/never-reached.xlsx").status_code == 403
    logged_in(client, world.leader)
    assert client.get(f"/communes/{world.commune_a}/never-reached.pdf").status_code == 404


def _audit_count(app) -> int:
    with app.app_context():
        return db.session.query(AuditLog).count()


def test_the_follow_ups_export_holds_every_household_of_the_filter_not_only_the_first_page(app, client, world):
    addresses = [f"Số {n}" for n in range(1, 62)]  # more than the page's first 50
    _households(client, world, addresses, status="not_home", assists=[], follow_up_on=_due(3))
    _households(client, world, ["Số 1 Tây"], village=world.a2, status="not_home", assists=[], follow_up_on=_due(-2))
    logged_in(client, world.leader)
    page = client.get(f"/communes/{world.commune_a}?village={world.a1}").get_data(as_text=True)
    link = html.unescape(re.search(r'href="([^"]*/follow-ups\.xlsx[^"]*)"', page).group(1))
    assert f"village={world.a1}" in link
    reply = client.get(link)
    assert reply.status_code == 200
    assert "Th%C3%B4n_%C4%90%C3%B4ng-follow_ups.xlsx" in reply.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(reply.data)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["Hẹn quay lại", "Thôn", "Địa chỉ", "Chủ hộ", "Cán bộ", "Trạng thái", "Số hẹn đang mở"], rows[0]
    listed = [r for r in rows[1:] if r[0] != "Tổng cộng"]
    assert [r[3] for r in listed] == [f"Chủ {a}" for a in addresses]  # street order: Số 9 before Số 10
    assert {r[5] for r in listed} == {"Đang mở"} and rows[-1][0] == "Tổng cộng" and rows[-1][6] == 61
    assert {r[0].date() for r in listed} == {date.fromisoformat(_due(3))}  # a date cell
    # The whole commune: the overdue one of the other village first; an admin sees ids, not names.
    logged_in(client, world.admin)
    text = client.get(f"/communes/{world.commune_a}/follow-ups.csv").data.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert table[0] == ["Hẹn quay lại", "Thôn", "ID", "Cán bộ", "Trạng thái", "Số hẹn đang mở"]
    assert len(table) == 63 and table[1][1] == "Thôn Tây" and table[1][4] == "Quá hạn"
    assert "Chủ" not in text and "Số 1" not in text


def test_who_is_counted_exports_every_resident_of_the_class_for_leaders_only(app, client, world, monkeypatch):
    from server.dashboard import pages
    monkeypatch.setattr(pages, "COUNTED_SHOWN", 2)  # the page lists two; the export holds every one
    ids = _households(client, world, ADDRESSES)
    _residents(client, world, ids)
    logged_in(client, world.leader)
    page = client.get(f"/communes/{world.commune_a}/counted/vneid_account?which=missing").get_data(as_text=True)
    assert page.count("data-resident=") == 2
    link = html.unescape(re.search(r'href="([^"]*/counted/vneid_account\.xlsx[^"]*)"', page).group(1))
    sheet = load_workbook(io.BytesIO(client.get(link).data)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["Thôn", "Địa chỉ", "Chủ hộ", "Họ và tên", "Năm sinh", "Trạng thái"]
    assert [r[3] for r in rows[1:]] == [f"Dân {a}" for a in WALK]  # all six, in walk order, no totals row
    assert {r[5] for r in rows[1:]} == {"Chưa được hỗ trợ"} and {r[4] for r in rows[1:]} == {1970}
    with app.app_context():
        row = db.session.query(AuditLog).order_by(AuditLog.id.desc()).first()
        assert row.action == "export" and row.detail["personal"] and row.detail["rows"] == 6
    logged_in(client, world.admin)
    assert client.get(link).status_code == 403
    assert "counted/vneid_account.xlsx" not in client.get(
        f"/communes/{world.commune_a}/counted/vneid_account").get_data(as_text=True)
    logged_in(client, world.leader)
    assert client.get(f"/communes/{world.commune_a}/counted/no_such_topic.xlsx").status_code == 404
