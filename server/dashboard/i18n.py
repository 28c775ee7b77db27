"""The dashboard's two languages: Vietnamese by default, English on request (a `lang` cookie).

Templates and views write English text inside `_()`; VI holds its Vietnamese. A test checks that every `_()` of the
templates and views has a Vietnamese entry here.
"""
from flask import request

from shared import vocab

LANGUAGES = ("vi", "en")
COOKIE = "lang"


def current() -> str:
    lang = request.cookies.get(COOKIE, "vi")
    return lang if lang in LANGUAGES else "vi"


def gettext(text: str, **values) -> str:
    """`text` in the current language, with `{name}` placeholders filled from `values`."""
    translated = VI.get(text, text) if current() == "vi" else text
    return translated.format(**values) if values else translated


def topic_label(topic: str) -> str:
    return vocab.label(vocab.TOPICS, topic, current())


def role_label(role: str) -> str:
    return vocab.label(vocab.ROLES, role, current())


def status_label(status: str) -> str:
    return vocab.label(vocab.VISIT_STATUSES, status, current())


VI = {
    # Frame, login, navigation
    "Doorstep": "Doorstep",
    "Campaign dashboard": "Bảng theo dõi chiến dịch",
    "Log in": "Đăng nhập",
    "Log out": "Đăng xuất",
    "Username": "Tên đăng nhập",
    "Password": "Mật khẩu",
    "Wrong username or password.": "Sai tên đăng nhập hoặc mật khẩu.",
    "The username or the password holds a character that is not allowed.":
        "Tên đăng nhập hoặc mật khẩu chứa ký tự không được phép.",
    "A username has 1 to 64 characters, without spaces or control characters.":
        "Tên đăng nhập có từ 1 đến 64 ký tự, không có dấu cách hay ký tự điều khiển.",
    "A full name has 1 to 100 characters, without control characters.":
        "Họ tên có từ 1 đến 100 ký tự, không có ký tự điều khiển.",
    # Error pages (server/errors.py)
    "The request is not valid.": "Yêu cầu không hợp lệ.",
    "You may not open this page.": "Bạn không có quyền mở trang này.",
    "This page does not exist.": "Trang này không tồn tại.",
    "This page does not take this kind of request.": "Trang này không nhận loại yêu cầu này.",
    "The file is too large.": "Tệp quá lớn.",
    "This kind of content is not accepted.": "Không nhận loại nội dung này.",
    "Something went wrong.": "Đã có lỗi xảy ra.",
    "The system is temporarily unavailable: try again in a few minutes.":
        "Hệ thống tạm thời gián đoạn: vui lòng thử lại sau ít phút.",
    "Back to the first page": "Về trang đầu",
    "The form has expired or did not come from this site: reload the page and try again.":
        "Biểu mẫu đã hết hạn hoặc không đến từ trang này: hãy tải lại trang và thử lại.",
    "Too many failed logins: try again in {minutes} minutes.":
        "Đăng nhập sai quá nhiều lần: hãy thử lại sau {minutes} phút.",
    "Officials use the tablet app; this dashboard is for commune leaders and administrators.":
        "Cán bộ dùng ứng dụng trên máy tính bảng; trang này dành cho lãnh đạo xã và quản trị viên.",
    "Overview": "Tổng quan",
    "Communes": "Các xã",
    "Officials": "Cán bộ",
    "Conflicts": "Xung đột dữ liệu",
    "Import households": "Nhập danh sách hộ",
    "Never reached": "Chưa tiếp cận",
    "Visit log": "Nhật ký thăm hộ",
    "Skip to content": "Bỏ qua, đến nội dung",
    "Language": "Ngôn ngữ",
    "Print": "In",
    "Saved.": "Đã lưu.",
    # Overview
    "Households": "Hộ gia đình",
    "Households total": "Tổng số hộ",
    "Households reached": "Hộ đã tiếp cận",
    "Reached": "Đã tiếp cận",
    "Residents": "Nhân khẩu",
    "Percent": "Tỷ lệ",
    "{reached} of {total} households reached": "Đã tiếp cận {reached} trên {total} hộ",
    "Topics": "Nội dung hỗ trợ",
    "Topic": "Nội dung",
    "Households done": "Hộ đã xong",
    "Residents done": "Người đã xong",
    "Target": "Chỉ tiêu",
    "Target met": "Đạt chỉ tiêu",
    "Below target": "Chưa đạt",
    "No target": "Chưa đặt chỉ tiêu",
    "Targets (% of residents)": "Chỉ tiêu (% nhân khẩu)",
    "Save targets": "Lưu chỉ tiêu",
    "A target is a percent between 0 and 100.": "Chỉ tiêu là tỷ lệ phần trăm từ 0 đến 100.",
    "Villages": "Thôn",
    "Village": "Thôn",
    "All villages": "Tất cả các thôn",
    "Weekly trend": "Diễn biến theo tuần",
    "Week": "Tuần",
    "Week of": "Tuần bắt đầu",
    "Visits": "Lượt thăm",
    "Cumulative coverage": "Độ bao phủ cộng dồn",
    "Households reached (cumulative)": "Hộ đã tiếp cận (cộng dồn)",
    "No visits in this period.": "Không có lượt thăm nào trong khoảng thời gian này.",
    "Official activity": "Hoạt động của cán bộ",
    "Official": "Cán bộ",
    "All officials": "Tất cả cán bộ",
    "Hours": "Số giờ",
    "Tablets": "Máy tính bảng",
    "Last sync": "Đồng bộ lần cuối",
    "never": "chưa bao giờ",
    "Not synced for more than {days} days": "Chưa đồng bộ quá {days} ngày",
    "Follow-ups": "Việc cần quay lại",
    "Open": "Đang mở",
    "Overdue": "Quá hạn",
    "Filters": "Bộ lọc",
    "From": "Từ ngày",
    "To": "Đến ngày",
    "All topics": "Tất cả nội dung",
    "Apply": "Áp dụng",
    "Clear": "Xóa bộ lọc",
    "Export": "Xuất dữ liệu",
    "Excel (all tables)": "Excel (mọi bảng)",
    "CSV: villages": "CSV: theo thôn",
    "CSV: topics": "CSV: theo nội dung",
    "CSV: officials": "CSV: cán bộ",
    "Visit log (CSV)": "Nhật ký thăm hộ (CSV)",
    "Visit log (Excel)": "Nhật ký thăm hộ (Excel)",
    "Invalid filter ignored: {name}": "Bộ lọc không hợp lệ đã bỏ qua: {name}",
    "Sort by {column}": "Sắp xếp theo {column}",
    "Total": "Tổng cộng",
    # Never reached
    "Households never reached": "Hộ chưa từng được tiếp cận",
    "Work list": "Danh sách cần đến",
    "Address": "Địa chỉ",
    "Head of household": "Chủ hộ",
    "Phone": "Số điện thoại",
    "Attempts": "Số lần đến",
    "Last attempt": "Lần đến gần nhất",
    "Every household has been reached.": "Tất cả các hộ đã được tiếp cận.",
    "{count} households": "{count} hộ",
    "Names and phones are shown to commune leaders only.": "Họ tên và số điện thoại chỉ hiện cho lãnh đạo xã.",
    # Communes (admin)
    "Compare communes": "So sánh các xã",
    "Commune": "Xã",
    "Province": "Tỉnh/Thành phố",
    "Coverage by commune": "Độ bao phủ theo xã",
    "Open the commune": "Xem xã",
    # Officials
    "New official": "Thêm cán bộ",
    "Full name": "Họ và tên",
    "Role": "Vai trò",
    "Active": "Đang hoạt động",
    "Disabled": "Đã khóa",
    "Create": "Tạo",
    "Assigned villages": "Thôn phụ trách",
    "Save villages": "Lưu thôn phụ trách",
    "Reset password": "Đặt lại mật khẩu",
    "New password": "Mật khẩu mới",
    "The password needs at least {length} characters.": "Mật khẩu cần ít nhất {length} ký tự.",
    "The password must not contain the username.": "Mật khẩu không được chứa tên đăng nhập.",
    "This password is too easy to guess: use three or four words that others would not guess, with a number or a "
    "sign.":
        "Mật khẩu này quá dễ đoán: hãy dùng ba hoặc bốn từ mà người khác khó đoán, kèm một chữ số hoặc một ký hiệu.",
    "At least {length} characters, hard to guess: three or four words with a number or a sign.":
        "Ít nhất {length} ký tự, khó đoán: ba hoặc bốn từ kèm một chữ số hoặc một ký hiệu.",
    "The password was reset; the official's other sessions have ended.":
        "Đã đặt lại mật khẩu; các phiên đăng nhập khác của cán bộ đã kết thúc.",
    "Disable account": "Khóa tài khoản",
    "Enable account": "Mở khóa tài khoản",
    "Tablet": "Máy tính bảng",
    "Registered": "Đăng ký lúc",
    "Last seen": "Hoạt động lần cuối",
    "App version": "Phiên bản ứng dụng",
    "Revoked": "Đã thu hồi",
    "Revoke": "Thu hồi",
    "Revoke and erase": "Thu hồi và xóa dữ liệu",
    "Revoke and erase this tablet?": "Thu hồi và xóa dữ liệu trên máy tính bảng này?",
    "At its next connection the tablet erases all the commune's data it holds, including changes not yet sent; the "
    "official will have to log in again.":
        "Ở lần kết nối tiếp theo, máy tính bảng sẽ xóa toàn bộ dữ liệu của xã đang lưu trên máy, kể cả các thay đổi "
        "chưa gửi; cán bộ sẽ phải đăng nhập lại.",
    "Until then the tablet can no longer send or receive anything. This page will show when it was erased.":
        "Từ giờ đến lúc đó máy không gửi hay nhận được gì nữa. Trang này sẽ cho biết máy đã xóa dữ liệu lúc nào.",
    "Cancel": "Hủy",
    "The tablet was revoked: it erases its data at its next connection.":
        "Đã thu hồi máy tính bảng: máy sẽ xóa dữ liệu ở lần kết nối tiếp theo.",
    "Account disabled": "Tài khoản bị khóa",
    "Erase requested at {time}": "Yêu cầu xóa dữ liệu lúc {time}",
    "Erased at {time}": "Đã xóa dữ liệu lúc {time}",
    "The tablet erases its data at its next connection.": "Máy sẽ xóa dữ liệu ở lần kết nối tiếp theo.",
    "Logged out or revoked at {time}": "Đã đăng xuất hoặc bị thu hồi lúc {time}",
    "Logged out": "Đã đăng xuất",
    "No tablet yet.": "Chưa có máy tính bảng nào.",
    "No official yet.": "Chưa có cán bộ nào.",
    "The official was created.": "Đã tạo cán bộ.",
    "Status": "Trạng thái",
    # Conflicts
    "Kept value": "Giá trị đang giữ",
    "Lost value": "Giá trị bị ghi đè",
    "Current value": "Giá trị hiện tại",
    "Field": "Trường",
    "Record": "Bản ghi",
    "When": "Thời điểm",
    "Kept by": "Người ghi giữ lại",
    "Lost by": "Người ghi bị đè",
    "Keep this": "Giữ giá trị này",
    "Use this": "Dùng giá trị này",
    "No conflict to review.": "Không có xung đột cần xem xét.",
    "The conflict was resolved.": "Đã xử lý xung đột.",
    "Visits with an unlikely date": "Lượt thăm có ngày giờ bất thường",
    "The tablet's clock was probably wrong: these visits are kept and counted on the date the tablet gave. Ask the "
    "official to check the tablet's date and time.":
        "Có thể đồng hồ máy tính bảng bị sai: các lượt thăm này vẫn được lưu và tính theo ngày máy tính bảng ghi. "
        "Hãy nhắc cán bộ kiểm tra ngày giờ của máy.",
    "Date on the tablet": "Ngày trên máy tính bảng",
    "Received by the server": "Máy chủ nhận lúc",
    "Two visits were sent under one id": "Hai lượt thăm được gửi cùng một mã",
    "Stored visit": "Lượt thăm đã lưu",
    "Visit not stored": "Lượt thăm không được lưu",
    "Seen": "Đã xem",
    "no such conflict": "Không có xung đột này.",
    "this conflict was already resolved": "Xung đột này đã được xử lý.",
    "pick the kept or the lost value": "Hãy chọn giá trị đang giữ hoặc giá trị bị ghi đè.",
    "the record is gone": "Bản ghi không còn nữa.",
    "that village is not in this commune": "Thôn đó không thuộc xã này.",
    "a visit is never overwritten: log a new one on the tablet": "Lượt thăm không bị ghi đè: hãy ghi một lượt mới trên máy tính bảng.",
    "The record has changed since: check the current value.": "Bản ghi đã thay đổi sau đó: hãy xem giá trị hiện tại.",
    # Fields of households and residents, as conflicts name them
    "address": "Địa chỉ", "head_name": "Chủ hộ", "phone": "Số điện thoại", "note": "Ghi chú", "village_id": "Thôn",
    "full_name": "Họ và tên", "birth_year": "Năm sinh", "sex": "Giới tính",
    "has_smartphone": "Có điện thoại thông minh",
    "household": "hộ",
    "resident": "nhân khẩu",
    # Import
    "Household list (CSV or XLSX)": "Danh sách hộ (CSV hoặc XLSX)",
    "Skip bad rows and import the others": "Bỏ qua dòng lỗi và nhập các dòng còn lại",
    "Upload": "Tải lên",
    "Choose a file.": "Hãy chọn một tệp.",
    "Imported {households} households and {residents} residents.": "Đã nhập {households} hộ và {residents} nhân khẩu.",
    "{count} households already present were skipped.": "Bỏ qua {count} hộ đã có.",
    "Nothing was imported: fix these rows, or skip them.": "Chưa nhập gì: hãy sửa các dòng sau, hoặc bỏ qua chúng.",
    "Row errors": "Lỗi theo dòng",
    "Line": "Dòng",
    "Column": "Cột",
    "Reason": "Lý do",
    "The first row names the columns: Thôn, Địa chỉ, Chủ hộ, and optionally Số điện thoại, Ghi chú, Họ tên thành "
    "viên, Năm sinh, Giới tính.":
        "Dòng đầu là tên cột: Thôn, Địa chỉ, Chủ hộ, và có thể thêm Số điện thoại, Ghi chú, Họ tên thành viên, "
        "Năm sinh, Giới tính.",
    # Visit log
    "Date": "Ngày",
    "Minutes": "Số phút",
    "Follow-up on": "Hẹn quay lại",
    "Outcomes": "Kết quả",
}
