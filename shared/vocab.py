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
    "partial": {"vi": "Làm một phần", "en": "Partly done"},
    "follow_up": {"vi": "Cần quay lại", "en": "Follow up"},
    "declined": {"vi": "Từ chối", "en": "Declined"},
}

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


def label(vocab: dict, key: str, lang: str = "vi") -> str:
    """The label of `key` in `lang`, falling back to Vietnamese, then to the key itself."""
    entry = vocab.get(key)
    if entry is None:
        return key
    return entry.get(lang) or entry["vi"]
