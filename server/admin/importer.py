"""Import a commune's household list from the CSV or XLSX sheet it already keeps.

One row is one household; optional resident columns add a member to it. A row whose household columns are all
blank but that names a resident is one more member of the household above (how merged cells come out of Excel). A
row that repeats the household columns (the common layout: one row per member, the household's cells copied on each)
is one more member of the household with the same *household key*, wherever it stands in the file; its repeated
cells must agree with the household's first row, or the row gets an error naming that line (a cell the first row
left blank, a phone or a note, the first row that has it fills in).

Terms:
- a *household record* is one good household with its good residents, the line it starts on and the data rows it
  spans (for the progress bar);
- the *spool* is a file of household records, one JSON line each, that the check writes and the write reads;
- the *household key* is the household code (a "Mã hộ" column) when the row has one, else the village, the
  address and the head of household, folded (case and tones do not count), as the write compares them;
- a *row error* is (line, column, message, values): the message is a catalogue entry (server/dashboard/i18n.py) in
  English with `{name}` placeholders, so the dashboard shows it in the reader's language and the CLI in English.
An import is two passes. `check` reads the file as a bounded stream (uploads.Reader), checks every row and spools
the good households (a household whose rows are scattered over the file is merged into one record once it is read);
`write` writes the spool through the ledger, CHUNK households per transaction, after a `progress` hook that may
add its own rows to each transaction (the job's progress, so that a retried job resumes where the last committed
chunk ended). Nothing is written if any row is bad, unless `skip_bad` is set. A household
already stored (same village, address and head) is skipped: a file imported twice adds nothing.
"""
import json
import os
import re
import sqlite3
import tempfile
import unicodedata
import uuid
from dataclasses import dataclass, field

from marshmallow import ValidationError
from sqlalchemy import select

from shared.i18n import N_
from shared.ids import new_id
from shared.schemas import HouseholdData, ResidentData
from shared.text import digits, fold

from .. import audit
from ..extensions import db
from ..ledger import Ledger
from ..models import Area, Household, Resident
from ..sync.fastload import compile_schema
from . import uploads
from .uploads import Problem, Refused

# Folded header -> field. Vietnamese headers as communes write them, and English ones.
HEADERS = {
    "household_code": ("ma ho", "ma ho gia dinh", "ma so ho", "household code", "household id"),
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
HOUSEHOLD_COLUMNS = ("household_code", "village", "address", "head_name", "phone", "note")
COMPARED = ("village", "address", "head_name", "phone", "note")
"""The household's cells that a repeated row must agree with (blank on the repeated row: not repeated)."""
TEXT_COLUMNS = ("household_code", "village", "address", "head_name", "note", "full_name")
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


# --- the template: one household of two members, its columns repeated on each member's row --------------------

TEMPLATE_HEADERS = ("Mã hộ", "Thôn", "Địa chỉ", "Chủ hộ", "Số điện thoại", "Ghi chú", "Họ tên thành viên", "Năm sinh",
                    "Giới tính", "Số điện thoại thành viên", "Có điện thoại thông minh")


def template_rows(village: str) -> list[list]:
    """The example rows under TEMPLATE_HEADERS, in `village` (a village of the commune, so that they import)."""
    household = ["HO-001", village, "Số 1, đường Chính", "Nguyễn Văn An", "0912345678", ""]
    return [household + ["Nguyễn Văn An", 1970, "Nam", "0912345678", "Có"],
            household + ["Trần Thị Bình", 1975, "Nữ", "", "Không"]]


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
    groups = _Groups("household_code" in columns)
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
            fills = {}
            if any(record.get(name) for name in HOUSEHOLD_COLUMNS):
                key = groups.key(record)
                if groups.known(key):  # the household's first row was good: this row repeats it
                    problems, fills = groups.repeat(key, record, {name for name, _ in errors})
                    errors += problems + _fill_errors(fills)
                    if current is None or current["key"] != key:
                        keep(current)  # a household seen above, not just above: merged after the read
                        current = {"line": line, "rows": 0, "key": key, "household": None, "residents": []}
                        groups.scattered.add(key)
                else:
                    keep(current)
                    current = None
                    household_errors = []
                    household = None if bad_household else _household(record, villages, household_errors)
                    errors += household_errors
                    clash = groups.add(key, record, line) if household is not None and not household_errors else []
                    errors += clash
                    if household is not None and not bad_household and not household_errors and not clash:
                        current = {"line": line, "rows": 0, "key": key, "household": household, "residents": []}
            elif current is None:
                errors.append(("full_name", Problem("A member row needs a good household row above it.")))
            resident = _resident(record, errors) if record.get("full_name") and not bad_member else None
            if current is not None:
                current["rows"] += 1
            for name, problem in errors:
                report.add_error(line, label(name), problem)
            if not errors and resident is not None:
                current["residents"].append(resident)
            if not errors and fills:  # a good row fills in what the household's first row left blank
                groups.fill(key, fills, line)
                target = current["household"] if current["household"] is not None else current.setdefault("fill", {})
                target.update(fills)
        keep(current)
    if groups.scattered:
        _merge_scattered(spool_path, groups.scattered)


_OTHER_CODE = N_("Same village, address and head of household as on line {line}, under another household code.")


class _Groups:
    """The households read so far, by household key: the line each starts on and a hash of each compared cell (not
    the cells: a file of 200,000 rows stays small in memory), and the keys whose rows are not all together."""

    def __init__(self, coded: bool):
        self.coded = coded
        # Without a code the village, address and head are the key itself: only the other cells can disagree.
        self.compared = COMPARED if coded else tuple(n for n in COMPARED
                                                     if n not in ("village", "address", "head_name"))
        self.first: dict[str, tuple[int, tuple]] = {}
        self.natural: dict[str, tuple[int, str]] = {}  # with a code column: village+address+head -> (line, key)
        self.scattered: set[str] = set()
        self.filled_on: dict[tuple[str, str], int] = {}  # the line that gave a cell its first row left blank

    @staticmethod
    def _natural(record: dict) -> str:
        return "\x1f".join(("n", _village_key(record.get("village", "")), fold(record.get("address", "")),
                            fold(record.get("head_name", ""))))

    def key(self, record: dict) -> str:
        code = record.get("household_code", "")
        if code:
            return "c\x1f" + fold(code)
        natural = self._natural(record)
        return self.natural[natural][1] if natural in self.natural else natural  # a coded household, code left out

    def known(self, key: str) -> bool:
        return key in self.first

    def add(self, key: str, record: dict, line: int) -> list:
        """Take a good household's first row; with a code column, refuse a second code for the same household."""
        if self.coded:
            natural = self._natural(record)
            seen = self.natural.setdefault(natural, (line, key))
            if seen[1] != key:
                return [("head_name", Problem(_OTHER_CODE, {"line": seen[0]}))]
        self.first[key] = (line, tuple(_compared(name, record.get(name, "")) for name in self.compared))
        return []

    def repeat(self, key: str, record: dict, reported: set) -> tuple[list, dict]:
        """A repeated row's cells against the household's first row: the errors where both have a value and they
        differ, and the values it gives to cells the first row left blank (a phone, a note)."""
        line, hashes = self.first[key]
        problems, fills = [], {}
        for name, first in zip(self.compared, hashes):
            if not record.get(name) or name in reported:
                continue
            if first == _BLANK:
                fills[name] = record[name]
            elif _compared(name, record[name]) != first:
                problems.append((name, Problem(N_("Not the same as on line {line}, for the same household."),
                                               {"line": self.filled_on.get((key, name), line)})))
        return problems, fills

    def fill(self, key: str, fills: dict, line: int) -> None:
        first_line, hashes = self.first[key]
        self.first[key] = (first_line, tuple(_compared(name, fills[name]) if name in fills else first
                                             for name, first in zip(self.compared, hashes)))
        self.filled_on.update({(key, name): line for name in fills})


def _compared(name: str, value: str) -> int:
    """A cell as two rows of one household must agree on it: a phone's digits, a village without its "Thôn"."""
    if name == "phone":
        return hash(digits(value))
    return hash(_village_key(value) if name == "village" else fold(value))


_BLANK = hash("")
"""A blank cell, as _compared gives it whatever the column."""


def _fill_errors(fills: dict) -> list:
    """The errors of the household cells a repeated row fills in (checked alone: the rest of the household is
    good); a bad one is dropped from `fills`."""
    errors = []
    for name in list(fills):
        data = {"village_id": 1, "address": "-", "head_name": "-", name: fills[name]}
        found = []
        _load(_FAST_HOUSEHOLD, _HOUSEHOLD, data, found)
        if found:
            errors += found
            del fills[name]
    return errors


def _merge_scattered(spool_path: str, keys: set[str]) -> None:
    """Give each household of `keys` its rows from all over the file: one record, at the end of the spool. The
    records to merge are sorted on disk (a SQLite file beside the spool), so a file of any size merges in little
    memory."""
    sorter_path = spool_path + ".merging.db"
    sorter = sqlite3.connect(sorter_path)
    try:
        sorter.execute("CREATE TABLE part (key TEXT NOT NULL, n INTEGER NOT NULL, body TEXT NOT NULL)")
        with open(spool_path, encoding="utf-8") as spool, \
                open(spool_path + ".merging", "w", encoding="utf-8") as out:
            for n, text in enumerate(spool):
                key = json.loads(text)["key"]
                if key in keys:
                    sorter.execute("INSERT INTO part VALUES (?, ?, ?)", (key, n, text))
                else:
                    out.write(text)
            merged = None
            for key, body in sorter.execute("SELECT key, body FROM part ORDER BY key, n"):
                record = json.loads(body)
                if merged is not None and merged["key"] == key:
                    merged["rows"] += record["rows"]
                    merged["residents"] += record["residents"]
                    for name, value in record.get("fill", {}).items():
                        merged["household"][name] = merged["household"].get(name) or value
                    continue
                if merged is not None:
                    out.write(json.dumps(merged, ensure_ascii=False) + "\n")
                merged = record  # the first row's record, which holds the household
            if merged is not None:
                out.write(json.dumps(merged, ensure_ascii=False) + "\n")
    finally:
        sorter.close()
        os.remove(sorter_path)
    os.replace(spool_path + ".merging", spool_path)


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
