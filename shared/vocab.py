"""Vocabularies of the campaign: topics, outcomes, visit statuses and roles, each with Vietnamese and English labels."""

TOPICS = {
    "vneid_account": {"vi": "Tài khoản VNeID", "en": "VNeID account"},
    "vneid_level2": {"vi": "Định danh mức 2", "en": "VNeID level 2"},
    "cashless_payment": {"vi": "Thanh toán không dùng tiền mặt", "en": "Cashless payment"},
    "public_services": {"vi": "Dịch vụ công trực tuyến", "en": "Online public services"},
    "digital_skills": {"vi": "Kỹ năng số cơ bản", "en": "Basic digital skills"},
    "scam_awareness": {"vi": "Phòng chống lừa đảo", "en": "Scam awareness"},
}

OUTCOMES = {
    "done": {"vi": "Đã xong", "en": "Done"},
    "already_had": {"vi": "Đã có từ trước", "en": "Already had it"},
    "partial": {"vi": "Làm một phần", "en": "Partly done"},
    "follow_up": {"vi": "Cần quay lại", "en": "Follow up"},
    "declined": {"vi": "Từ chối", "en": "Declined"},
    "not_applicable": {"vi": "Không áp dụng", "en": "Not applicable"},
}
"""What came of one topic for one resident in a visit. `already_had`: the resident had it before this visit (it counts
as having it, not as the official's work); `not_applicable`: it cannot apply to this resident (no phone for a
cashless payment, say): the resident leaves that topic's indicator. Older apps send only the other four; their
visits mean what they meant. The order is the tablet's row of chips: "already had" sits next to "done"."""

HAS_IT = ("done", "already_had")
"""The outcomes after which a resident *has* the topic (coverage counts them)."""

MIN_AGE = {
    "vneid_account": 14,
    "vneid_level2": 14,
    "cashless_payment": 15,
    "public_services": 18,
    "digital_skills": 12,
    "scam_awareness": 12,
}
"""The default minimum age of each topic's indicator (an admin may change them: the server's topic_rules table).
Why these (docs/indicators.md says more): a citizen applies for a VNeID account and for level-2 identification on
their own from 14 (Decree 69/2024/ND-CP; a younger child's account is made through a guardian, so it is the
guardian's work and does not show whether the child uses it); from 15 one may open a payment account of one's own
(Civil Code art. 21, SBV Circular 17/2024/TT-NHNN); online public services are filed by adults (18); digital skills
and scam awareness are taught from lower secondary school, when most children first use a phone alone (12)."""
MIN_AGE_RANGE = (0, 120)

# A visit where nobody opened the door is logged as not_home, with no assists.
VISIT_STATUSES = {
    "met": {"vi": "Đã gặp", "en": "Met"},
    "not_home": {"vi": "Vắng nhà", "en": "Not home"},
}

ROLES = {
    "official": {"vi": "Cán bộ", "en": "Official"},
    "leader": {"vi": "Lãnh đạo xã", "en": "Commune leader"},
    "admin": {"vi": "Quản trị", "en": "Administrator"},
}

SEXES = {
    "f": {"vi": "Nữ", "en": "Female"},
    "m": {"vi": "Nam", "en": "Male"},
    "x": {"vi": "Khác", "en": "Other"},
}

AREA_LEVELS = ("province", "commune", "village")

TABLES = ("areas", "households", "residents", "visits")
"""Tables a device pulls. It pushes only the last three; areas are managed on the server."""

PUSH_TABLES = ("households", "residents", "visits")

REJECT_CODES = {
    "invalid": {"vi": "Dữ liệu chưa hợp lệ", "en": "Invalid data"},
    "not_found": {"vi": "Không tìm thấy bản ghi liên quan trên máy chủ", "en": "A record it refers to is not on the server"},
    "outside_scope": {"vi": "Ngoài địa bàn được giao", "en": "Outside your villages"},
    "deleted": {"vi": "Bản ghi đã bị xoá trên máy chủ", "en": "The record was deleted on the server"},
    "version_ahead": {"vi": "Phiên bản mới hơn của máy chủ", "en": "Newer than the server's version"},
    "not_owner": {"vi": "Chỉ cán bộ đã ghi hoặc lãnh đạo xã được huỷ", "en": "Only its official or a leader may void it"},
    "id_taken": {"vi": "Mã này đã dùng cho một lượt thăm khác", "en": "This id is already used by another visit"},
}
"""Why the server answered a pushed record `rejected` or `conflict`: the result's `code`, one of these keys. The
tablet shows the label; the result's `errors` name the fields, with a message for developers."""


def label(vocab: dict, key: str, lang: str = "vi") -> str:
    """The label of `key` in `lang`, falling back to Vietnamese, then to the key itself."""
    entry = vocab.get(key)
    if entry is None:
        return key
    return entry.get(lang) or entry["vi"]
