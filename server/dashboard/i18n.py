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


def outcome_label(outcome: str) -> str:
    return vocab.label(vocab.OUTCOMES, outcome, current())


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
    "Targets (% of eligible residents)": "Chỉ tiêu (% người trong diện)",
    # Indicators (issue 11)
    "A minimum age is a whole number from 0 to 120.": "Độ tuổi tối thiểu là một số nguyên từ 0 đến 120.",
    "A resident younger than this is not counted in the topic's coverage. Every commune uses the same ages; an empty field goes back to the default.":
        "Người nhỏ tuổi hơn không được tính vào tỷ lệ của nội dung này. Mọi xã dùng chung các độ tuổi này; để trống là trở về mặc định.",
    "Birth year": "Năm sinh",
    "Coverage": "Tỷ lệ đạt",
    "Coverage: eligible residents who have it (done, or had it already) out of eligible residents. Eligible: old enough for the topic and not marked not applicable; a resident with no birth year counts as eligible.":
        "Tỷ lệ đạt: số người trong diện đã có (đã làm xong, hoặc đã có từ trước) trên số người trong diện. Trong diện: đủ tuổi cho nội dung đó và không bị ghi là không áp dụng; người chưa có năm sinh được tính là trong diện.",
    "Eligible residents": "Người trong diện",
    "Eligible, not yet": "Trong diện, chưa có",
    "From age": "Từ tuổi",
    "From age {age} (born in {year} or before); a resident with no birth year counts as eligible.":
        "Từ {age} tuổi (sinh năm {year} trở về trước); người chưa có năm sinh được tính là trong diện.",
    "Have it": "Đã có",
    "Households met": "Hộ đã gặp",
    "Households visited": "Hộ đã đến",
    "In the coverage": "Trong tỷ lệ",
    "List": "Danh sách",
    "Minimum age per topic": "Độ tuổi tối thiểu theo nội dung",
    "No birth year": "Chưa có năm sinh",
    "No visit yet": "Chưa được hỗ trợ",
    "Not applicable": "Không áp dụng",
    "Number": "Số lượng",
    "Of which nobody home": "Trong đó vắng nhà",
    "Reached: at least one visit that met someone of the household.":
        "Đã tiếp cận: có ít nhất một lượt đến gặp được người trong hộ.",
    "Save": "Lưu",
    "The first {shown} of {count} are listed: choose a village to see the others.":
        "Đang hiện {shown} trên {count} người: chọn một thôn để xem những người còn lại.",
    "Their villages": "Địa bàn phụ trách",
    "Their villages: households reached": "Địa bàn phụ trách: hộ đã tiếp cận",
    "Too young": "Chưa đủ tuổi",
    "Visited, nobody home": "Đã đến, vắng nhà",
    "Visits, households visited and met are the official's own work in the period; their villages' figures count every household and resident of the villages assigned to them.":
        "Lượt thăm, hộ đã đến và hộ đã gặp là việc của chính cán bộ trong kỳ; số liệu địa bàn phụ trách tính mọi hộ và mọi người của các thôn được giao cho cán bộ đó.",
    "Who is counted": "Ai được tính",
    "at the end of the week": "cuối tuần",
    "counted as eligible": "tính là trong diện",
    "coverage (have it / eligible)": "tỷ lệ (đã có / trong diện)",
    "denominator": "mẫu số",
    "left out": "không tính",
    "numerator and denominator": "tử số và mẫu số",
    "{n} residents have no birth year: they count as eligible for every topic until an official fills it in.":
        "{n} người chưa có năm sinh: được tính là trong diện cho mọi nội dung cho đến khi cán bộ bổ sung.",
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
    "Names, phones and addresses are shown to commune leaders only.":
        "Họ tên, số điện thoại và địa chỉ chỉ hiện cho lãnh đạo xã.",
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
    # Import: the page, the job's page and its states
    "At most {limit} MB and {rows} rows; the import runs in the background and its page shows how far it is.":
        "Tối đa {limit} MB và {rows} dòng; việc nhập chạy ngầm và trang của nó cho biết đã đến đâu.",
    "Latest imports": "Các lần nhập gần đây",
    "Uploaded at {when}.": "Tải lên lúc {when}.",
    "Waiting for the worker to start it; this page reloads by itself.":
        "Đang chờ bộ xử lý nền bắt đầu; trang này tự tải lại.",
    "Progress": "Tiến độ",
    "Rows checked: {done} of about {total}.": "Đã kiểm tra {done} trên khoảng {total} dòng.",
    "Rows imported: {done} of {total}.": "Đã nhập {done} trên {total} dòng.",
    "This page reloads by itself.": "Trang này tự tải lại.",
    "The import failed:": "Nhập không thành công:",
    "Nothing new to import.": "Không có gì mới để nhập.",
    "{rows} rows read, {errors} with errors.": "Đã đọc {rows} dòng, {errors} dòng có lỗi.",
    "The first {shown} of {count} errors.": "{shown} lỗi đầu tiên trong số {count} lỗi.",
    "Import another file": "Nhập tệp khác",
    "queued": "đang chờ", "checking": "đang kiểm tra", "importing": "đang nhập", "done": "đã xong",
    "failed": "không thành công",
    # Import: refusals of a whole file (server/admin/uploads.py, import_jobs.py)
    "The file is larger than {limit} MB.": "Tệp lớn hơn {limit} MB.",
    "The file is empty.": "Tệp trống.",
    "The uploaded file is gone: upload it again.": "Tệp đã tải lên không còn: hãy tải lên lại.",
    "The import stopped on an error after {tries} tries: the households counted here were imported before it. "
    "Upload the file again to import the rest.":
        "Việc nhập dừng lại vì lỗi sau {tries} lần thử: các hộ được đếm ở đây đã được nhập trước đó. Hãy tải tệp "
        "lên lại để nhập phần còn lại.",
    "An old Excel .xls file: save it as .xlsx or as CSV UTF-8 first.":
        "Tệp Excel .xls kiểu cũ: hãy lưu lại thành .xlsx hoặc CSV UTF-8 trước.",
    "Not a readable XLSX file.": "Không đọc được tệp XLSX này.",
    "Not a readable CSV row.": "Không đọc được dòng CSV này.",
    "The XLSX file holds more than {limit} parts.": "Tệp XLSX chứa hơn {limit} thành phần.",
    "The XLSX file is protected by a password: save it again without one.":
        "Tệp XLSX có mật khẩu bảo vệ: hãy lưu lại không có mật khẩu.",
    "A part of the XLSX file unpacks to more than {limit} MB.":
        "Một thành phần của tệp XLSX khi giải nén lớn hơn {limit} MB.",
    "A part of the XLSX file is compressed more than {limit} times: it looks like a zip bomb.":
        "Một thành phần của tệp XLSX bị nén hơn {limit} lần: có vẻ là một quả bom nén (zip bomb).",
    "The XLSX file unpacks to more than {limit} MB in all.": "Tệp XLSX khi giải nén lớn hơn {limit} MB tổng cộng.",
    "A part of the XLSX file does not hold what it declares: it may be a zip bomb.":
        "Một thành phần của tệp XLSX không chứa đúng như nó khai báo: có thể là một quả bom nén (zip bomb).",
    "The XLSX file holds another compressed file: save it again without embedded files.":
        "Tệp XLSX chứa một tệp nén khác bên trong: hãy lưu lại không kèm tệp nhúng.",
    "The XLSX file has no sheet of cells.": "Tệp XLSX không có trang tính nào.",
    "A row of the sheet has more than {limit} cells.": "Một dòng của trang tính có hơn {limit} ô.",
    "The sheet has more than {limit} rows: split it into several files.":
        "Trang tính có hơn {limit} dòng: hãy chia thành nhiều tệp.",
    "The file has more than {limit} rows: split it into several files.":
        "Tệp có hơn {limit} dòng: hãy chia thành nhiều tệp.",
    "No header row: expected columns such as Thôn, Địa chỉ, Chủ hộ.":
        "Không có dòng tiêu đề: cần các cột như Thôn, Địa chỉ, Chủ hộ.",
    # Import: row errors (server/admin/importer.py, and the schemas' messages it reports)
    "The row holds more than {limit} characters.": "Dòng này có hơn {limit} ký tự.",
    "A cell holds more than {limit} characters.": "Ô này có hơn {limit} ký tự.",
    "Begins with {char}: a spreadsheet would run it as a formula.":
        "Bắt đầu bằng {char}: bảng tính sẽ chạy nó như một công thức.",
    "Missing column.": "Thiếu cột.",
    "Required.": "Bắt buộc.",
    "No village «{name}» in this commune.": "Xã này không có thôn «{name}».",
    "A member row needs a good household row above it.": "Dòng thành viên cần một dòng hộ hợp lệ ở phía trên.",
    "Not a phone number.": "Không phải số điện thoại.",
    "Length must be between {min} and {max}.": "Độ dài phải từ {min} đến {max} ký tự.",
    "Longer than maximum length {max}.": "Dài hơn giới hạn {max} ký tự.",
    "Shorter than minimum length {min}.": "Ngắn hơn tối thiểu {min} ký tự.",
    "Missing data for required field.": "Thiếu dữ liệu bắt buộc.",
    "Field may not be null.": "Không được để trống.",
    "Must be greater than or equal to {min}.": "Phải lớn hơn hoặc bằng {min}.",
    "Must be less than or equal to {max}.": "Phải nhỏ hơn hoặc bằng {max}.",
    "Not a valid integer.": "Không phải số nguyên hợp lệ.",
    "Not a valid boolean.": "Không phải giá trị có/không hợp lệ.",
    "Must be one of: {choices}.": "Phải là một trong: {choices}.",
    "Must not be in the future.": "Không được ở tương lai.",
    "Not a valid string.": "Không phải chuỗi ký tự hợp lệ.",
    "Must not contain control characters (found {char} at position {index}).":
        "Không được chứa ký tự điều khiển (có {char} ở vị trí {index}).",
    # Visit log
    "Date": "Ngày",
    "Minutes": "Số phút",
    "Follow-up on": "Hẹn quay lại",
    "Outcomes": "Kết quả",
    # Audit log (audit_page.py)
    "Audit log": "Nhật ký truy cập",
    ("Who read or exported residents' names and phones, and who changed accounts, tablets, targets and imports. "
     "The log holds no personal data itself."):
        ("Ai đã xem hoặc xuất họ tên và số điện thoại của người dân, và ai đã thay đổi tài khoản, máy tính bảng, "
         "chỉ tiêu và dữ liệu nhập. Bản thân nhật ký không chứa dữ liệu cá nhân."),
    "Action": "Thao tác",
    "All actions": "Mọi thao tác",
    "User": "Người dùng",
    "All users": "Mọi người dùng",
    "Time": "Thời gian",
    "Done to": "Đối tượng",
    "Detail": "Chi tiết",
    "IP address": "Địa chỉ IP",
    "the system": "hệ thống",
    "{count} entries": "{count} mục",
    "Nothing recorded with these filters.": "Không có mục nào với bộ lọc này.",
    "Pages": "Trang",
    "Newer": "Mới hơn",
    "Older": "Cũ hơn",
    "Page {page} of {pages}": "Trang {page}/{pages}",
    "Viewed the households never reached": "Xem danh sách hộ chưa tiếp cận",
    "Viewed the follow-ups": "Xem danh sách hẹn quay lại",
    "Viewed the conflicts": "Xem các xung đột dữ liệu",
    "Names and phones are shown to commune leaders only.": "Họ tên và số điện thoại chỉ hiện cho lãnh đạo xã.",
    "Viewed who is counted for a topic": "Xem danh sách người được tính của một chủ đề",
    "Set a topic's minimum age": "Đặt độ tuổi tối thiểu của một chủ đề",
    "Exported a table": "Xuất một bảng",
    "Exported the audit log": "Xuất nhật ký truy cập",
    "Read records on the API": "Đọc hồ sơ qua API",
    "Read a work list on the API": "Đọc danh sách công việc qua API",
    "Downloaded a tablet's whole scope": "Tải toàn bộ dữ liệu về máy tính bảng",
    "Created a user": "Tạo người dùng",
    "Set a target": "Đặt chỉ tiêu",
    "Reset a password": "Đặt lại mật khẩu",
    "Resolved a conflict": "Xử lý xung đột",
    "Imported households": "Nhập danh sách hộ",
    "Started an import": "Bắt đầu nhập dữ liệu",
    "Finished an import": "Hoàn tất nhập dữ liệu",
    "Logged in": "Đăng nhập",
    "Logged out": "Đăng xuất",
    "Revoked a tablet": "Thu hồi máy tính bảng",
    "A tablet erased its data": "Máy tính bảng đã xóa dữ liệu",
    "Enabled or disabled a user": "Bật hoặc tắt người dùng",
    "Disabled a user": "Tắt người dùng",
    "Enabled a user": "Bật lại người dùng",
    "Changed a role": "Đổi vai trò",
    # Areas (areas_page.py, admin/areas.py)
    "Areas": "Địa bàn",
    "Show": "Xem",
    "Two villages of one commune cannot share a name. Merging a village moves its households, their residents and visits into the other village, assigns its officials there and retires it; the officials' tablets download their villages again at their next sync.":
        "Hai thôn của một xã không được trùng tên. Gộp một thôn sẽ chuyển các hộ, nhân khẩu và lượt thăm của thôn đó sang thôn kia, phân công cán bộ của thôn đó sang thôn kia và ngừng sử dụng thôn cũ; máy tính bảng của cán bộ sẽ tải lại các thôn ở lần đồng bộ sau.",
    "Rename": "Đổi tên",
    "Merge into": "Gộp vào",
    "Merge": "Gộp",
    "Retire": "Ngừng sử dụng",
    "(same name as another village: rename or merge it)": "(trùng tên với thôn khác: hãy đổi tên hoặc gộp)",
    "New name of {name}": "Tên mới của {name}",
    "Merge {name} into": "Gộp {name} vào",
    "Merge it first": "Cần gộp trước",
    "No village yet.": "Chưa có thôn nào.",
    "The area was renamed.": "Đã đổi tên địa bàn.",
    "The villages were merged: {count} households moved.": "Đã gộp thôn: {count} hộ đã được chuyển.",
    "The area was retired.": "Đã ngừng sử dụng địa bàn.",
    "Another area of the same parent already has this name.": "Một địa bàn khác cùng cấp trên đã có tên này.",
    "A village cannot be merged into itself.": "Không thể gộp một thôn vào chính nó.",
    "Only a village can be merged, into another village of the same commune.":
        "Chỉ gộp được một thôn vào một thôn khác của cùng xã.",
    "Households still live in this village: merge it into another village first.":
        "Thôn này vẫn còn hộ: hãy gộp vào một thôn khác trước.",
    "Areas below this one are still in use: retire or merge them first.":
        "Các địa bàn trực thuộc vẫn đang dùng: hãy ngừng sử dụng hoặc gộp chúng trước.",
    "No such area.": "Không có địa bàn này.",
    "Two villages of this commune go by this name: an admin must rename or merge one of them first.":
        "Hai thôn của xã này cùng mang tên này: quản trị viên cần đổi tên hoặc gộp một thôn trước.",
    "Renamed an area": "Đổi tên địa bàn",
    "Merged a village into another": "Gộp thôn",
    "Retired an area": "Ngừng sử dụng địa bàn",
}
