"""The exports as a spreadsheet reads them: date cells, fitted widths, the totals row, a header over every figure,
one charset in a CSV's Content-Type, and the filters in the file name."""
import csv
import io
import re
from datetime import date, datetime, timedelta
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, strategies as st
from openpyxl import load_workbook

from server.dashboard import exports
from tests.server.test_dashboard_pages import Campaign
from tests.server.test_dashboard_views import logged_in, user_id


@pytest.fixture
def campaign(client, world):
    return Campaign(client, world)


def _sheet(book, title) -> tuple[list[str], list[list], list | None]:
    """The headers, the data rows and the totals row (None when the sheet has none) of a sheet."""
    rows = [list(r) for r in book[title].iter_rows(values_only=True)]
    totals = rows[-1] if rows[-1][0] == "Tổng cộng" else None
    return rows[0], rows[1:-1] if totals else rows[1:], totals


def _column(headers, rows, header) -> list:
    return [row[headers.index(header)] for row in rows]


def _every_number_has_its_header(book) -> None:
    for sheet in book.worksheets:
        headers = [c.value for c in sheet[1]]
        assert all(isinstance(h, str) and h.strip() for h in headers), (sheet.title, headers)
        assert len(set(headers)) == len(headers), (sheet.title, headers)  # no header twice: none shifted
        for row in sheet.iter_rows(min_row=2):
            numbers = [cell.column for cell in row if isinstance(cell.value, (int, float)) and cell.value != ""]
            assert max(numbers, default=0) <= len(headers), sheet.title


def test_the_workbook_has_dates_widths_totals_and_a_header_over_every_number(app, client, world, campaign):
    logged_in(client, world.leader)
    book = load_workbook(io.BytesIO(client.get(f"/communes/{world.commune_a}/export.xlsx").data))
    _every_number_has_its_header(book)

    # Villages: every count column adds up, every percent is recomputed from the totals, not added.
    headers, rows, totals = _sheet(book, "Thôn")
    assert totals is not None and len(rows) == 3
    for i, header in enumerate(headers[1:], start=1):
        if not header.endswith("(%)"):
            assert totals[i] == sum(row[i] for row in rows), header
    assert totals[headers.index("Tỷ lệ (%)")] == 40.0  # 2 of 5 households, whatever the villages' own shares
    vneid = "Tài khoản VNeID"
    i = headers.index(f"{vneid}: Người trong diện")
    assert headers[i:i + 3] == [f"{vneid}: Người trong diện", f"{vneid}: Đã có", f"{vneid}: Tỷ lệ đạt (%)"]
    assert totals[i:i + 3] == [4, 2, 50.0]
    for row in rows + [totals]:  # each share sits under its own header: it is the two cells before it, divided
        reached, total = row[headers.index("Hộ đã tiếp cận")], row[headers.index("Tổng số hộ")]
        assert row[headers.index("Tỷ lệ (%)")] == (round(100 * reached / total, 1) if total else None)

    # Officials: visits and hours add up; households two officials may share do not.
    headers, rows, totals = _sheet(book, "Cán bộ")
    assert totals[headers.index("Lượt thăm")] == sum(_column(headers, rows, "Lượt thăm")) == 3
    assert totals[headers.index("Hộ đã đến")] is None
    synced = book["Cán bộ"].cell(row=2, column=headers.index("Đồng bộ lần cuối") + 1)
    here = datetime.now(ZoneInfo(app.config["TIMEZONE"])).replace(tzinfo=None)
    assert synced.is_date and synced.number_format == "dd/mm/yyyy hh:mm"
    assert abs(synced.value - here) < timedelta(minutes=5)  # local time, naive, not UTC

    # Weeks: real dates, the weekly visits add up, the cumulative figures do not.
    headers, rows, totals = _sheet(book, "Diễn biến theo tuần")
    weeks = [row[0] for row in book["Diễn biến theo tuần"].iter_rows(min_row=2, max_row=len(rows) + 1)]
    assert weeks and all(cell.is_date and cell.number_format == "dd/mm/yyyy" for cell in weeks)
    assert all(cell.value.weekday() == 0 for cell in weeks)  # the Monday each week starts on
    assert totals[1] == sum(_column(headers, rows, "Lượt thăm")) == 3 and totals[3] is None

    # Topics: adding up the topics' residents would count a resident once per topic: no totals row.
    assert _sheet(book, "Nội dung hỗ trợ")[2] is None

    # Widths fitted to the longest cell, within bounds.
    for sheet in book.worksheets:
        for cell in sheet[1]:
            width = sheet.column_dimensions[cell.column_letter].width
            cells = next(sheet.iter_cols(min_col=cell.column, max_col=cell.column))
            longest = max(len(str(c.value or "")) for c in cells if not c.is_date)
            assert exports.MIN_WIDTH <= width <= exports.MAX_WIDTH, (sheet.title, cell.value)
            assert width >= min(longest + 2, exports.MAX_WIDTH) or longest < 4, (sheet.title, cell.value, width)


def test_the_visit_log_has_date_cells_and_its_minutes_add_up(app, client, world, campaign):
    logged_in(client, world.leader)
    book = load_workbook(io.BytesIO(client.get(f"/communes/{world.commune_a}/visits.xlsx").data))
    _every_number_has_its_header(book)
    sheet = book.active
    headers, rows, totals = _sheet(book, sheet.title)
    assert totals[headers.index("Số phút")] == sum(_column(headers, rows, "Số phút")) == 50
    started = [row[0] for row in sheet.iter_rows(min_row=2, max_row=len(rows) + 1)]
    assert all(c.is_date and c.number_format == "dd/mm/yyyy hh:mm" for c in started)
    follow_up = [row[headers.index("Hẹn quay lại")] for row in sheet.iter_rows(min_row=2, max_row=len(rows) + 1)
                 if row[headers.index("Hẹn quay lại")].value is not None]
    assert len(follow_up) == 1 and follow_up[0].is_date and follow_up[0].number_format == "dd/mm/yyyy"
    assert sheet.column_dimensions["A"].width >= 16  # dd/mm/yyyy hh:mm shows whole


def test_the_audit_log_is_at_local_time_in_date_cells(app, client, world, campaign):
    logged_in(client, world.admin)
    sheet = load_workbook(io.BytesIO(client.get("/audit.xlsx").data)).active
    assert sheet["A1"].value == "Thời gian" and sheet["A2"].is_date
    assert sheet["A2"].number_format == "dd/mm/yyyy hh:mm:ss"
    here = datetime.now(ZoneInfo(app.config["TIMEZONE"])).replace(tzinfo=None)
    assert abs(sheet["A2"].value - here) < timedelta(minutes=5)
    assert sheet.cell(row=sheet.max_row, column=1).value != "Tổng cộng"  # nothing to add up


def test_every_csv_has_one_charset_a_bom_and_iso_dates(client, world, campaign):
    logged_in(client, world.leader)
    paths = [f"/communes/{world.commune_a}/export.csv?table={slug}"
             for slug in ("overview", "topics", "villages", "officials", "weeks")]
    paths.append(f"/communes/{world.commune_a}/visits.csv")
    for path in paths:
        reply = client.get(path)
        assert reply.status_code == 200, path
        assert reply.headers["Content-Type"] == "text/csv; charset=utf-8", path
        assert reply.headers["Content-Type"].count("charset") == 1
        assert reply.data.startswith(b"\xef\xbb\xbf"), path
        rows = list(csv.reader(io.StringIO(reply.data.decode("utf-8-sig"))))
        assert all(row[0] != "Tổng cộng" for row in rows), path  # a CSV is the raw rows
    weeks = list(csv.reader(io.StringIO(client.get(paths[4]).data.decode("utf-8-sig"))))
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d", row[0]) for row in weeks[1:])
    visits = list(csv.reader(io.StringIO(client.get(paths[5]).data.decode("utf-8-sig"))))
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", row[0]) for row in visits[1:])
    logged_in(client, world.admin)
    reply = client.get("/audit.csv")
    assert reply.headers["Content-Type"] == "text/csv; charset=utf-8"


def test_the_file_name_carries_the_filters(app, client, world, campaign):
    logged_in(client, world.leader)
    official = user_id(app, world.official)
    query = f"village={world.a1}&topic=vneid_account&official={official}&from=2026-01-01&to=2026-01-31"
    for path, ext, tail in ((f"/communes/{world.commune_a}/export.xlsx?{query}", "xlsx", ""),
                            (f"/communes/{world.commune_a}/export.csv?table=villages&{query}", "csv", "-villages"),
                            (f"/communes/{world.commune_a}/visits.csv?{query}", "csv", "-visits")):
        disposition = client.get(path).headers["Content-Disposition"]
        disposition.encode("latin-1")  # a header's bytes; raises if not
        plain = re.search(r'filename="([^"]*)"', disposition).group(1)
        assert plain == ("doorstep-phong-phu-thon-dong-tai-khoan-vneid-tran-thi-hoa-2026-01-01-2026-01-31"
                         f"{tail}.{ext}")
        full = unquote(re.search(r"filename\*=UTF-8''(\S+)$", disposition).group(1))
        assert full == f"doorstep-Phong_Phú-Thôn_Đông-Tài_khoản_VNeID-Trần_Thị_Hoa-2026-01-01_2026-01-31{tail}.{ext}"
    only_from = client.get(f"/communes/{world.commune_a}/export.xlsx?from=2026-01-01").headers["Content-Disposition"]
    assert 'filename="doorstep-phong-phu-tu-2026-01-01.xlsx"' in only_from
    assert "từ_2026-01-01" in unquote(only_from)
    logged_in(client, world.admin)
    audit = client.get(f"/audit.csv?action=export&user={user_id(app, world.leader)}&to=2026-01-31")
    assert f'filename="doorstep-audit-export-{world.leader}-den-2026-01-31.csv"' in audit.headers["Content-Disposition"]


@given(st.lists(st.one_of(st.none(), st.text(max_size=30)), max_size=6), st.sampled_from(["csv", "xlsx"]))
def test_a_file_name_is_always_a_safe_header(parts, ext):
    disposition = exports.disposition(parts, ext)
    disposition.encode("ascii")
    plain = re.fullmatch(r'attachment; filename="([a-z0-9-]+\.(?:csv|xlsx))"; filename\*=UTF-8\'\'([A-Za-z0-9%._~-]+)',
                         disposition)
    assert plain, disposition
    assert unquote(plain.group(2)).endswith("." + ext)
    assert not re.search(r'[\x00-\x1f"/\\]', unquote(plain.group(2)))


def test_a_share_in_the_totals_row_is_recomputed_not_added():
    table = exports.Table("t", "t", [exports.Column("Thôn"), exports.count("Có"), exports.count("Tổng"),
                                     exports.share("Tỷ lệ", 1, 2), exports.Column("Ngày", exports.DATE)],
                          [["A", 1, 3, 33.3, date(2026, 1, 5)], ["B", 2, 2, 100.0, None]])
    assert table.totals() == ["Tổng cộng", 3, 5, 60.0, ""]
    assert exports.Table("t", "t", table.columns, []).totals() is None


def test_a_table_of_plain_headers_still_exports():
    table = exports.Table("t", "Bảng", ["Thôn", "Ngày"], [["Đông", date(2026, 1, 5)]])
    assert table.totals() is None and table.headers == ["Thôn", "Ngày"]
    sheet = load_workbook(io.BytesIO(exports.xlsx([table]))).active
    assert sheet["B2"].is_date and sheet["B2"].number_format == "dd/mm/yyyy" and list(sheet.values) == [("Thôn", "Ngày"), ("Đông", datetime(2026, 1, 5))]
    assert exports.csv_bytes(table).decode("utf-8-sig").splitlines() == ["Thôn,Ngày", "Đông,2026-01-05"]


@given(st.text(min_size=1, max_size=40))
def test_any_title_makes_a_sheet_excel_accepts(title):
    """A topic's label may hold a slash, a colon or brackets, which Excel refuses in a sheet's name."""
    book = load_workbook(io.BytesIO(exports.xlsx([exports.Table("t", title, ["Thôn"], [["Thôn Đông"]])])))
    name = book.active.title
    assert 0 < len(name) <= 31 and not set(name) & set("\\/?*[]:") and name[0] != "'" != name[-1]
    assert all(ord(c) >= 32 for c in name) and book.active["A2"].value == "Thôn Đông"
