"""import-households: the commune's own sheet in, households and residents that devices can pull out."""
import io
import unicodedata

from openpyxl import Workbook
from sqlalchemy import func, select

from server.admin.importer import import_households
from server.extensions import db
from server.models import Household, Resident

GOOD = """Thôn,Địa chỉ,Chủ hộ,Số điện thoại,Ghi chú,Họ tên thành viên,Năm sinh,Giới tính,Có điện thoại thông minh
Thôn Đông,"Số 12, tổ 3",Nguyễn Văn Ánh,0912 345 678,Nhà gần chợ,Nguyễn Văn Ánh,1968,Nam,Có
,,,,,Trần Thị Hoa,1971,Nữ,Không
,,,,,Nguyễn Minh Phúc,2001,nam,x
Tây,Kiệt 4/2,Lê Thị Hương,,,,,,
"""


def count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_good_csv_with_bom_imports_households_and_members(app, world, client):
    with app.app_context():
        report = import_households(("\ufeff" + GOOD).encode("utf-8"), world.commune_a)
        assert report.english_errors() == []
        assert (report.households, report.residents) == (2, 3)
        home = db.session.execute(select(Household).where(Household.head_name == "Nguyễn Văn Ánh")).scalar_one()
        assert (home.village_id, home.commune_id, home.address, home.note) == (
            world.a1, world.commune_a, "Số 12, tổ 3", "Nhà gần chợ")
        assert home.version == 1 and home.seq > 0 and home.field_versions["head_name"] == 1
        members = {r.full_name: (r.birth_year, r.sex, r.has_smartphone) for r in home.residents}
        assert members == {"Nguyễn Văn Ánh": (1968, "m", True), "Trần Thị Hoa": (1971, "f", False),
                           "Nguyễn Minh Phúc": (2001, "m", True)}
        assert db.session.execute(select(Household.village_id).where(
            Household.head_name == "Lê Thị Hương")).scalar_one() == world.a2
    # The official of those villages pulls what was imported.
    page = client.get("/api/v1/sync/pull?since=0", headers=world.login(client, world.official)).get_json()
    pulled = {c["data"].get("head_name") or c["data"].get("full_name") for c in page["changes"]
              if c["table"] in ("households", "residents")}
    assert {"Nguyễn Văn Ánh", "Trần Thị Hoa", "Lê Thị Hương"} <= pulled


def test_bad_rows_are_reported_with_line_and_reason_and_nothing_is_imported(app, world):
    sheet = GOOD + "\n".join([
        "Thôn Không Có,Số 1,Phạm Văn Dũng,,,,,,",      # line 6: no such village
        "Thôn Đông,Số 2,,,,,,,",                          # line 7: no head of household
        "Thôn Đông,Số 3,Võ Thị Lan,abc,,Võ Thị Lan,1850,Nữ,",  # line 8: phone and birth year
    ]) + "\n"
    with app.app_context():
        report = import_households(sheet.encode(), world.commune_a)
        assert report.households == 0 and count(Household) == 0 and count(Resident) == 0
        lines = {(line, column) for line, column, _ in report.english_errors()}
        assert lines == {(6, "Thôn"), (7, "Chủ hộ"), (8, "Số điện thoại"), (8, "Năm sinh")}
        reasons = dict(((line, column), message) for line, column, message in report.english_errors())
        assert "Thôn Không Có" in reasons[(6, "Thôn")]
        assert reasons[(8, "Số điện thoại")] == "Not a phone number."


def test_skip_bad_imports_the_good_rows_only(app, world):
    sheet = GOOD + "Thôn Đông,Số 2,,,,,,,\n,,,,,Hồ Văn Long,1990,Nam,\n"
    with app.app_context():
        report = import_households(sheet.encode(), world.commune_a, skip_bad=True)
        assert (report.households, report.residents) == (2, 3)
        assert [line for line, _, _ in report.english_errors()] == [6, 7]  # the bad household and its member
        assert count(Household) == 2 and count(Resident) == 3


def test_headers_are_matched_without_diacritics_or_case_and_in_english(app, world):
    folded = "DANH SÁCH HỘ GIA ĐÌNH\nTHON;dia chi;Chu Ho;SDT\nthôn bắc;Số 5;Bùi Thị Yến;0905 111 222\n"
    english = ("village,address,head_name,phone,note,full_name,birth_year,sex\n"
               "Thôn Hạ,Số 9,Đỗ Văn Nam,,,Đỗ Văn Nam,1980,m\n")
    with app.app_context():
        report = import_households(folded.encode(), world.commune_a)
        assert (report.english_errors(), report.households) == ([], 1)
        home = db.session.execute(select(Household)).scalar_one()
        assert (home.village_id, home.head_name, home.phone) == (world.a3, "Bùi Thị Yến", "0905 111 222")
        report = import_households(english.encode(), world.commune_b)
        assert (report.english_errors(), report.households, report.residents) == ([], 1, 1)


def test_a_missing_column_is_reported(app, world):
    with app.app_context():
        report = import_households("Thôn,Địa chỉ\nThôn Đông,Số 1\n".encode(), world.commune_a)
        assert report.english_errors() == [(1, "Chủ hộ", "Missing column.")] and count(Household) == 0


def test_unreadable_files_are_refused_with_the_reason(app, world):
    with app.app_context():
        old_xls = import_households(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(200), world.commune_a)
        assert old_xls.english_errors() == [(1, "", "An old Excel .xls file: save it as .xlsx or as CSV UTF-8 first.")]
        broken = import_households(b"PK\x03\x04 not really a zip", world.commune_a)
        assert "Not a readable XLSX file" in broken.english_errors()[0][2]
        huge = import_households(("Thôn,Địa chỉ,Chủ hộ\nThôn Đông,Số 1,\"" + "x" * 200_000 + "\"\n").encode(),
                                 world.commune_a)
        assert huge.english_errors() == [(2, "", "The row holds more than 100000 characters.")]
        assert count(Household) == 0


def test_windows_1258_csv_from_old_excel(app, world):
    with app.app_context():
        report = import_households(cp1258(GOOD), world.commune_a)
        assert report.english_errors() == [] and report.households == 2
        names = set(db.session.execute(select(Resident.full_name)).scalars())
        assert "Trần Thị Hoa" in names and "Nguyễn Minh Phúc" in names


def test_xlsx_with_number_cells(app, world, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["Thôn", "Địa chỉ", "Chủ hộ", "Số điện thoại", "Họ tên thành viên", "Năm sinh"])
    sheet.append(["Thôn Tây", "Số 7", "Hoàng Văn Hải", 912345678, "Hoàng Văn Hải", 1975])
    sheet.append([None, None, None, None, "Ngô Thị Mai", 1978.0])
    path = tmp_path / "ho.xlsx"
    book.save(path)
    with app.app_context():
        report = import_households(str(path), world.commune_a)
        assert (report.english_errors(), report.households, report.residents) == ([], 1, 2)
        home = db.session.execute(select(Household)).scalar_one()
        assert (home.village_id, home.phone) == (world.a2, "0912345678")
        assert sorted(r.birth_year for r in home.residents) == [1975, 1978]


def test_importing_the_same_file_twice_adds_nothing(app, world):
    with app.app_context():
        import_households(GOOD.encode(), world.commune_a)
        again = import_households(GOOD.encode(), world.commune_a)
        assert (again.households, again.skipped_existing) == (0, 2)
        assert count(Household) == 2


def cp1258(text: str) -> bytes:
    """`text` as windows-1258 writes it: vowels precomposed, tone marks as separate combining characters."""
    out = io.BytesIO()
    for ch in text:
        try:
            out.write(ch.encode("cp1258"))
        except UnicodeEncodeError:
            base, *marks = unicodedata.normalize("NFD", ch)
            tone = [m for m in marks if m in "\u0300\u0301\u0303\u0309\u0323"]
            vowel = unicodedata.normalize("NFC", base + "".join(m for m in marks if m not in tone))
            out.write((vowel + "".join(tone)).encode("cp1258"))
    return out.getvalue()
