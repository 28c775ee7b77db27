"""Imports as an admin meets them: the dashboard served by gunicorn over real HTTP, a real huey consumer process
(`doorstep worker`), SQLite with its SQLite queue and PostgreSQL with a Redis queue.

- a 100,000-row CSV imports through the page in the background, its progress seen between 0 and 100%;
- a dimension bomb, a zip bomb (honest and lying sizes) and an over-size upload are answered without the web
  worker or the consumer growing by more than MEMORY_BOUND_MB (their peak RSS, VmHWM, against their RSS before).
"""
import io
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import time
import uuid
import zipfile
from contextlib import contextmanager
from pathlib import Path

import psutil
import redis
import requests
from sqlalchemy import func, select

from server.extensions import db
from server.models import AuditLog, Household, ImportJob, Resident
from tests.conftest import World
from tests.server.live import seeded_app

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
MEMORY_BOUND_MB = 200
JOB_TIMEOUT = 240


class Stack:
    """gunicorn and `doorstep worker` on one database, with SQLite's queue beside a SQLite database and Redis
    beside PostgreSQL."""

    def __init__(self, database_url: str, tmp_path: Path, workers: int, worker: bool = True):
        self.name = "doorstep_test_" + uuid.uuid4().hex[:10]  # huey keeps [A-Za-z0-9_] of a Redis queue name
        self.queue = f"sqlite:///{tmp_path / 'jobs.db'}" if database_url.startswith("sqlite") else REDIS_URL
        self.env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "test-secret",
                    "PYTHONPATH": str(ROOT), "JOB_QUEUE_URL": self.queue, "JOB_QUEUE_NAME": self.name,
                    "UPLOAD_FOLDER": str(tmp_path / "uploads")}
        self.log_path = tmp_path / "stack.log"
        self.log = open(self.log_path, "ab")
        listener = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.base = f"http://127.0.0.1:{listener.getsockname()[1]}"
        self.web = subprocess.Popen(
            [str(BIN / "gunicorn"), "server:create_app()", "--bind", f"fd://{listener.fileno()}", "-w",
             str(workers), "--threads", "2", "--worker-class", "gthread", "--timeout", "120",
             "--graceful-timeout", "1", "--no-control-socket"],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=self.log, pass_fds=(listener.fileno(),))
        listener.close()  # gunicorn holds its own copy
        self.worker = self.start_worker() if worker else None

    def start_worker(self) -> subprocess.Popen:
        self.worker = subprocess.Popen([str(BIN / "doorstep"), "worker"], cwd=ROOT, env=self.env, stdout=self.log,
                                       stderr=self.log)
        return self.worker

    def stop(self) -> None:
        """As an operator does: SIGINT to the worker (it finishes its job in hand), SIGQUIT to gunicorn."""
        processes = [p for p in (self.worker, self.web) if p is not None]
        if self.worker is not None:
            self.worker.send_signal(signal.SIGINT)
        self.web.send_signal(signal.SIGQUIT)
        for process in processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
        self.log.close()
        if self.queue == REDIS_URL:
            client = redis.Redis.from_url(REDIS_URL)
            for key in client.scan_iter(f"*{self.name}*"):
                client.delete(key)
            client.close()

    def tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:]


@contextmanager
def stack(database_url: str, tmp_path: Path, workers: int = 1, worker: bool = True):
    running = Stack(database_url, tmp_path, workers, worker)
    try:
        yield running
    finally:
        running.stop()


def login(base: str, username: str) -> requests.Session:
    session = requests.Session()
    page = session.get(base + "/login", timeout=60).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    reply = session.post(base + "/login", timeout=60, allow_redirects=False,
                         data={"username": username, "password": World.PASSWORD, "csrf_token": token})
    assert reply.status_code == 302, reply.text[:300]
    page = session.get(base + "/import", timeout=60).text  # a login starts a new session, with its own token
    session.csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return session


def upload(session, base: str, commune: int, name: str, data: bytes, skip_bad: bool = False):
    form = {"csrf_token": session.csrf, "commune": str(commune), **({"skip_bad": "1"} if skip_bad else {})}
    return session.post(base + "/import", data=form, files={"file": (name, data)}, timeout=120,
                        allow_redirects=False)


def follow(session, base: str, location: str) -> tuple[str, list[int], set]:
    """Poll the job's page until it is done or failed: its last page, the progress values seen and whether the
    page asked to be refreshed while it ran."""
    seen, refreshes, deadline = [], set(), time.monotonic() + JOB_TIMEOUT
    while time.monotonic() < deadline:
        reply = session.get(base + location, timeout=60)
        assert reply.status_code == 200, reply.text[:300]
        state = re.search(r'data-state="(\w+)"', reply.text).group(1)
        refreshes.add((state, reply.headers.get("Refresh")))
        found = re.search(r'<progress id="progress" max="100" value="(\d+)"', reply.text)
        if found:
            seen.append(int(found.group(1)))
        if state in ("done", "failed"):
            return reply.text, seen, refreshes
        time.sleep(0.2)
    raise AssertionError(f"the job did not end within {JOB_TIMEOUT} s; progress seen {seen[-5:]}")


def household_list(households: int) -> bytes:
    lines = ["Thôn,Địa chỉ,Chủ hộ,Số điện thoại,Họ tên thành viên,Năm sinh,Giới tính"]
    villages = ("Thôn Đông", "Thôn Tây", "Thôn Bắc")
    for i in range(households):
        lines.append(f"{villages[i % 3]},\"Số {i}, kiệt {i % 97}\",Nguyễn Văn {i},0912 345 678,Nguyễn Văn {i},1970,Nam")
        lines.append(f",,,,Trần Thị {i},1972,Nữ")
    return ("\n".join(lines) + "\n").encode()


def test_a_100000_row_csv_imports_through_the_dashboard_in_the_background(database_url, tmp_path):
    app, world = seeded_app(database_url)
    with stack(database_url, tmp_path, workers=2) as running:
        base = running.base
        session = login(base, world.admin)
        reply = upload(session, base, world.commune_a, "danh-sach.csv", household_list(50_000))
        assert reply.status_code == 303, reply.text[:500]
        page, seen, refreshes = follow(session, base, reply.headers["Location"])
        assert 'data-state="done"' in page, page[-2000:]
        assert "Đã nhập 50000 hộ và 100000 nhân khẩu." in page
        assert "Đã đọc 100000 dòng, 0 dòng có lỗi." in page
        assert any(0 < value < 100 for value in seen), seen
        # While it ran the page asked to be refreshed; once done it no longer does.
        assert ("importing", "2") in refreshes or ("checking", "2") in refreshes
        assert {r for s, r in refreshes if s == "done"} == {None}
    assert running.worker.returncode == 0, running.tail()  # Ctrl-C stops it cleanly
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Household)).scalar_one() == 50_000
        assert db.session.execute(select(func.count()).select_from(Resident)).scalar_one() == 100_000
        job = db.session.execute(select(ImportJob)).scalar_one()
        assert (job.state, job.households, job.residents, job.data_rows, job.written) == (
            "done", 50_000, 100_000, 100_000, 50_000)
        actions = [(a.action, a.detail) for a in db.session.execute(select(AuditLog).order_by(AuditLog.id)).scalars()
                   if a.action.startswith("import_")]
        assert [a for a, _ in actions] == ["import_started", "import_finished"]
        assert actions[1][1]["households"] == 50_000 and "Nguyễn" not in str(actions)
        db.engine.dispose()
    assert list((tmp_path / "uploads").iterdir()) == []  # the upload and its spool are gone


def test_a_worker_killed_mid_import_resumes_where_it_stopped(database_url, tmp_path):
    app, world = seeded_app(database_url)
    with stack(database_url, tmp_path) as running:
        session = login(running.base, world.admin)
        reply = upload(session, running.base, world.commune_a, "ho.csv", household_list(30_000))
        assert reply.status_code == 303, reply.text[:300]
        job_id = int(reply.headers["Location"].rsplit("/", 1)[1])
        written, deadline = 0, time.monotonic() + JOB_TIMEOUT
        with app.app_context():
            while not written and time.monotonic() < deadline:
                job = db.session.get(ImportJob, job_id)
                written = job.written if job.state == "importing" else 0
                db.session.rollback()  # a fresh read next time
                time.sleep(0.02)
            running.worker.kill()  # kill -9, in the middle of a chunk's transaction or between two
            running.worker.wait(10)
            at_kill = db.session.get(ImportJob, job_id).written
            db.session.rollback()
        assert 0 < at_kill < 30_000, at_kill
        running.start_worker()
        page, _, _ = follow(session, running.base, reply.headers["Location"])
        assert "Đã nhập 30000 hộ và 60000 nhân khẩu." in page, page[-1500:]
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Household)).scalar_one() == 30_000
        assert db.session.execute(select(func.count()).select_from(Resident)).scalar_one() == 60_000
        heads = db.session.execute(select(func.count(func.distinct(Household.head_name)))).scalar_one()
        assert heads == 30_000  # none twice, none lost
        db.engine.dispose()


def test_the_job_page_follows_the_import_in_a_browser_without_script(tmp_path):
    """Chromium with script off uploads a list while no worker runs: the page says it waits, then, once a worker
    starts, reloads by itself (its Refresh header) through the progress bar to the report. No click after upload."""
    from playwright.sync_api import sync_playwright

    from tests.server.test_dashboard_browser import ARGS, CHROMIUM
    url = f"sqlite:///{tmp_path / 'doorstep.db'}"
    app, world = seeded_app(url)
    source = tmp_path / "danh-sach.csv"
    source.write_bytes(household_list(20_000))
    with stack(url, tmp_path, worker=False) as running, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_context(java_script_enabled=False, locale="vi-VN").new_page()
        page.goto(running.base + "/login")
        page.fill("input[name=username]", world.admin)
        page.fill("input[name=password]", World.PASSWORD)
        page.click("button[type=submit]")
        page.goto(running.base + "/import")
        page.select_option("select[name=commune]", value=str(world.commune_a))
        page.set_input_files("input[type=file]", str(source))
        page.click("#import-form button[type=submit]")
        page.wait_for_url("**/import/jobs/*")
        assert page.locator("#job").get_attribute("data-state") == "queued"
        assert "Đang chờ bộ xử lý nền" in page.inner_text("#job")
        running.start_worker()
        states, values = set(), set()
        deadline = time.monotonic() + JOB_TIMEOUT
        while time.monotonic() < deadline:
            try:
                state = page.locator("#job").get_attribute("data-state", timeout=5000)
                if page.locator("#progress").count():
                    values.add(int(page.locator("#progress").get_attribute("value", timeout=5000)))
            except Exception:  # the page was reloading under the locator: read it again
                continue
            states.add(state)
            if state == "done":
                break
            page.wait_for_timeout(300)
        assert "done" in states and states & {"checking", "importing"}, states
        assert "Đã nhập 20000 hộ và 40000 nhân khẩu." in page.inner_text("#report")
        # A progress bar was on the page while it ran. Which values it showed depends on how the 2 s refreshes fall
        # against the import: on a quick machine the whole import takes less than one, so none is required here
        # (the 100,000-row test polls the page every 0.2 s for them).
        assert values and all(0 <= value <= 100 for value in values), values
        browser.close()


# --- bombs ----------------------------------------------------------------------------------------------------------

SHEET = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
         '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
         '<dimension ref="A1:XFD1048576"/><sheetData>{rows}</sheetData></worksheet>')
ROW = '<row r="{r}">{cells}</row>'
CELL = '<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'
PARTS = {
    "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook'
    '.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
    'PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml'
    '.worksheet+xml"/></Types>',
    "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
    'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
    '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
    'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
    'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.'
    'org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
}


def xlsx(rows: list[tuple[int, list[tuple[str, str]]]], sheet: bytes | None = None) -> bytes:
    """A minimal XLSX of inline-string cells, written by hand: rows of (row number, [(cell ref, text)])."""
    body = sheet or SHEET.format(rows="".join(
        ROW.format(r=r, cells="".join(CELL.format(ref=ref, text=text) for ref, text in cells))
        for r, cells in rows)).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in PARTS.items():
            archive.writestr(name, text)
        archive.writestr("xl/worksheets/sheet1.xml", body)
    return out.getvalue()


def header_and_one_household() -> list:
    return [(1, [("A1", "Thôn"), ("B1", "Địa chỉ"), ("C1", "Chủ hộ")]),
            (2, [("A2", "Thôn Đông"), ("B2", "Số 1"), ("C2", "Lê Văn Tám")])]


def zip_bomb(megabytes: int, lie: bool = False) -> bytes:
    """An XLSX whose sheet inflates to `megabytes` MB of blanks; with `lie`, its headers declare 1,000 bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in PARTS.items():
            archive.writestr(name, text)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=False) as part:
            part.write(SHEET.format(rows="").encode()[:-len("</sheetData></worksheet>")])
            blanks = b" " * (1024 * 1024)
            for _ in range(megabytes):
                part.write(blanks)
            part.write(b"</sheetData></worksheet>")
    data = bytearray(out.getvalue())
    if lie:
        local = data.index(b"xl/worksheets/sheet1.xml") - 30  # the name follows each header
        assert data[local:local + 4] == b"PK\x03\x04"
        struct.pack_into("<I", data, local + 22, 1000)
        central = data.rindex(b"xl/worksheets/sheet1.xml") - 46
        assert data[central:central + 4] == b"PK\x01\x02"
        struct.pack_into("<I", data, central + 24, 1000)
    return bytes(data)


def high_water_mb(process: psutil.Process) -> float:
    with open(f"/proc/{process.pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:")) / 1024


def test_bombs_are_refused_within_bounded_memory(database_url, tmp_path):
    app, world = seeded_app(database_url)
    bombs = {
        # 1.6 KB that claim every cell of the grid: the claim is not believed, the real rows are read.
        "dimension": xlsx(header_and_one_household()),
        # The same claim, and a real cell in the grid's last row and column.
        "far-cell": xlsx(header_and_one_household() + [(1_048_576, [("XFD1048576", "x")])]),
        "zip-bomb": zip_bomb(400),
        "lying-zip-bomb": zip_bomb(150, lie=True),
    }
    assert len(bombs["dimension"]) < 2000 and len(bombs["zip-bomb"]) < 600_000
    with stack(database_url, tmp_path) as running:
        base = running.base
        session = login(base, world.admin)
        web_worker = psutil.Process(running.web.pid).children()[0]
        consumer = psutil.Process(running.worker.pid)
        before = {"web": web_worker.memory_info().rss / 2**20, "worker": consumer.memory_info().rss / 2**20}
        outcomes = {}
        for name, data in bombs.items():
            reply = upload(session, base, world.commune_a, name + ".xlsx", data)
            assert reply.status_code in (303, 400), (name, reply.status_code, reply.text[:300])
            if reply.status_code == 400:
                outcomes[name] = re.search(r'id="problem">([^<]*)<', reply.text).group(1)
            else:
                page, _, _ = follow(session, base, reply.headers["Location"])
                found = re.search(r'id="failure">([^<]*)<', page)
                outcomes[name] = found.group(1) if found else re.search(r'class="ok">([^<]*)<', page).group(1)
        # An upload over the limit is answered before its body is read, with the limit.
        reply = upload(session, base, world.commune_a, "big.csv", b"x" * (21 * 1024 * 1024))
        assert reply.status_code == 413 and "Tệp lớn hơn 20 MB." in reply.text
        growth = {"web": high_water_mb(web_worker) - before["web"], "worker": high_water_mb(consumer) - before["worker"]}
    assert outcomes["dimension"] == "Đã nhập 1 hộ và 0 nhân khẩu."
    assert outcomes["far-cell"] == "Nhập không thành công: Trang tính có hơn 200000 dòng: hãy chia thành nhiều tệp."
    assert outcomes["zip-bomb"] == "Một thành phần của tệp XLSX khi giải nén lớn hơn 200 MB."
    assert outcomes["lying-zip-bomb"] == ("Nhập không thành công: Một thành phần của tệp XLSX không chứa đúng như "
                                          "nó khai báo: có thể là một quả bom nén (zip bomb).")
    assert max(growth.values()) < MEMORY_BOUND_MB, growth
    with app.app_context():
        assert db.session.execute(select(Household.head_name)).scalars().all() == ["Lê Văn Tám"]
        db.engine.dispose()
