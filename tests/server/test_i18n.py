"""The one gettext catalogue (shared/locale): every text of the code is translated, and no English reaches a
Vietnamese page of the dashboard, on demo data, as a leader and as an admin, including the error messages of bad
input. Vietnamese numbers and dates: 1.234, 12,5 %, 05/10."""
import io
import re
import string
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from server.admin import demo, demo_data
from server.extensions import db
from server.ledger import ensure_counter
from server.models import Area, Device, Household, ImportJob, User
from shared import i18n
from tests.conftest import make_app

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "N_": None, "tr": None}  # as in the Makefile's `messages`


def po(lang: str):
    with open(i18n.po_path(lang), "rb") as fh:
        return read_po(fh, locale=lang)


def extracted() -> dict[str, set[str]]:
    """msgid -> files, extracted from the tree as `make messages` does (babel.cfg)."""
    with open(ROOT / "babel.cfg") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    found: dict[str, set[str]] = {}
    for filename, _line, message, _comments, _context in extract_from_dir(str(ROOT), method_map, options_map,
                                                                           keywords=KEYWORDS):
        for msgid in message if isinstance(message, tuple) else (message,):
            if msgid:
                found.setdefault(msgid, set()).add(filename)
    return found


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_every_text_of_the_code_has_its_translation_in_the_catalogue():
    found = extracted()
    assert len(found) > 300  # the dashboard's and the tablet's
    assert {"Log out", "login.title", "settings.logout"} <= set(found)  # a template, a screen, a .kv
    vi, en = po("vi"), po("en")
    assert sorted(m for m in found if not (vi.get(m) and vi.get(m).string)) == []
    tablet_keys = [m for m in found if i18n._is_key(m)]
    assert len(tablet_keys) > 150
    assert sorted(m for m in tablet_keys if not (en.get(m) and en.get(m).string)) == []
    # the catalogue holds nothing that the code no longer says (make messages drops such entries)
    assert sorted(m.id for m in vi if m.id and m.id not in found) == []


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_catalogue_has_no_fuzzy_or_empty_entry_and_keeps_the_placeholders(lang):
    catalogue = po(lang)
    entries = [m for m in catalogue if m.id]
    assert [m.id for m in entries if m.fuzzy] == []
    assert list(catalogue.obsolete) == []
    empty = [m.id for m in entries if not m.string and (lang == "vi" or i18n._is_key(m.id))]
    assert empty == []
    assert [m.id for m in entries if m.string and placeholders(m.string) - placeholders(m.id)
            and not i18n._is_key(m.id)] == []
    # the translation fills in without a KeyError, whatever its placeholders
    for m in entries:
        if m.string:
            m.string.format(**{name: "x" for name in placeholders(m.string)})


def test_vietnamese_numbers_percents_and_dates():
    assert i18n.number(1234, "vi") == "1.234" and i18n.number(1234, "en") == "1,234"
    assert i18n.number(1234567.5, "vi", 1) == "1.234.567,5"
    assert i18n.percent(12.5, "vi") == "12,5\u00a0%" and i18n.percent(12.5, "en") == "12.5%"
    assert i18n.percent(None, "vi") == "–" and i18n.percent(100, "vi", 0) == "100\u00a0%"
    assert i18n.day_month(date(2026, 10, 5), "vi") == "05/10" and i18n.day_month(date(2026, 10, 5), "en") == "05/10"
    assert i18n.day(date(2026, 10, 5), "vi") == "05/10/2026"
    assert i18n.translate("vi", "Log out") == "Đăng xuất" and i18n.translate("en", "Log out") == "Log out"
    assert i18n.translate("en", "login.title") == "Sign in to Doorstep"
    assert i18n.translate("vi", "no such text {n}", n=3) == "no such text 3"  # a missing text shows, never crashes


# --- no English on a Vietnamese page -----------------------------------------------------------------------------

class _Text(HTMLParser):
    """What a reader sees or hears of a page: its text and the attributes read aloud, never scripts or styles."""
    SPOKEN = ("title", "aria-label", "placeholder", "alt")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        attrs = dict(attrs)
        self.parts.extend(attrs[a] for a in self.SPOKEN if attrs.get(a))
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.parts.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> str:
    reader = _Text()
    reader.feed(html)
    return "\n".join(reader.parts)


ENGLISH_WORDS = re.compile(r"\b(the|and|is|are|must|not|of|to|your|this|error|invalid|required|field|please|"
                           r"password|username|already|taken|missing|between|characters?|should|cannot)\b", re.I)
"""Words of English that no Vietnamese sentence holds (a resident's name is Vietnamese)."""


def _english_msgids() -> list[tuple[str, re.Pattern]]:
    """Each msgid whose Vietnamese differs from it, as a pattern of its literal text (placeholders match anything)."""
    found = []
    for msgid, vietnamese in i18n.catalogue("vi").items():
        if vietnamese == msgid or i18n._is_key(msgid):
            continue
        chunks = [c for c, *_ in string.Formatter().parse(msgid)]
        longest = max(chunks, key=len).strip()
        if len(longest) < 4 and len(chunks) > 1:
            continue  # "{n} / {m}": nothing English to find
        found.append((msgid, re.compile(r"(?<!\w)" + re.escape(longest) + r"(?!\w)")))
    return found


def english_in(text: str, msgids) -> list[str]:
    seen = [msgid for msgid, pattern in msgids if pattern.search(text)]
    seen += [f"word: {m.group(0)!r} in {text[max(m.start() - 40, 0):m.end() + 40]!r}"
             for m in ENGLISH_WORDS.finditer(text)]
    return seen


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory):
    app = make_app(f"sqlite:///{tmp_path_factory.mktemp('i18n') / 'doorstep.db'}")
    with app.app_context():
        db.create_all()
        ensure_counter()
        demo.seed(seed=5, households_per_village=4, weeks=3)
        commune = db.session.execute(db.select(Area.id).where(Area.level == "commune", Area.name == "Phong Phú")
                                     ).scalar_one()
        official = db.session.execute(db.select(User).where(User.role == "official", User.commune_id == commune)
                                      .order_by(User.id)).scalars().first()
        leader = db.session.execute(db.select(User.username).where(User.role == "leader",
                                                                   User.commune_id == commune)).scalars().first()
        db.session.add(Device(id="0190d0a0-0000-7000-8000-0000000000aa", user_id=official.id, label="Tab A8"))
        db.session.commit()
        household = db.session.execute(db.select(Household.id).where(Household.commune_id == commune)
                                       .order_by(Household.id)).scalars().first()
        known = {"commune_id": commune, "user_id": official.id, "topic": "vneid_account",
                 "device_id": "0190d0a0-0000-7000-8000-0000000000aa", "code": "vi", "household_id": household}
    yield app, known, leader
    with app.app_context():
        db.engine.dispose()


def _login(app, username, password):
    client = app.test_client()
    client.get("/login")
    with client.session_transaction() as session:
        token = session["csrf"]
    reply = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    assert reply.status_code == 302, reply.get_data(as_text=True)[:300]
    with client.session_transaction() as session:
        client.token = session["csrf"]
    return client


def _pages(app, known) -> list[str]:
    """Every HTML page of the dashboard that a GET opens with the arguments known here (not exports or files)."""
    urls = []
    with app.test_request_context():
        from flask import url_for
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or not rule.endpoint.startswith("dashboard.") or "fmt" in rule.arguments \
                    or rule.endpoint in ("dashboard.static", "dashboard.language"):
                continue
            assert set(rule.arguments) <= set(known), f"{rule.rule}: give its arguments a value in demo_site"
            urls.append(url_for(rule.endpoint, **{a: known[a] for a in rule.arguments}))
    return sorted(set(urls))


def _check(client, url, msgids, method="GET", **kwargs) -> list[str]:
    reply = client.open(url, method=method, follow_redirects=True, **kwargs)
    assert reply.status_code < 500, url
    if not reply.mimetype == "text/html":
        return []
    return [f"{method} {url}: {e}" for e in english_in(visible_text(reply.get_data(as_text=True)), msgids)]


def test_no_english_reaches_a_vietnamese_page(demo_site):
    app, known, leader = demo_site
    msgids = _english_msgids()
    assert len(msgids) > 250
    admin = _login(app, "admin", demo_data.PASSWORDS["admin"])
    boss = _login(app, leader, demo_data.PASSWORDS["leader"])
    with app.app_context():
        db.session.add(ImportJob(commune_id=known["commune_id"], upload="gone", state="failed",
                                 failure={"message": "The uploaded file is gone: upload it again.", "values": {}}))
        db.session.commit()
        known["job_id"] = db.session.execute(db.select(ImportJob.id)).scalars().first()
    pages = _pages(app, known)
    assert len(pages) >= 10
    found = []
    for client in (admin, boss):
        for url in pages:
            found += _check(client, url, msgids)
    commune, user = known["commune_id"], known["user_id"]
    bad_filters = f"/communes/{commune}?from=10-05&to=hôm-qua&village=x&topic=nope&official=%C2%B2"
    found += _check(boss, bad_filters, msgids)
    for lists in (f"/communes/{commune}?from=2026-11-30&to=2026-11-01", "/audit?from=2026-11-30&to=2026-11-01",
                  f"/communes/{commune}/never-reached?print=1", f"/communes/{commune}?shown=100"):
        found += _check(admin if lists.startswith("/audit") else boss, lists, msgids)
    found += _check(boss, "/no-such-page", msgids)
    found += _check(boss, "/logout", msgids)  # a GET on a POST-only route: 405
    found += _check(boss, f"/communes/{commune}/targets", msgids, "POST",
                    data={"csrf_token": boss.token, "vneid_account": "150"})
    found += _check(admin, "/topic-rules", msgids, "POST", data={"csrf_token": admin.token, "vneid_account": "-3"})
    for form in ({"username": "admin", "full_name": "Lê Văn A", "password": "một-mật-khẩu-rất-dài-9"},  # taken
                 {"username": "có dấu cách", "full_name": "Lê Văn A", "password": "một-mật-khẩu-rất-dài-9"},
                 {"username": "canbo-moi", "full_name": "", "password": "một-mật-khẩu-rất-dài-9"},
                 {"username": "canbo-moi2", "full_name": "Lê Văn A", "password": "passwordpassword"},  # zxcvbn's feedback
                 {"username": "canbo-moi3", "full_name": "Lê Văn A", "password": "canbo-moi3-abc"}):
        found += _check(boss, f"/communes/{commune}/officials", msgids, "POST",
                        data={"csrf_token": boss.token, "role": "official", "village": "999999", **form})
    found += _check(boss, f"/users/{user}/password", msgids, "POST", data={"csrf_token": boss.token, "password": "1"})
    found += _check(boss, f"/communes/{commune}/conflicts", msgids, "POST",
                    data={"csrf_token": boss.token, "conflict": "x", "pick": "both"})
    found += _check(boss, f"/communes/{commune}/officials", msgids, "POST", data={"csrf_token": "stale"})
    bad_rows = ("Thôn,Địa chỉ,Chủ hộ,Số điện thoại,Năm sinh,Giới tính,Họ tên thành viên\n"
                "Thôn Xa,Số 1,Lê Văn Một,12,,,\n,Số 2,=cmd,,,,\nThôn Đông,Số 3,Lê Văn Ba,,3000,nữa,Lê Văn Bốn\n")
    found += _check(admin, "/import", msgids, "POST", content_type="multipart/form-data",
                    data={"csrf_token": admin.token, "commune": commune,
                          "file": (io.BytesIO(bad_rows.encode()), "ho.csv")})
    found += _check(admin, "/import", msgids, "POST", content_type="multipart/form-data",
                    data={"csrf_token": admin.token, "commune": commune, "file": (io.BytesIO(b"PK\x03\x04x"), "ho.xlsx")})
    found += _check(admin, "/import", msgids, "POST", data={"csrf_token": admin.token, "commune": commune})
    with app.app_context():
        villages = db.session.execute(db.select(Area.id).where(Area.level == "village", Area.commune_id == commune)
                                      .order_by(Area.id)).scalars().all()
    for action, form in (("rename", {"name": ""}), ("merge", {"into": str(villages[0])}), ("retire", {}),
                         ("merge", {"into": "x"})):
        found += _check(admin, f"/areas/{villages[0]}/{action}", msgids, "POST",
                        data={"csrf_token": admin.token, "commune": commune, **form})
    found += _check(admin, f"/areas?commune={commune}", msgids)
    assert found == [], "\n".join(found)


def test_the_check_sees_english_where_there_is_some(demo_site):
    """The same walk in English finds English on every page: the check above can fail."""
    app, known, leader = demo_site
    msgids = _english_msgids()
    boss = _login(app, leader, demo_data.PASSWORDS["leader"])
    boss.set_cookie("lang", "en")
    commune = known["commune_id"]
    assert _check(boss, f"/communes/{commune}", msgids) != []
    reply = boss.post(f"/communes/{commune}/officials", follow_redirects=True,
                      data={"csrf_token": boss.token, "role": "official", "username": "admin", "full_name": "Lê A",
                            "password": "một-mật-khẩu-rất-dài-9"})
    assert "The username admin is taken." in reply.get_data(as_text=True)
    boss.set_cookie("lang", "vi")
    reply = boss.post(f"/communes/{commune}/officials", follow_redirects=True,
                      data={"csrf_token": boss.token, "role": "official", "username": "admin", "full_name": "Lê A",
                            "password": "một-mật-khẩu-rất-dài-9"})
    assert "Tên đăng nhập admin đã có người dùng." in reply.get_data(as_text=True)
    page = boss.get(f"/communes/{commune}?from=10-05&village=x").get_data(as_text=True)
    assert "Bộ lọc không hợp lệ đã bỏ qua: Từ ngày" in page and "Bộ lọc không hợp lệ đã bỏ qua: Thôn" in page
    # Vietnamese numbers on the page and dd/mm under the chart
    assert re.search(r'<text class="tick"[^>]*>\d\d/\d\d</text>', page)
    assert re.search(r"\d+,\d\u00a0%", page)
