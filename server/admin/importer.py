"""Import a commune's household list from the CSV or XLSX sheet it already keeps.

One row is one household; optional resident columns add a member to it. A row whose household columns are all
blank but that names a resident is one more member of the household above (how merged cells come out of Excel).

Terms:
- a *household record* is one good household with its good residents, the line it starts on and the data rows it
  spans (for the progress bar);
- the *spool* is a file of household records, one JSON line each, that the check writes and the write reads;
- a *row error* is (line, column, message, values): the message is a catalogue entry (server/dashboard/i18n.py) in
  English with `{name}` placeholders, so the dashboard shows it in the reader's language and the CLI in English.
An import is two passes. `check` reads the file as a bounded stream (uploads.Reader), checks every row and spools
the good households; `write` writes the spool through the ledger, CHUNK households per transaction, after a
`progress` hook that may add its own rows to each transaction (the job's progress, so that a retried job resumes
where the last committed chunk ended). Nothing is written if any row is bad, unless `skip_bad` is set. A household
already stored (same village, address and head) is skipped: a file imported twice adds nothing.
"""
import json
import os
import re
import tempfile
import unicodedata
import uuid
from dataclasses import dataclass, field

from marshmallow import ValidationError
from sqlalchemy import select

from shared.ids import new_id
from shared.schemas import HouseholdData, ResidentData
from shared.text import fold

from .. import audit
from ..extensions import db
from ..ledger import Ledger
from ..models import Area, Household, Resident
from ..sync.fastload import compile_schema
from . import uploads
from .uploads import Problem, Refused

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
LOOKUP = {alias: name for name, aliases in HEADERS.items() for alias in aliases}
HOUSEHOLD_COLUMNS = ("village", "address", "head_name", "phone", "note")
TEXT_COLUMNS = ("village", "address", "head_name", "note", "full_name")
REQUIRED = {"village": "Thôn", "address": "Địa chỉ", "head_name": "Chủ hộ"}
SEX_WORDS = {"nam": "m", "m": "m", "male": "m", "nu": "f", "f": "f", "female": "f", "khac": "x", "x": "x",
             "other": "x"}
YES_NO = {"co": True, "c": True, "x": True, "1": True, "yes": True, "y": True, "true": True,
          "khong": False, "k": False, "0": False, "no": False, "n": False, "false": False}
CHUNK = 2000
"""Households written per transaction."""
MAX_ERRORS_KEPT = 1000
"""Row errors kept for the report; past this they are only counted."""
# A dummy household id for validating residents before their household has its id.
_PLACEHOLDER = str(uuid.UUID(int=0))
_HOUSEHOLD, _RESIDENT = HouseholdData(), ResidentData()
_FAST_HOUSEHOLD, _FAST_RESIDENT = compile_schema(_HOUSEHOLD), compile_schema(_RESIDENT)
_YEAR = re.compile(r"\d{1,4}")
# Spreadsheets run a cell that begins with these as a formula (=HYPERLINK(...), +cmd|...): no name or address does.
_FORMULA = re.compile(r"[=+@\t\r]|-\S")


@dataclass
class ImportReport:
    """What an import did: counts, and the row errors (the first MAX_ERRORS_KEPT of `error_count`)."""
    households: int = 0
    residents: int = 0
    skipped_existing: int = 0
    rows: int = 0
    error_count: int = 0
    errors: list[tuple[int, str, str, dict]] = field(default_factory=list)

    def add_error(self, line: int, column: str, problem: Problem) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append((line, column, problem.message, problem.values))

    def english_errors(self) -> list[tuple[int, str, str]]:
        return [(line, column, message.format(**values) if values else message)
                for line, column, message, values in self.errors]


def import_households(source, commune_id: int, skip_bad: bool = False,
                      by_user_id: int | None = None) -> ImportReport:
    """Import a CSV or XLSX file (a path or bytes) into the villages of `commune_id`, at once (the CLI's way)."""
    with tempfile.TemporaryDirectory(prefix="doorstep-import-") as folder:
        path = source
        if isinstance(source, bytes):
            path = os.path.join(folder, "upload")
            with open(path, "wb") as f:
                f.write(source)
        spool = os.path.join(folder, "spool")
        report = ImportReport()
        if check(path, commune_id, spool, report) and (skip_bad or not report.error_count):
            write(spool, commune_id, report, by_user_id)
    audit.record("import_finished", by_user_id=by_user_id, target=f"commune:{commune_id}", commune=commune_id,
                 households=report.households, residents=report.residents,
                 skipped_existing=report.skipped_existing, errors=report.error_count)
    db.session.commit()
    return report


# --- the check: reading and validating ------------------------------------------------------------------------

def check(path: str, commune_id: int, spool_path: str, report: ImportReport, max_rows: int = 200_000,
          progress=None) -> bool:
    """Check every row of the file at `path` into `report` and spool its good households; False when the whole file
    is refused (its reason is then the report's one error). `progress(line, lines)` is called every CHUNK rows."""
    open(spool_path, "w").close()  # an empty spool, whatever the file holds
    try:
        reader = uploads.Reader(path, max_rows)
        _check_rows(reader, commune_id, spool_path, report, max_rows, progress)
    except Refused as refusal:
        report.errors.clear()
        report.error_count, report.rows = 0, 0
        report.add_error(1, "", refusal.problem)
        return False
    return True


def _check_rows(reader, commune_id, spool_path, report, max_rows, progress) -> None:
    stream = iter(reader)
    first = []
    for row in stream:
        first.append(row)
        if len(first) == uploads.HEADER_ROWS:
            break
    header_line, columns, labels = _find_header([r for r in first if not isinstance(r[1], Problem)])
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        for name in missing:
            report.add_error(header_line, REQUIRED[name], Problem("Missing column."))
        return
    villages: dict = {}
    for vid, name in db.session.execute(select(Area.id, Area.name).where(
            Area.commune_id == commune_id, Area.level == "village", Area.retired.is_(False))):
        villages[_village_key(name)] = AMBIGUOUS if _village_key(name) in villages else vid
    label = lambda name: labels.get(name, name)  # noqa: E731
    current = None  # the household record that member rows join
    with open(spool_path, "w", encoding="utf-8") as spool:
        def keep(record):
            if record is not None:
                spool.write(json.dumps(record, ensure_ascii=False) + "\n")

        for line, values in _chain(first, stream):
            if line <= header_line:
                continue
            if isinstance(values, Problem):
                report.rows += 1
                report.add_error(line, "", values)
                continue
            record = _record(values, columns)
            if not any(record.values()):
                continue
            report.rows += 1
            if report.rows > max_rows:
                raise Refused("The file has more than {limit} rows: split it into several files.", limit=max_rows)
            if progress and report.rows % CHUNK == 0:
                progress(line, reader.lines)
            errors = _cell_errors(record)
            # A cell too long or a formula: the household, or the member, whose cell it is is not checked further.
            bad_household = any(name in HOUSEHOLD_COLUMNS for name, _ in errors)
            bad_member = any(name not in HOUSEHOLD_COLUMNS for name, _ in errors)
            if any(record.get(name) for name in HOUSEHOLD_COLUMNS):
                keep(current)
                current = None
                household_errors = []
                household = None if bad_household else _household(record, villages, household_errors)
                errors += household_errors
                if household is not None and not bad_household and not household_errors:
                    current = {"line": line, "rows": 0, "household": household, "residents": []}
            elif current is None:
                errors.append(("full_name", Problem("A member row needs a good household row above it.")))
            resident = _resident(record, errors) if record.get("full_name") and not bad_member else None
            if current is not None:
                current["rows"] += 1
            for name, problem in errors:
                report.add_error(line, label(name), problem)
            if not errors and resident is not None:
                current["residents"].append(resident)
        keep(current)


def _chain(first, rest):
    yield from first
    yield from rest


def known_headers(rows: list[list]) -> int:
    """The most known column names found in one of `rows`."""
    return max((sum(_header_key(v) in LOOKUP for v in values) for values in rows), default=0)


def _header_key(value) -> str:
    words = "".join(ch if ch.isalnum() or ch == "/" else " " for ch in fold(str(value or "")[:100]))
    return " ".join(words.split())


def _find_header(rows: list[tuple[int, list]]) -> tuple[int, dict, dict]:
    """The first row (of the first ten) naming at least two known columns; title rows above it are ignored."""
    for line, values in rows[:uploads.HEADER_ROWS]:
        columns, labels = {}, {}
        for i, value in enumerate(values):
            name = LOOKUP.get(_header_key(value))
            if name and name not in columns:
                columns[name], labels[name] = i, str(value).strip()
        if len(columns) >= 2:
            return line, columns, labels
    raise Refused("No header row: expected columns such as Thôn, Địa chỉ, Chủ hộ.")


def _record(values: list, columns: dict) -> dict:
    record = {name: _clean(values[i]) if i < len(values) else "" for name, i in columns.items()}
    for name in ("phone", "resident_phone"):
        # A phone typed into a number cell lost its leading zero: 912345678 was 0912345678.
        i = columns.get(name, len(values))
        if i < len(values) and isinstance(values[i], (int, float)) and record[name]:
            record[name] = record[name].zfill(10)
    return record


def _clean(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFC", str(value)).strip()


def _cell_errors(record: dict) -> list[tuple[str, Problem]]:
    """Cells too long to read, and text that a spreadsheet would run as a formula."""
    errors = []
    for name, value in record.items():
        if len(value) > uploads.MAX_CELL_CHARS:
            errors.append((name, Problem("A cell holds more than {limit} characters.",
                                         {"limit": uploads.MAX_CELL_CHARS})))
        elif name in TEXT_COLUMNS and value and _FORMULA.match(value):
            errors.append((name, Problem("Begins with {char}: a spreadsheet would run it as a formula.",
                                         {"char": value[0] if value[0].isprintable() else "U+%04X" % ord(value[0])})))
    return errors


AMBIGUOUS = -1
"""The village of a name that two live villages answer to ("Thôn Đông" and "Đông"): no row may guess which."""


def _village_key(name: str) -> str:
    key = fold(name)
    return key[5:] if key.startswith("thon ") else key


def _household(record: dict, villages: dict, errors: list) -> dict | None:
    village_id = villages.get(_village_key(record["village"]))
    if village_id == AMBIGUOUS:
        village_id = None
        errors.append(("village", Problem("Two villages of this commune go by this name: an admin must rename or "
                                          "merge one of them first.")))
    elif village_id is None:
        if record["village"]:
            name = record["village"] if len(record["village"]) <= 60 else record["village"][:60] + "…"
            errors.append(("village", Problem("No village «{name}» in this commune.", {"name": name})))
        else:
            errors.append(("village", Problem("Required.")))
    data = {"village_id": village_id or 0, "address": record["address"], "head_name": record["head_name"],
            "phone": record.get("phone", ""), "note": record.get("note", "")}
    return _load(_FAST_HOUSEHOLD, _HOUSEHOLD, data, errors)


def _resident(record: dict, errors: list) -> dict | None:
    sex, smart, year = record.get("sex", ""), record.get("has_smartphone", ""), record.get("birth_year", "")
    data = {"household_id": _PLACEHOLDER, "full_name": record["full_name"],
            "birth_year": int(year) if _YEAR.fullmatch(year) else (year or None),
            "sex": SEX_WORDS.get(fold(sex), sex) or None,
            "phone": record.get("resident_phone", ""),
            "has_smartphone": YES_NO.get(fold(smart), smart) if smart else None}
    data = _load(_FAST_RESIDENT, _RESIDENT, data, errors, rename={"phone": "resident_phone"})
    if data:
        del data["household_id"]
    return data


def _load(fast, schema, data: dict, errors: list, rename: dict | None = None) -> dict | None:
    loaded = fast(data)
    if loaded is not None:
        return loaded
    try:
        return schema.load(data)
    except ValidationError as err:
        for name, messages in err.messages.items():
            name = (rename or {}).get(name, name)
            errors += [(name, _problem(message)) for message in messages if name != "village_id"]
        return None


# The schemas' messages, as the catalogue holds them: a message is matched back to its entry and its values.
SCHEMA_MESSAGES = (
    "Not a phone number.", "Length must be between {min} and {max}.", "Longer than maximum length {max}.",
    "Shorter than minimum length {min}.", "Missing data for required field.", "Field may not be null.",
    "Must be greater than or equal to {min}.", "Must be less than or equal to {max}.", "Not a valid integer.",
    "Not a valid boolean.", "Must be one of: {choices}.", "Must not be in the future.", "Not a valid string.",
    "Must not contain control characters (found {char} at position {index}).",
)
_SCHEMA_PATTERNS = [(message, re.compile(re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>.*?)", re.escape(message)) + "$"))
                    for message in SCHEMA_MESSAGES]


def _problem(message: str) -> Problem:
    for template, pattern in _SCHEMA_PATTERNS:
        found = pattern.match(message)
        if found:
            return Problem(template, found.groupdict())
    return Problem(message)


# --- the write: through the ledger, in chunks -------------------------------------------------------------------

def spooled(spool_path: str, start: int = 0):
    """The household records of the spool from the `start`-th on."""
    with open(spool_path, encoding="utf-8") as spool:
        for i, line in enumerate(spool):
            if i >= start:
                yield json.loads(line)


def write(spool_path: str, commune_id: int, report: ImportReport, by_user_id: int | None, start: int = 0,
          progress=None) -> None:
    """Write the spooled households from the `start`-th on, CHUNK per transaction. `progress(done, rows)` is called
    in each chunk's transaction, before its commit, with the records done so far and the rows they spanned."""
    stored = {(v, fold(a), fold(h)) for v, a, h in db.session.execute(
        select(Household.village_id, Household.address, Household.head_name)
        .where(Household.commune_id == commune_id, Household.deleted.is_(False)))}
    chunk, done = [], start
    for record in spooled(spool_path, start):
        chunk.append(record)
        if len(chunk) == CHUNK:
            done = _write_chunk(chunk, done, stored, commune_id, report, by_user_id, progress)
            chunk = []
    if chunk:
        _write_chunk(chunk, done, stored, commune_id, report, by_user_id, progress)


def _write_chunk(chunk, done, stored, commune_id, report, by_user_id, progress) -> int:
    ledger, rows = Ledger(by_user_id), 0
    for record in chunk:
        h = record["household"]
        rows += record["rows"]
        key = (h["village_id"], fold(h["address"]), fold(h["head_name"]))
        if key in stored:
            report.skipped_existing += 1
            continue
        stored.add(key)
        hid = new_id()
        ledger.create_plain(Household, {**h, "id": hid, "commune_id": commune_id})
        for r in record["residents"]:
            ledger.create_plain(Resident, {**r, "id": new_id(), "household_id": hid, "village_id": h["village_id"],
                                           "commune_id": commune_id})
            report.residents += 1
        report.households += 1
    ledger.write()
    done += len(chunk)
    if progress:
        progress(done, rows)
    db.session.commit()
    return done
