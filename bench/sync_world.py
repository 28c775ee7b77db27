"""The data of the sync benchmark: a fresh database with one commune, its households and residents, and the visits
a tablet logs there.

The notes are built from phrase pools with names and numbers mixed in, so that gzip sees text about as repetitive as
real field notes, not one sentence copied 20,000 times.
"""
import hashlib
import json
import os
import random
import tempfile
import uuid
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import create_engine, insert, text

from server import create_app
from server.admin import service as admin
from server.cli import ensure_counter
from server.extensions import db
from server.models import Household, Resident
from server.ledger import take_seq
from shared.ids import new_id

PG_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PASSWORD = "mật-khẩu-đo-1"
USERNAME = "canbo_bench"
ICT = timezone(timedelta(hours=7))
TOPICS = ["vneid_account", "vneid_level2", "cashless_payment", "public_services", "digital_skills",
          "scam_awareness"]
OUTCOMES = ["done"] * 5 + ["partial"] * 2 + ["follow_up", "declined"]
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
MIDDLE = ["Văn", "Thị", "Đức", "Thị Thu", "Minh", "Ngọc", "Hữu", "Thanh", "Quang", "Thị Kim"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Hà", "Hải", "Hạnh", "Hoa", "Hùng", "Lan", "Linh", "Long", "Mai", "Nam",
         "Nga", "Phúc", "Phương", "Quân", "Sơn", "Tâm", "Thảo", "Thủy", "Trang", "Tuấn", "Vân", "Xuân", "Yến"]
KIN = ["bà", "ông", "cô", "chú", "anh", "chị", "bác"]
SENTENCES = [
    "Hướng dẫn {k} {n} cài ứng dụng VNeID trên điện thoại, đăng ký tài khoản mức 1 thành công.",
    "{K} {n} đã có tài khoản mức 1, cần ra công an xã để kích hoạt mức 2, hẹn sáng thứ {d}.",
    "Điện thoại của {k} {n} là máy cũ, chạy Android {v}, phải cập nhật hệ điều hành trước khi cài.",
    "Cài ứng dụng ngân hàng và hướng dẫn quét mã QR thanh toán ở chợ, {k} {n} làm lại được {c} lần.",
    "Gia đình chưa có ai dùng ví điện tử, {k} {n} muốn học chuyển tiền cho con đi làm ở Bình Dương.",
    "Hướng dẫn nộp hồ sơ trên Cổng dịch vụ công quốc gia: đăng ký khai sinh cho cháu, đã nộp xong.",
    "Nhắc {k} {n} không cung cấp mã OTP cho người lạ gọi điện tự xưng là công an hoặc ngân hàng.",
    "{K} {n} bị gọi điện lừa đảo tuần trước, đã hướng dẫn cách nhận biết và báo cho tổ công nghệ số.",
    "Nhà vắng chủ hộ, chỉ gặp {k} {n}; hẹn quay lại vào buổi chiều sau {c} giờ.",
    "Mạng 4G yếu ở cuối xóm, phải ra đầu ngõ mới tải được ứng dụng, mất khoảng {c}0 phút.",
    "{K} {n} quên mật khẩu VNeID, đã hướng dẫn đặt lại qua số điện thoại chính chủ.",
    "Số điện thoại của {k} {n} chưa đứng tên chính chủ, cần ra cửa hàng nhà mạng cập nhật thông tin.",
    "Hướng dẫn tra cứu và thanh toán tiền điện, tiền nước trên ứng dụng ngân hàng.",
    "{K} {n} mắt kém, đã tăng cỡ chữ trên điện thoại và lưu sẵn các ứng dụng ra màn hình chính.",
    "Hướng dẫn dùng Zalo gọi video cho con cháu ở xa và cách chặn tin nhắn lạ.",
    "Cả nhà {c} người, đã có {d} người kích hoạt định danh mức 2.",
    "Đăng ký nhận lương hưu qua tài khoản ngân hàng thay vì nhận tiền mặt tại bưu điện.",
    "{K} {n} hỏi về thủ tục cấp đổi căn cước, đã hướng dẫn đặt lịch hẹn trực tuyến.",
    "Chụp ảnh giấy tờ bị mờ, hẹn hôm khác mang máy tốt hơn để làm lại hồ sơ.",
    "Hướng dẫn cài ứng dụng VssID để xem quá trình đóng bảo hiểm xã hội, bảo hiểm y tế.",
]
ASSIST_NOTES = ["", "", "Đã làm xong tại nhà.", "Cần quay lại lần sau.", "Thiếu giấy tờ tùy thân.",
                "Điện thoại hết pin, làm dở.", "Con cháu sẽ giúp thêm.", "Hẹn thứ {d} tuần sau.",
                "Không muốn dùng thẻ ngân hàng.", "Đã thử {c} lần thì được."]
STREETS = ["Kiệt", "Ngõ", "Xóm", "Đường liên thôn", "Tổ"]


def name(rng: random.Random) -> str:
    return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def fill(rng: random.Random, template: str) -> str:
    kin = rng.choice(KIN)
    return template.format(k=kin, K=kin.capitalize(), n=rng.choice(GIVEN), d=rng.randint(2, 7),
                           c=rng.randint(2, 9), v=rng.randint(5, 10))


class Database:
    """A fresh database for one run: a SQLite file in a temporary folder, or a PostgreSQL schema of its own."""

    def __init__(self, kind: str):
        self.kind = kind
        if kind == "sqlite":
            self.folder = tempfile.mkdtemp(prefix="doorstep-bench-")
            self.url = f"sqlite:///{self.folder}/doorstep.db"
        else:
            self.schema = "bench_" + uuid.uuid4().hex[:12]
            self.admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
            with self.admin.connect() as conn:
                conn.execute(text(f"CREATE SCHEMA {self.schema}"))
            sep = "&" if "?" in PG_URL else "?"
            self.url = f"{PG_URL}{sep}options=-csearch_path%3D{self.schema}"

    def drop(self) -> None:
        if self.kind == "sqlite":
            for name_ in os.listdir(self.folder):
                os.remove(os.path.join(self.folder, name_))
            os.rmdir(self.folder)
        else:
            with self.admin.connect() as conn:
                conn.execute(text(f"DROP SCHEMA {self.schema} CASCADE"))
            self.admin.dispose()


def app_for(url: str):
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})


def populate(url: str, villages: int, households: int, seed: int) -> dict:
    """Tables, one commune with its villages and an official of all of them, households and their residents.
    Returns {household id: [resident ids]} and the ids the visits need."""
    rng = random.Random(seed)
    app = app_for(url)
    with app.app_context():
        db.create_all()
        ensure_counter()
        province = admin.create_area("province", "Thừa Thiên Huế", commit=False).id
        commune = admin.create_area("commune", "Phong Hiền", province, commit=False).id
        village_ids = [admin.create_area("village", f"Thôn {i + 1}", commune, commit=False).id
                       for i in range(villages)]
        official = admin.create_user(USERNAME, "Trần Thị Hoa", "official", PASSWORD, commune, village_ids,
                                     commit=False).id
        now = datetime.now(timezone.utc)
        homes, people, residents_of = [], [], {}
        seq = take_seq(households * 6)  # enough for each household and up to 5 residents
        for i in range(households):
            hid, village = new_id(), village_ids[i % villages]
            fields = {"village_id": village, "address": f"{rng.randint(1, 200)} {rng.choice(STREETS)} "
                      f"{rng.randint(1, 30)}, Thôn {village_ids.index(village) + 1}",
                      "head_name": name(rng), "phone": f"09{rng.randint(10_000_000, 99_999_999)}", "note": ""}
            homes.append({"id": hid, "commune_id": commune, "version": 1, "seq": seq, "deleted": False,
                          "field_versions": {f: 1 for f in fields}, "created_at": now, "updated_at": now,
                          "updated_by": official, **fields})
            seq += 1
            residents_of[hid] = []
            for _ in range(rng.randint(2, 5)):
                rid = new_id()
                fields = {"household_id": hid, "full_name": name(rng), "birth_year": rng.randint(1940, 2015),
                          "sex": rng.choice("fm"), "phone": "", "has_smartphone": rng.random() < 0.7}
                people.append({"id": rid, "village_id": village, "commune_id": commune, "version": 1, "seq": seq,
                               "deleted": False, "field_versions": {f: 1 for f in fields}, "created_at": now,
                               "updated_at": now, "updated_by": official, **fields})
                seq += 1
                residents_of[hid].append(rid)
        db.session.execute(insert(Household), homes)
        db.session.execute(insert(Resident), people)
        db.session.commit()
        db.engine.dispose()
    return {"residents_of": residents_of, "official": official, "commune": commune,
            "village_of": {h["id"]: h["village_id"] for h in homes}}


def visits(residents_of: dict, count: int, seed: int) -> list[dict]:
    """`count` visit changes as a tablet pushes them: 2 or 3 assists each, for residents of the household."""
    rng = random.Random(seed)
    homes = list(residents_of)
    today = datetime.now(ICT).replace(hour=0, minute=0, second=0, microsecond=0)
    out = []
    for _ in range(count):
        hid = rng.choice(homes)
        people = residents_of[hid]
        started = today - timedelta(days=rng.randint(1, 300), minutes=-rng.randint(450, 1050))
        assists = [{"resident_id": rng.choice(people), "topic": topic, "outcome": rng.choice(OUTCOMES),
                    "note": fill(rng, rng.choice(ASSIST_NOTES))}
                   for topic in rng.sample(TOPICS, rng.randint(2, 3))]
        follow = any(a["outcome"] in ("follow_up", "partial") for a in assists)
        data = {"household_id": hid, "started_at": started.isoformat(timespec="seconds"),
                "duration_min": rng.randint(5, 60), "status": "met",
                "notes": " ".join(fill(rng, s) for s in rng.sample(SENTENCES, rng.randint(1, 3))),
                "follow_up_on": (started.date() + timedelta(days=7)).isoformat() if follow else None,
                "lat": round(16.55 + rng.random() * 0.08, 6), "lon": round(107.45 + rng.random() * 0.08, 6),
                "accuracy_m": float(rng.randint(3, 40)), "assists": assists}
        out.append({"table": "visits", "op": "upsert", "id": new_id(), "base_version": 0, "data": data})
    return out


def stored_rows(changes: list[dict], world: dict, device_id: str) -> tuple[list[dict], list[list[dict]]]:
    """The visits and assists rows the server stores for `changes` (for the direct-insert floor)."""
    received = datetime.now(timezone.utc)
    rows, assists = [], []
    for change in changes:
        data = change["data"]
        hid = data["household_id"]
        rows.append({"id": change["id"], "household_id": hid, "village_id": world["village_of"][hid],
                     "commune_id": world["commune"], "official_id": world["official"], "device_id": device_id,
                     "started_at": datetime.fromisoformat(data["started_at"]),
                     "duration_min": data["duration_min"], "status": data["status"], "notes": data["notes"],
                     "follow_up_on": data["follow_up_on"] and date.fromisoformat(data["follow_up_on"]),
                     "lat": data["lat"], "lon": data["lon"], "accuracy_m": data["accuracy_m"], "replaces_id": None,
                     "voided": False, "version": 1, "received_at": received,
                     "payload_hash": hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()})
        assists.append([{"visit_id": change["id"], "household_id": hid, "commune_id": world["commune"], **a}
                        for a in data["assists"]])
    return rows, assists
