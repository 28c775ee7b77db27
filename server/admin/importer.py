"""Import a commune's household list from the CSV or XLSX sheet it already keeps.

One row is one household; optional resident columns add a member to it. A row whose household columns are all
blank but that names a resident is one more member of the household above (how merged cells come out of Excel).
Nothing is written if any row is bad, unless `skip_bad` is set; what is written is written in one transaction.
"""
import csv
import io
import unicodedata
import uuid
from dataclasses import dataclass, field

from marshmallow import ValidationError
from sqlalchemy import select

from shared.ids import new_id
from shared.schemas import HouseholdData, ResidentData
from shared.text import fold

from ..extensions import db
from ..models import Area, AuditLog, Household, Resident
from ..ledger import Ledger

# Folded header -> field. Vietnamese headers as communes write them, and English ones.
HEADERS = {
    "village": ("thon", "ten thon", "thon/to dan pho", "thon/xom", "to dan pho", "xom", "village"),
    "address": ("dia chi", "so nha", "address"),
    "head_name": ("chu ho", "ho ten chu ho", "ten chu ho", "head name", "head", "head of household"),
    "phone": ("so dien thoai", "dien thoai", "sdt", "so dt", "phone"),
    "note": ("ghi chu", "note", "notes"),
    "full_name": ("ho ten thanh vien", "thanh vien", "ho va ten", "ho ten", "resident", "resident name",
                  "full name", "member"),
    "birth_year": ("nam sinh", "birth year", "year of birth"),
    "sex": ("gioi tinh", "sex", "gender"),
    "resident_phone": ("so dien thoai thanh vien", "dien thoai thanh vien", "resident phone"),
    "has_smartphone": ("co dien thoai thong minh", "dien thoai thong minh", "smartphone", "has smartphone"),
}
HOUSEHOLD_COLUMNS = ("village", "address", "head_name", "phone", "note")
REQUIRED = {"village": "Thôn", "address": "Địa chỉ", "head_name": "Chủ hộ"}
SEX_WORDS = {"nam": "m", "m": "m", "male": "m", "nu": "f", "f": "f", "female": "f", "khac": "x", "x": "x",
             "other": "x"}
YES_NO = {"co": True, "c": True, "x": True, "1": True, "yes": True, "y": True, "true": True,
          "khong": False, "k": False, "0": False, "no": False, "n": False, "false": False}
# A dummy household id for validating residents before their household has its id.
_PLACEHOLDER = str(uuid.UUID(int=0))


@dataclass
class ImportReport:
    """What an import did: counts, and every bad row as (line, column, reason)."""
    households: int = 0
    residents: int = 0
    skipped_existing: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)


class Sheet:
    """The rows of a file below its header row, with the field each column holds."""

    def __init__(self, rows: list[tuple[int, list]]):
        self.header_line, self.columns, self.labels = _find_header(rows)
        self.rows = [(line, values) for line, values in rows if line > self.header_line]

    def record(self, values: list) -> dict:
        record = {name: _clean(values[i]) if i < len(values) else "" for name, i in self.columns.items()}
        for name in ("phone", "resident_phone"):
            # A phone typed into a number cell lost its leading zero: 912345678 was 0912345678.
            i = self.columns.get(name, len(values))
            if i < len(values) and isinstance(values[i], (int, float)):
                record[name] = record[name].zfill(10)
        return record


def import_households(source, commune_id: int, skip_bad: bool = False, by_user_id: int | None = None,
                      commit: bool = True) -> ImportReport:
    """Import a CSV or XLSX file (a path, bytes or a binary file) into the villages of `commune_id`."""
    report = ImportReport()
    try:
        sheet = Sheet(read_rows(_bytes_of(source)))
    except ValueError as err:
        report.errors.append((1, "", str(err)))
        return report
    missing = [name for name in REQUIRED if name not in sheet.columns]
    if missing:
        report.errors += [(sheet.header_line, REQUIRED[name], "Missing column.") for name in missing]
        return report
    households = _validate(sheet, commune_id, report)
    if report.errors and not skip_bad:
        return report
    households = _drop_existing(households, commune_id, report)
    _write(households, commune_id, report, by_user_id)
    if commit:
        db.session.commit()
    return report


def _bytes_of(source) -> bytes:
    if isinstance(source, bytes):
        return source
    if hasattr(source, "read"):
        return source.read()
    with open(source, "rb") as f:
        return f.read()


def read_rows(data: bytes) -> list[tuple[int, list]]:
    """Every row of an XLSX (it is a zip: it starts with PK) or CSV file as (line number, cell values)."""
    if data[:2] == b"PK":
        return _xlsx_rows(data)
    if data[:4] == b"\xd0\xcf\x11\xe0":
        raise ValueError("An old Excel .xls file: save it as .xlsx or as CSV UTF-8 first.")
    try:
        return _csv_rows(data)
    except csv.Error as err:
        raise ValueError(f"Not a readable CSV file ({err}).") from None


def _xlsx_rows(data: bytes) -> list[tuple[int, list]]:
    from openpyxl import load_workbook
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as err:  # openpyxl raises many kinds for a broken file; all mean "not a readable sheet"
        raise ValueError(f"Not a readable XLSX file ({err.__class__.__name__}).") from None
    rows = [(i, list(values)) for i, values in enumerate(book.active.iter_rows(values_only=True), start=1)]
    book.close()
    return rows


def _csv_rows(data: bytes) -> list[tuple[int, list]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Old Excel exports of Vietnamese sheets are windows-1258, which writes tones as combining marks.
        text = data.decode("cp1258", errors="replace")
    text = unicodedata.normalize("NFC", text)
    # Excel writes ";" where the decimal mark is a comma: take the delimiter that finds the most known headers.
    return max((_split(text, delimiter) for delimiter in ",;\t"), key=_known_headers)


def _split(text: str, delimiter: str) -> list[tuple[int, list]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return [(reader.line_num, row) for row in reader]


def _known_headers(rows: list[tuple[int, list]]) -> int:
    return max((sum(_header_key(v) in LOOKUP for v in values) for _, values in rows[:10]), default=0)


def _header_key(value) -> str:
    words = "".join(ch if ch.isalnum() or ch == "/" else " " for ch in fold(str(value or "")))
    return " ".join(words.split())


LOOKUP = {alias: name for name, aliases in HEADERS.items() for alias in aliases}


def _find_header(rows: list[tuple[int, list]]) -> tuple[int, dict, dict]:
    """The first row (of the first ten) naming at least two known columns; title rows above it are ignored."""
    for line, values in rows[:10]:
        columns, labels = {}, {}
        for i, value in enumerate(values):
            name = LOOKUP.get(_header_key(value))
            if name and name not in columns:
                columns[name], labels[name] = i, str(value).strip()
        if len(columns) >= 2:
            return line, columns, labels
    raise ValueError("No header row: expected columns such as Thôn, Địa chỉ, Chủ hộ.")


def _clean(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFC", str(value)).strip()


def _village_key(name: str) -> str:
    key = fold(name)
    return key[5:] if key.startswith("thon ") else key


def _validate(sheet: Sheet, commune_id: int, report: ImportReport) -> list[dict]:
    """Check every row; return the good households, each with its good residents."""
    villages = {_village_key(name): vid for vid, name in db.session.execute(
        select(Area.id, Area.name).where(Area.commune_id == commune_id, Area.level == "village"))}
    label = lambda name: sheet.labels.get(name, name)  # noqa: E731
    households, current = [], None
    for line, values in sheet.rows:
        record = sheet.record(values)
        if not any(record.values()):
            continue
        errors: list[tuple[str, str]] = []
        if any(record.get(name) for name in HOUSEHOLD_COLUMNS):
            current = _household(record, villages, errors)
            if errors:
                current = None
            else:
                households.append(current)
        elif current is None:
            errors.append(("full_name", "A member row needs a good household row above it."))
        resident = _resident(record, errors) if record.get("full_name") else None
        if errors:
            report.errors += [(line, label(name), message) for name, message in errors]
        elif resident is not None:
            current["residents"].append(resident)
    return households


def _household(record: dict, villages: dict, errors: list) -> dict | None:
    village_id = villages.get(_village_key(record["village"]))
    if village_id is None:
        reason = "Required." if not record["village"] else f"No village «{record['village']}» in this commune."
        errors.append(("village", reason))
    data = {"village_id": village_id or 0, "address": record["address"], "head_name": record["head_name"],
            "phone": record.get("phone", ""), "note": record.get("note", "")}
    data = _load(HouseholdData(), data, errors)
    return data and {**data, "residents": []}


def _resident(record: dict, errors: list) -> dict | None:
    sex = record.get("sex", "")
    smart = record.get("has_smartphone", "")
    data = {"household_id": _PLACEHOLDER, "full_name": record["full_name"],
            "birth_year": record.get("birth_year") or None,
            "sex": SEX_WORDS.get(fold(sex), sex) or None,
            "phone": record.get("resident_phone", ""),
            "has_smartphone": YES_NO.get(fold(smart), smart) if smart else None}
    data = _load(ResidentData(), data, errors, rename={"phone": "resident_phone"})
    if data:
        del data["household_id"]
    return data


def _load(schema, data: dict, errors: list, rename: dict | None = None) -> dict | None:
    try:
        return schema.load(data)
    except ValidationError as err:
        for name, messages in err.messages.items():
            name = (rename or {}).get(name, name)
            errors += [(name, message) for message in messages if name != "village_id"]
        return None


def _drop_existing(households: list[dict], commune_id: int, report: ImportReport) -> list[dict]:
    """Leave out households already stored (same village, address and head): a file imported twice adds nothing."""
    stored = {(v, fold(a), fold(h)) for v, a, h in db.session.execute(
        select(Household.village_id, Household.address, Household.head_name)
        .where(Household.commune_id == commune_id, Household.deleted.is_(False)))}
    fresh = []
    for h in households:
        key = (h["village_id"], fold(h["address"]), fold(h["head_name"]))
        if key in stored:
            report.skipped_existing += 1
        else:
            stored.add(key)
            fresh.append(h)
    return fresh


def _write(households: list[dict], commune_id: int, report: ImportReport, by_user_id: int | None) -> None:
    if not households:
        return
    ledger = Ledger(by_user_id)
    household_rows, resident_rows = [], []
    for h in households:
        residents = h.pop("residents")
        hid = new_id()
        household_rows.append({**h, "id": hid, "commune_id": commune_id})
        resident_rows += [{**r, "id": new_id(), "household_id": hid, "village_id": h["village_id"],
                           "commune_id": commune_id} for r in residents]
    for row in household_rows:
        ledger.create_plain(Household, row)
    for row in resident_rows:
        ledger.create_plain(Resident, row)
    ledger.write()
    report.households, report.residents = len(household_rows), len(resident_rows)
    db.session.add(AuditLog(user_id=by_user_id, action="import_households",
                            detail={"commune": commune_id, "households": report.households,
                                    "residents": report.residents}))
