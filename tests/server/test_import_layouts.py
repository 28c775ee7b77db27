"""Household lists laid out the common Excel way, one row per member with the household's columns repeated on each:
every member lands in one household, rows that disagree get an error; and the import page's template imports."""
import csv
import io

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from server.admin.importer import ImportReport, check, import_households, spooled
from server.extensions import db
from server.models import Household, ImportJob, Resident
from shared.text import digits, fold
from tests.server.test_dashboard_views import logged_in
from tests.server.test_import import count, post_file, reasons_of

HEADERS = ["Thôn", "Địa chỉ", "Chủ hộ", "Số điện thoại", "Họ tên thành viên", "Năm sinh"]
ANH = ["Thôn Đông", "Số 12, tổ 3", "Nguyễn Văn Ánh", "0912 345 678"]
HUONG = ["Tây", "Kiệt 4/2", "Lê Thị Hương", ""]
# Ánh's household on lines 2-4 and again on line 7 (the sheet sorted by something else), Hương's on lines 5-6; the
# repeated cells written a little differently (case, tones, "Thôn", the phone's spaces) are still the same.
ROWS = [ANH + ["Nguyễn Văn Ánh", 1968],
        ANH + ["Trần Thị Hoa", 1971],
        ["thôn đông", "số 12, Tổ 3", "NGUYỄN VĂN ÁNH", "0912345678", "Nguyễn Minh Phúc", 2001],
        HUONG + ["Lê Thị Hương", 1980],
        HUONG + ["Đỗ Văn Nam", 2010],
        ["Đông", "Số 12, tổ 3", "Nguyễn Văn Ánh", "", "Nguyễn Thị Út", 2015]]


def as_csv(headers, rows) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([headers] + rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def as_xlsx(headers, rows) -> bytes:
    book = Workbook()
    book.active.append(headers)
    for row in rows:
        # Excel keeps a typed phone as a number and loses its leading zero: the importer puts it back.
        book.active.append([int(v.replace(" ", "")) if i == 3 and v else v for i, v in enumerate(row)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def as_file(kind, headers, rows) -> bytes:
    return as_csv(headers, rows) if kind == "csv" else as_xlsx(headers, rows)


def members(commune_id) -> dict[str, set[str]]:
    homes = db.session.execute(select(Household).where(Household.commune_id == commune_id)).scalars()
    return {h.head_name: {r.full_name for r in h.residents} for h in homes}


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_repeated_household_columns_keep_every_member(app, world, kind):
    for data in (as_file(kind, HEADERS, ROWS),):
        with app.app_context():
            report = import_households(data, world.commune_a)
            assert report.english_errors() == []
            assert (report.households, report.residents, report.skipped_existing) == (2, 6, 0)
            assert members(world.commune_a) == {
                "Nguyễn Văn Ánh": {"Nguyễn Văn Ánh", "Trần Thị Hoa", "Nguyễn Minh Phúc", "Nguyễn Thị Út"},
                "Lê Thị Hương": {"Lê Thị Hương", "Đỗ Văn Nam"}}
            anh = db.session.execute(select(Household).where(Household.head_name == "Nguyễn Văn Ánh")).scalar_one()
            # The household as its first row wrote it, each resident in its village.
            assert (anh.address, anh.village_id, digits(anh.phone)) == ("Số 12, tổ 3", world.a1, "0912345678")
            assert {r.village_id for r in anh.residents} == {world.a1}
            again = import_households(data, world.commune_a)  # the same file again: nothing twice
            assert (again.households, again.residents, again.skipped_existing) == (0, 0, 2)
            assert count(Resident) == 6


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_repeated_columns_that_disagree_are_row_errors(app, world, kind):
    rows = ROWS[:2] + [ANH[:3] + ["0987 654 321", "Nguyễn Minh Phúc", 2001]] + ROWS[3:]
    for data in (as_file(kind, HEADERS, rows),):
        with app.app_context():
            report = import_households(data, world.commune_a)
            assert report.english_errors() == [
                (4, "Số điện thoại", "Not the same as on line 2, for the same household.")]
            assert count(Household) == 0  # nothing written while a row is bad
            skipped = import_households(data, world.commune_a, skip_bad=True)
            assert (skipped.households, skipped.residents) == (2, 5)
            assert "Nguyễn Minh Phúc" not in members(world.commune_a)["Nguyễn Văn Ánh"]


def test_a_repeated_row_fills_in_what_the_first_row_left_blank(app, world):
    rows = [ANH[:3] + ["", "Nguyễn Văn Ánh", 1968],
            ANH[:3] + ["số 0912.345.678", "Trần Thị Hoa", 1971],   # not a phone: an error, nothing filled
            ANH + ["Nguyễn Minh Phúc", 2001],                      # the phone the first row left out
            ANH[:3] + ["0912 000 000", "Nguyễn Thị Út", 2015]]     # a second phone: not the same household's
    with app.app_context():
        report = import_households(as_csv(HEADERS, rows), world.commune_a, skip_bad=True)
        assert report.english_errors() == [(3, "Số điện thoại", "Not a phone number."),
                                           (5, "Số điện thoại", "Not the same as on line 4, for the same household.")]
        home = db.session.execute(select(Household)).scalar_one()
        assert home.phone == "0912 345 678"
        assert {r.full_name for r in home.residents} == {"Nguyễn Văn Ánh", "Nguyễn Minh Phúc"}


def test_a_household_code_groups_the_rows_and_tells_households_apart(app, world):
    headers = ["Mã hộ"] + HEADERS
    rows = [["H1"] + ANH + ["Nguyễn Văn Ánh", 1968],
            ["H2"] + HUONG + ["Lê Thị Hương", 1980],
            ["H1", "", "", "", "", "Trần Thị Hoa", 1971],            # the code alone says whose member it is
            ["h1", "Thôn Tây"] + ANH[1:] + ["Nguyễn Minh Phúc", 2001],  # same code, another village
            ["H3"] + ANH + ["Nguyễn Văn Bé", 2019]]                  # another code, the same household
    with app.app_context():
        report = import_households(as_csv(headers, rows), world.commune_a, skip_bad=True)
        assert report.english_errors() == [
            (5, "Thôn", "Not the same as on line 2, for the same household."),
            (6, "Chủ hộ", "Same village, address and head of household as on line 2, under another household code.")]
        assert members(world.commune_a) == {"Nguyễn Văn Ánh": {"Nguyễn Văn Ánh", "Trần Thị Hoa"},
                                            "Lê Thị Hương": {"Lê Thị Hương"}}


def test_a_scattered_household_imports_through_the_dashboard_job(app, client, world):
    logged_in(client, world.admin)
    page = post_file(client, world, "ho.xlsx", as_xlsx(HEADERS, ROWS)).get_data(as_text=True)
    assert "Đã nhập 2 hộ và 6 nhân khẩu." in page, reasons_of(page)
    bad = ROWS + [["Thôn Đông", "Số 12, tổ 3", "Nguyễn Văn Ánh", "0900000000", "Ai Đó", 1990]]
    page = post_file(client, world, "ho.csv", as_csv(HEADERS, bad)).get_data(as_text=True)
    assert reasons_of(page) == [("8", "Số điện thoại", "Khác với dòng 2 của cùng hộ.")]
    with app.app_context():
        assert count(Resident) == 6
        jobs = db.session.execute(select(ImportJob.id, ImportJob.households).order_by(ImportJob.id)).all()
        assert [households for _, households in jobs] == [2, 0]
    # The report exports, to fix the file line by line.
    assert f'href="/import/jobs/{jobs[1][0]}/errors.xlsx"' in page
    reply = client.get(f"/import/jobs/{jobs[1][0]}/errors.xlsx")
    assert list(load_workbook(io.BytesIO(reply.data)).active.values) == [
        ("Dòng", "Cột", "Lý do"), (8, "Số điện thoại", "Khác với dòng 2 của cùng hộ.")]
    assert 'filename="doorstep-phong-phu-loi-theo-dong-' in reply.headers["Content-Disposition"]
    reply = client.get(f"/import/jobs/{jobs[1][0]}/errors.csv")
    assert reply.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert reply.data.decode("utf-8-sig").splitlines()[1] == "8,Số điện thoại,Khác với dòng 2 của cùng hộ."
    assert client.get(f"/import/jobs/{jobs[1][0] + 1}/errors.csv").status_code == 404
    leader = app.test_client()
    logged_in(leader, world.leader)
    assert leader.get(f"/import/jobs/{jobs[1][0]}/errors.csv").status_code == 403


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_template_imports_as_it_is(app, client, world, kind):
    logged_in(client, world.admin)
    page = client.get("/import").get_data(as_text=True)
    assert 'href="/import/template.xlsx"' in page and 'href="/import/template.csv"' in page
    xlsx = client.get(f"/import/template.xlsx?commune={world.commune_a}")
    assert xlsx.status_code == 200 and xlsx.mimetype.endswith("spreadsheetml.sheet")
    assert 'filename="mau-danh-sach-ho-phong-phu.xlsx"' in xlsx.headers["Content-Disposition"]
    rows = list(load_workbook(io.BytesIO(xlsx.data)).active.values)
    assert rows[0][:4] == ("Mã hộ", "Thôn", "Địa chỉ", "Chủ hộ") and len(rows) == 3
    assert rows[1][:6] == rows[2][:6] and rows[1][6] != rows[2][6]  # one household, two members
    assert rows[1][4] == "0912345678"  # a text cell: the leading zero stays
    text = client.get(f"/import/template.csv?commune={world.commune_a}")
    assert text.headers["Content-Type"] == "text/csv; charset=utf-8" and text.data.startswith(b"\xef\xbb\xbf")
    assert list(csv.reader(io.StringIO(text.data.decode("utf-8-sig"))))[0][6] == "Họ tên thành viên"
    assert client.get("/import/template.pdf").status_code == 404
    for data in ((xlsx if kind == "xlsx" else text).data,):
        with app.app_context():
            report = import_households(data, world.commune_a)
            assert report.english_errors() == [] and (report.households, report.residents) == (1, 2)
            home = db.session.execute(select(Household)).scalar_one()
            assert {r.full_name for r in home.residents} == {"Nguyễn Văn An", "Trần Thị Bình"}
            assert {(r.sex, r.has_smartphone) for r in home.residents} == {("m", True), ("f", False)}
    leader = app.test_client()
    logged_in(leader, world.leader)
    assert leader.get("/import/template.xlsx").status_code == 403


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(order=st.permutations(range(len(ROWS))))
def test_any_order_of_the_rows_gives_the_same_households(app, world, tmp_path, order):
    """However the sheet is sorted, each household's rows meet in one record (the check's spool, before any write)."""
    source, spool = tmp_path / "ho.csv", str(tmp_path / "spool")
    source.write_bytes(as_csv(HEADERS, [ROWS[i] for i in order]))
    with app.app_context():
        report = ImportReport()
        assert check(str(source), world.commune_a, spool, report) and report.english_errors() == []
    # The household as its first row wrote it ("NGUYỄN VĂN ÁNH" when that row comes first), the phone from any row.
    found = {fold(r["household"]["head_name"]): (sorted(m["full_name"] for m in r["residents"]),
                                                 digits(r["household"]["phone"])) for r in spooled(spool)}
    assert found == {
        "nguyen van anh": (sorted(["Nguyễn Văn Ánh", "Trần Thị Hoa", "Nguyễn Minh Phúc", "Nguyễn Thị Út"]),
                           "0912345678"),
        "le thi huong": (sorted(["Lê Thị Hương", "Đỗ Văn Nam"]), "")}
    assert sum(r["rows"] for r in spooled(spool)) == len(ROWS)
