"""Plain-words explanations of sync problems, for the "Sync problems" screen.

A problem row holds the server's result for one record: `status` (conflict or rejected), `errors` (field ->
messages, in the server's English) and the data this tablet sent. The official needs three things: which record
(a label they recognise), what went wrong (in Vietnamese or English) and what to do next.
"""
import json

FIELD_LABELS = {
    "village_id": {"vi": "thôn", "en": "village"}, "address": {"vi": "địa chỉ", "en": "address"},
    "head_name": {"vi": "tên chủ hộ", "en": "head of household"}, "phone": {"vi": "số điện thoại", "en": "phone"},
    "note": {"vi": "ghi chú", "en": "note"}, "full_name": {"vi": "họ tên", "en": "name"},
    "birth_year": {"vi": "năm sinh", "en": "birth year"}, "sex": {"vi": "giới tính", "en": "sex"},
    "started_at": {"vi": "thời gian thăm", "en": "visit time"}, "follow_up_on": {"vi": "ngày hẹn", "en": "follow-up date"},
    "assists": {"vi": "nội dung hỗ trợ", "en": "help given"}, "household_id": {"vi": "hộ gia đình", "en": "household"},
    "notes": {"vi": "ghi chú", "en": "notes"}, "id": {"vi": "bản ghi", "en": "record"},
    "replaces_id": {"vi": "lượt thăm được sửa", "en": "corrected visit"},
    "base_version": {"vi": "phiên bản", "en": "version"},
}
KINDS = {"households": {"vi": "Hộ", "en": "Household"}, "residents": {"vi": "Nhân khẩu", "en": "Resident"},
         "visits": {"vi": "Lượt thăm", "en": "Visit"}}
TEXT = {
    "rejected": {"vi": "Máy chủ không nhận: {fields}.", "en": "The server refused it: {fields}."},
    "outside": {"vi": "Bản ghi không thuộc thôn được giao cho bạn.", "en": "It is outside your villages."},
    "conflict": {"vi": "Máy chủ đã có một bản ghi khác cùng mã.", "en": "The server already has another record "
                 "with this id."},
    "fix": {"vi": "Sửa lại thông tin rồi lưu lại; dữ liệu trên máy vẫn được giữ.",
            "en": "Correct it and save again; the data on this tablet is kept."},
    "ask": {"vi": "Báo cho lãnh đạo xã; dữ liệu trên máy vẫn được giữ.",
            "en": "Tell your commune leader; the data on this tablet is kept."},
}


def explain(store, row: dict, lang: str = "vi") -> dict:
    """A problem as the screen shows it: {id, table, row_id, status, label, message, action, errors, at}."""
    lang = lang if lang in ("vi", "en") else "vi"
    errors = json.loads(row["errors"] or "null") or {}
    data = json.loads(row["data"] or "null") or {}
    flat = " ".join(str(m) for m in _messages(errors))
    if row["status"] == "conflict":
        message, action = TEXT["conflict"][lang], TEXT["ask"][lang]
    elif "outside your villages" in flat.lower() or "may void" in flat.lower():
        message, action = TEXT["outside"][lang], TEXT["ask"][lang]
    else:
        names = ", ".join(FIELD_LABELS.get(f, {}).get(lang, f) for f in errors) or "?"
        message = TEXT["rejected"][lang].format(fields=names) + (f" ({flat})" if flat else "")
        action = TEXT["fix"][lang]
    return {"id": row["id"], "table": row["table_name"], "row_id": row["row_id"], "status": row["status"],
            "label": f"{KINDS[row['table_name']][lang]}: {_label(store, row['table_name'], row['row_id'], data)}",
            "message": message, "action": action, "errors": errors, "at": row["at"]}


def _label(store, table: str, row_id: str, data: dict) -> str:
    """What the official recognises the record by: a head of household, a resident's name, a visit's time."""
    if table == "households":
        found = store.db.execute("SELECT head_name, address FROM households WHERE id = ?", (row_id,)).fetchone()
        return " - ".join(x for x in (found or (data.get("head_name"), data.get("address"))) if x)
    if table == "residents":
        found = store.db.execute("SELECT full_name FROM residents WHERE id = ?", (row_id,)).fetchone()
        return found[0] if found else data.get("full_name") or ""
    found = store.db.execute("SELECT v.started_at, h.head_name FROM visits v LEFT JOIN households h "
                             "ON h.id = v.household_id WHERE v.id = ?", (row_id,)).fetchone()
    return " - ".join(str(x) for x in (found or (data.get("started_at"),)) if x)


def _messages(errors):
    if isinstance(errors, dict):
        for value in errors.values():
            yield from _messages(value)
    elif isinstance(errors, list):
        for value in errors:
            yield from _messages(value)
    elif errors:
        yield errors
