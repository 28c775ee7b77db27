"""import-households: the commune's own sheet in, households and residents that devices can pull out; hostile files
through the dashboard get row errors or a refusal with its reason, never a 500."""
import io
import os
import re
import unicodedata
import zipfile

from hypothesis import HealthCheck, given, settings, strategies as st
from openpyxl import Workbook
from sqlalchemy import func, select

from server.admin import import_jobs
from server.admin.importer import import_households
from server.dashboard import i18n
from server.extensions import db
from server.models import AuditLog, Household, ImportJob, Resident
from tests.server.test_dashboard_views import csrf, logged_in

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


# --- hostile files, through the dashboard (Flask's test client: the job runs at once, JOB_QUEUE_URL immediate) ---

def post_file(client, world, name: str, data: bytes, skip_bad: bool = False):
    form = {"csrf_token": csrf(client), "commune": world.commune_a, "file": (io.BytesIO(data), name)}
    if skip_bad:
        form["skip_bad"] = "1"
    return client.post("/import", data=form, content_type="multipart/form-data", follow_redirects=True)


def reasons_of(page: str) -> list[tuple[str, str, str]]:
    return re.findall(r'<tr><td class="num">(\d+)</td><td>([^<]*)</td><td>([^<]*)</td></tr>', page)


def test_hostile_csv_cells_get_row_errors_in_vietnamese_and_never_a_500(app, client, world):
    logged_in(client, world.admin)
    sheet = "\n".join([
        "Thôn,Địa chỉ,Chủ hộ,Số điện thoại,Ghi chú,Họ tên thành viên",
        'Thôn Đông,Số 1,"=HYPERLINK(""http://x.example"",""bấm"")",,,',        # 2: a formula
        "Thôn Đông,Số 2,+cmd|' /C calc'!A0,,,",                                  # 3: DDE
        "Thôn Đông,@SUM(1+1),Lê Văn Ba,,,",                                      # 4
        "Thôn Đông,Số 4,Lê\x00Văn Bốn,,,",                                       # 5: NUL
        f"Thôn Đông,{'x' * 5000},Lê Văn Năm,,,",                                 # 6: a huge cell
        f'Thôn Đông,Số 7,Lê Văn Bảy,,"{"y" * 150_000}",',                        # 7: a huge row
        "Thôn Đông,Số 8,Lê Văn Tám,,- gần chợ,-Tám",                             # 8: a note's dash is fine
        "Thôn Đông,Số 9,Lê Văn Chín,0912 345 678,,",                             # 9: good
    ]) + "\n"
    reply = post_file(client, world, "ho.csv", sheet.encode(), skip_bad=True)
    assert reply.status_code == 200
    page = reply.get_data(as_text=True)
    reasons = {(int(line), column): reason for line, column, reason in reasons_of(page)}
    formula = "Bắt đầu bằng {}: bảng tính sẽ chạy nó như một công thức."
    assert reasons[(2, "Chủ hộ")] == formula.format("=")
    assert reasons[(3, "Chủ hộ")] == formula.format("+")
    assert reasons[(4, "Địa chỉ")] == formula.format("@")
    assert reasons[(5, "Chủ hộ")] == "Không được chứa ký tự điều khiển (có U+0000 ở vị trí 2)."
    assert reasons[(6, "Địa chỉ")] == "Ô này có hơn 2000 ký tự."
    assert reasons[(7, "")] == "Dòng này có hơn 100000 ký tự."
    assert reasons[(8, "Họ tên thành viên")] == formula.format("-"), reasons
    assert set(reasons) == {(2, "Chủ hộ"), (3, "Chủ hộ"), (4, "Địa chỉ"), (5, "Chủ hộ"), (6, "Địa chỉ"), (7, ""),
                            (8, "Họ tên thành viên")}
    assert "Đã nhập 2 hộ và 0 nhân khẩu." in page and "Đã đọc 8 dòng, 7 dòng có lỗi." in page
    with app.app_context():
        assert sorted(db.session.execute(select(Household.head_name)).scalars()) == ["Lê Văn Chín", "Lê Văn Tám"]
    # English on request: the same report in English.
    client.set_cookie("lang", "en")
    english = post_file(client, world, "ho.csv", sheet.encode()).get_data(as_text=True)
    assert "Begins with =: a spreadsheet would run it as a formula." in english
    assert "Nothing was imported: fix these rows, or skip them." in english


def test_wrong_encodings_and_missing_columns_are_reported_not_500(app, client, world):
    logged_in(client, world.admin)
    utf16 = post_file(client, world, "ho.csv", "Thôn,Địa chỉ,Chủ hộ\nThôn Đông,Số 1,Lê Văn Một\n".encode("utf-16"))
    assert utf16.status_code == 200
    assert "Không có dòng tiêu đề: cần các cột như Thôn, Địa chỉ, Chủ hộ." in utf16.get_data(as_text=True)
    # UTF-8 but for a windows-1258 line: the whole file is read as windows-1258, so the UTF-8 line's village no
    # longer matches (a row error) while the windows-1258 line's does.
    broken = "village,address,head_name\nThôn Đông,Số 1,Lê Văn Một\n".encode() + b"Th\xf4n \xd0\xf4ng,S\xf4 2,L\xea\n"
    page = post_file(client, world, "ho.csv", broken).get_data(as_text=True)
    assert [(line, column) for line, column, _ in reasons_of(page)] == [("2", "village")]
    assert "Xã này không có thôn" in page and "Chưa nhập gì" in page
    missing = post_file(client, world, "ho.csv", "Thôn,Địa chỉ\nThôn Đông,Số 1\n".encode()).get_data(as_text=True)
    assert reasons_of(missing) == [("1", "Chủ hộ", "Thiếu cột.")]
    empty = post_file(client, world, "ho.csv", b"")
    assert empty.status_code == 400 and "Tệp trống." in empty.get_data(as_text=True)
    with app.app_context():
        assert count(Household) == 0


def test_hostile_xlsx_files_are_refused_or_reported(app, client, world, tmp_path):
    from tests.server.test_import_jobs import PARTS, xlsx
    logged_in(client, world.admin)
    formulas = xlsx([(1, [("A1", "Thôn"), ("B1", "Địa chỉ"), ("C1", "Chủ hộ")]),
                     (2, [("A2", "Thôn Đông"), ("B2", "=1+1"), ("C2", "Lê Văn Hai")])])
    page = post_file(client, world, "ho.xlsx", formulas).get_data(as_text=True)
    assert reasons_of(page) == [("2", "Địa chỉ", "Bắt đầu bằng =: bảng tính sẽ chạy nó như một công thức.")]
    # A part that is itself a zip (an embedded workbook) is refused before openpyxl reads anything.
    nested = io.BytesIO()
    with zipfile.ZipFile(nested, "w") as archive:
        for name, text in PARTS.items():
            archive.writestr(name, text)
        archive.writestr("xl/worksheets/sheet1.xml", "<worksheet/>")
        archive.writestr("xl/embeddings/inner.bin", formulas)
    page = post_file(client, world, "ho.xlsx", nested.getvalue()).get_data(as_text=True)
    assert "Tệp XLSX chứa một tệp nén khác bên trong" in page
    # Entities are how XML bombs work; a spreadsheet's XML has no DTD.
    laughs = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
              '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
              '<row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row></sheetData></worksheet>')
    page = post_file(client, world, "ho.xlsx", xlsx([], sheet=laughs.encode())).get_data(as_text=True)
    assert "Không đọc được tệp XLSX này." in page
    with app.app_context():
        assert count(Household) == 0


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.text(alphabet=st.characters(codec="utf-8"), max_size=400),
       raw=st.binary(max_size=200))
def test_any_file_gives_a_report_never_an_exception(app, world, body, raw):
    """Whatever the bytes, the importer answers with counts and reasons; every reason has its Vietnamese."""
    with app.app_context():
        for data in (("Thôn,Địa chỉ,Chủ hộ,Họ tên thành viên,Năm sinh\n" + body).encode(), raw, b"PK\x03\x04" + raw):
            report = import_households(data, world.commune_a, skip_bad=True)
            for _, _, message, _ in report.errors:
                assert message in i18n.VI, message
        db.session.rollback()


def test_a_finished_job_run_again_changes_nothing(app, client, world):
    logged_in(client, world.admin)
    page = post_file(client, world, "ho.csv", GOOD.encode()).get_data(as_text=True)
    assert "Đã nhập 2 hộ và 3 nhân khẩu." in page
    with app.app_context():
        job = db.session.execute(select(ImportJob)).scalar_one()
        import_jobs.run(job.id)  # huey retrying a job that had in fact finished
        assert count(Household) == 2 and count(Resident) == 3
        assert db.session.get(ImportJob, job.id).households == 2
        actions = [a for a in db.session.execute(select(AuditLog.action).order_by(AuditLog.id)).scalars() if a.startswith("import")]
        assert actions == ["import_started", "import_finished"]


def test_only_admins_see_import_jobs(app, client, world):
    logged_in(client, world.admin)
    post_file(client, world, "ho.csv", GOOD.encode())
    with app.app_context():
        job_id = db.session.execute(select(ImportJob.id)).scalar_one()
    assert client.get(f"/import/jobs/{job_id}").status_code == 200
    assert client.get(f"/import/jobs/{job_id + 1}").status_code == 404
    assert f'href="/import/jobs/{job_id}"' in client.get("/import").get_data(as_text=True)
    leader = app.test_client()
    logged_in(leader, world.leader)
    assert leader.get(f"/import/jobs/{job_id}").status_code == 403


def test_only_the_import_route_takes_a_large_body(app, client, world):
    logged_in(client, world.admin)
    five_mb = b"x" * (5 * 1024 * 1024)  # over MAX_CONTENT_LENGTH (4 MB), under IMPORT_MAX_BYTES (20 MB)
    other = client.post(f"/communes/{world.commune_a}/targets", data={"csrf_token": csrf(client),
                        "file": (io.BytesIO(five_mb), "x.bin")}, content_type="multipart/form-data")
    assert other.status_code == 413
    page = post_file(client, world, "ho.csv", GOOD.encode() + b"," * len(five_mb))
    assert page.status_code == 200 and 'data-state="done"' in page.get_data(as_text=True)
    app.config["IMPORT_MAX_BYTES"] = 1024 * 1024
    refused = post_file(client, world, "ho.csv", five_mb)
    assert refused.status_code == 413 and "Tệp lớn hơn 1 MB." in refused.get_data(as_text=True)


def test_the_worker_command_needs_a_real_queue(app):
    result = app.test_cli_runner().invoke(args=["worker"])  # the tests' app runs jobs at once: no queue to read
    assert result.exit_code == 1 and "JOB_QUEUE_URL is immediate" in result.output
    assert "worker" in app.test_cli_runner().invoke(args=["--help"]).output


def test_an_upload_while_the_queue_is_down_waits_as_queued(app, client, world):
    logged_in(client, world.admin)
    app.config["JOB_QUEUE_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there
    saved = {key: app.extensions.pop(key) for key in ("huey", "doorstep_tasks") if key in app.extensions}
    try:
        reply = post_file(client, world, "ho.csv", GOOD.encode())
    finally:
        for key in ("huey", "doorstep_tasks"):
            app.extensions.pop(key, None)
        app.extensions.update(saved)
    assert reply.status_code == 200 and 'data-state="queued"' in reply.get_data(as_text=True)
    with app.app_context():
        job = db.session.execute(select(ImportJob)).scalar_one()
        assert import_jobs.unfinished() == [job.id]
        os.remove(os.path.join(app.config["UPLOAD_FOLDER"], job.upload))  # it would wait for a worker
