"""Bounded reading of an uploaded household list: a CSV or XLSX file as a stream of rows, within stated limits.

Terms:
- a *refusal* (Refused) turns a whole file away: not readable, a zip bomb, a sheet wider or longer than a real one,
  more rows than IMPORT_MAX_ROWS. It carries a catalogue message (server/dashboard/i18n.py) and the limit it names;
- a *row* is (line, values): the file's line number (a CSV record's first physical line, a sheet's row number) and
  its first MAX_COLUMNS cells, each a string, a number or None; or (line, Problem) for a CSV record too long to read,
  which the importer reports on that line and passes over.
Nothing here holds a whole file in memory. A CSV is decoded line by line, each record held to MAX_RECORD_CHARS. An
XLSX is a zip: before openpyxl opens it, every part is read through once (zipfile never inflates more than a part
declares, and a part that inflates to other bytes fails its CRC), its declared and actual sizes and its ratio are
held to limits, a part that is itself a zip is refused, and each worksheet's cells and rows are counted by expat
(no tree is built). openpyxl then reads in read-only mode, and the sheet's own dimension claim is not believed: a
1.6 KB file that claims every cell of the grid would otherwise be padded out to billions of cells.
"""
import codecs
import csv
import unicodedata
import zipfile
from dataclasses import dataclass, field
from xml.parsers import expat

MB = 1024 * 1024
MAX_COLUMNS = 60
"""Cells read from each row; a household list has about ten columns, the rest is ignored."""
MAX_CELL_CHARS = 2000
"""The longest cell the importer reads (the longest field, a note, holds 500)."""
MAX_RECORD_CHARS = 100_000
"""The longest CSV record (one row, quoted line breaks included) read at all."""
HEADER_ROWS = 10
"""The header row is one of the first HEADER_ROWS rows: title rows may stand above it."""

# An XLSX file, as a zip: how many parts, and how large each kind of part may be once inflated. Worksheets are read
# as a stream, so they may be large; the shared strings and the styles are parsed whole by openpyxl, so they may not.
MAX_PARTS = 1000
SHEET_PART_MB = 200
STRINGS_PART_MB = 20
STYLES_PART_MB = 4
XML_PART_MB = 2
OTHER_PART_MB = 20
TOTAL_MB = 300
MAX_RATIO = 100
"""Inflated size over compressed size: text compresses ten to thirty times; a zip bomb a thousand."""
RATIO_FROM_BYTES = MB
"""Parts smaller than this are never refused for their ratio: a tiny part of repeated bytes is harmless."""
SHEET_MAX_CELLS_PER_ROW = 16_384
SHEET_MAX_ROWS = 1_048_576
"""Excel's own limits: a sheet beyond them was not made by a spreadsheet."""


@dataclass
class Problem:
    """A catalogue message (English, with `{name}` placeholders) and the values to fill in."""
    message: str
    values: dict = field(default_factory=dict)


class Refused(Exception):
    """The whole file is refused: `problem` says why, and the limit."""

    def __init__(self, message: str, **values):
        super().__init__(message)
        self.problem = Problem(message, values)


def kind_of(path: str) -> str:
    """"xlsx" or "csv", from the file's first bytes (an XLSX is a zip: it starts with PK)."""
    with open(path, "rb") as f:
        start = f.read(8)
    if start[:2] == b"PK":
        return "xlsx"
    if start[:4] == b"\xd0\xcf\x11\xe0":
        raise Refused("An old Excel .xls file: save it as .xlsx or as CSV UTF-8 first.")
    return "csv"


def check(path: str) -> str:
    """The file's kind, after the checks that cost no more than reading its zip directory; raises Refused."""
    kind = kind_of(path)
    if kind == "xlsx":
        with _zip(path) as archive:
            _check_directory(archive)
    return kind


class Reader:
    """The rows of an uploaded file. Opening it checks the whole file (raises Refused) and estimates its number of
    lines, `lines` (a CSV's line breaks, an XLSX sheet's rows), for a progress bar."""

    def __init__(self, path: str, max_rows: int = SHEET_MAX_ROWS):
        self.path, self.kind = path, kind_of(path)
        if self.kind == "xlsx":
            with _zip(path) as archive:
                _check_directory(archive)
                self.lines = _check_contents(archive, max_rows)
        else:
            self.encoding, self.lines = _encoding(path)

    def __iter__(self):
        """(line, values) or (line, Problem) for each row; raises Refused for the whole file."""
        return _xlsx_rows(self.path) if self.kind == "xlsx" else _csv_rows(self.path, self.encoding)


# --- XLSX -----------------------------------------------------------------------------------------------------------

def _zip(path: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise Refused("Not a readable XLSX file.") from None


def _limit_mb(name: str) -> int:
    if name.startswith("xl/worksheets/") and name.endswith(".xml"):
        return SHEET_PART_MB
    if name == "xl/sharedStrings.xml":
        return STRINGS_PART_MB
    if name == "xl/styles.xml":
        return STYLES_PART_MB
    if name.endswith((".xml", ".rels")):
        return XML_PART_MB
    return OTHER_PART_MB


def _check_directory(archive: zipfile.ZipFile) -> None:
    """What the zip's directory declares: the number of parts, each part's size and ratio, their total."""
    parts = archive.infolist()
    if len(parts) > MAX_PARTS:
        raise Refused("The XLSX file holds more than {limit} parts.", limit=MAX_PARTS)
    total = 0
    for part in parts:
        if part.flag_bits & 0x1:
            raise Refused("The XLSX file is protected by a password: save it again without one.")
        if part.file_size > _limit_mb(part.filename) * MB:
            raise Refused("A part of the XLSX file unpacks to more than {limit} MB.", limit=_limit_mb(part.filename))
        if part.file_size > RATIO_FROM_BYTES and part.file_size > MAX_RATIO * max(part.compress_size, 1):
            raise Refused("A part of the XLSX file is compressed more than {limit} times: it looks like a zip bomb.",
                          limit=MAX_RATIO)
        total += part.file_size
    if total > TOTAL_MB * MB:
        raise Refused("The XLSX file unpacks to more than {limit} MB in all.", limit=TOTAL_MB)


class _SheetCounter:
    """Counts a worksheet's rows and each row's cells as expat reads it, refusing a sheet past Excel's limits or a
    row numbered past `max_line` (the reader would pad the rows in between)."""

    def __init__(self, max_line: int):
        self.rows = self.cells = 0
        self.max_line = max_line
        self.parser = expat.ParserCreate(namespace_separator=" ")
        self.parser.StartElementHandler = self._start
        self.parser.StartDoctypeDeclHandler = self._doctype

    def _start(self, name, attrs):
        local = name.rpartition(" ")[2]
        if local == "c":
            self.cells += 1
            if self.cells > SHEET_MAX_CELLS_PER_ROW:
                raise Refused("A row of the sheet has more than {limit} cells.", limit=SHEET_MAX_CELLS_PER_ROW)
        elif local == "row":
            self.rows, self.cells = self.rows + 1, 0
            number = attrs.get("r", "")
            line = int(number) if number.isdigit() and len(number) < 10 else self.rows
            if max(self.rows, line) > self.max_line:
                raise Refused("The sheet has more than {limit} rows: split it into several files.",
                              limit=self.max_line - HEADER_ROWS)

    @staticmethod
    def _doctype(*_args):
        raise Refused("Not a readable XLSX file.")  # a spreadsheet's XML has no DTD; entities are how XML bombs work

    def feed(self, data: bytes, last: bool = False) -> None:
        try:
            self.parser.Parse(data, last)
        except expat.ExpatError:
            raise Refused("Not a readable XLSX file.") from None


def _check_contents(archive: zipfile.ZipFile, max_rows: int) -> int:
    """Read every part through once: its actual size, no zip inside, and each worksheet's shape. Returns the rows of
    the largest worksheet."""
    most = 0
    for part in archive.infolist():
        is_sheet = _limit_mb(part.filename) == SHEET_PART_MB
        counter = _SheetCounter(min(max_rows + HEADER_ROWS, SHEET_MAX_ROWS)) if is_sheet else None
        size = 0
        try:
            with archive.open(part) as stream:
                while chunk := stream.read(256 * 1024):
                    if size == 0 and chunk[:4] == b"PK\x03\x04":
                        raise Refused("The XLSX file holds another compressed file: save it again without "
                                      "embedded files.")
                    size += len(chunk)
                    if counter:
                        counter.feed(chunk)
            if counter:
                counter.feed(b"", last=True)
                most = max(most, counter.rows)
        except zipfile.BadZipFile:
            # zipfile inflates no more than the part declares; a part that holds more fails its CRC here.
            raise Refused("A part of the XLSX file does not hold what it declares: it may be a zip bomb.") from None
        except (OSError, EOFError, RuntimeError, NotImplementedError, ValueError, zipfile.LargeZipFile):
            raise Refused("Not a readable XLSX file.") from None
        if size != part.file_size:
            raise Refused("A part of the XLSX file does not hold what it declares: it may be a zip bomb.")
    return most


def _xlsx_rows(path: str):
    """The active sheet's rows; the file has passed _check_directory and _check_contents."""
    # A file object, not the path: openpyxl refuses a path that does not end in .xlsx (stored uploads do not).
    with open(path, "rb") as f:
        yield from _sheet_rows(f)


def _sheet_rows(f):
    from openpyxl import load_workbook
    try:
        book = load_workbook(f, read_only=True, data_only=True, keep_links=False, keep_vba=False)
    except Exception:  # openpyxl raises many kinds for a broken file; all mean "not a readable sheet"
        raise Refused("Not a readable XLSX file.") from None
    try:
        sheet = book.active
        if sheet is None or not hasattr(sheet, "reset_dimensions"):
            sheet = next((s for s in book.worksheets if hasattr(s, "reset_dimensions")), None)
        if sheet is None:
            raise Refused("The XLSX file has no sheet of cells.")
        sheet.reset_dimensions()  # believe the cells, not the <dimension> the file claims
        cells = sheet.iter_rows(min_row=1, max_row=SHEET_MAX_ROWS, max_col=MAX_COLUMNS, values_only=True)
        line = 0
        while True:
            try:
                values = next(cells)
            except StopIteration:
                break
            except Exception:  # a cell openpyxl cannot convert (a broken date, a bad shared-string index)
                raise Refused("Not a readable XLSX file.") from None
            line += 1
            yield line, list(values)
    finally:
        book.close()


# --- CSV ------------------------------------------------------------------------------------------------------------

class _RecordTooLong(Exception):
    pass


class _Lines:
    """The text of a file in pieces of at most one line, counting lines and the characters of the current record."""

    def __init__(self, stream):
        self.stream, self.line, self.chars = stream, 0, 0

    def __iter__(self):
        return self

    def __next__(self) -> str:
        piece = self.stream.readline(MAX_RECORD_CHARS)
        if not piece:
            raise StopIteration
        ended = piece.endswith(("\n", "\r"))
        self.line += ended
        self.chars += len(piece)
        if self.chars > MAX_RECORD_CHARS:
            while piece and not ended:  # pass over the rest of this physical line
                piece = self.stream.readline(MAX_RECORD_CHARS)
                ended = piece.endswith(("\n", "\r"))
                self.line += ended
            raise _RecordTooLong
        return piece


def _encoding(path: str) -> tuple[str, int]:
    """UTF-8 (with or without its BOM) when the whole file decodes as such, else windows-1258, as old Excel wrote
    Vietnamese (its tones as combining marks); and the file's number of line breaks."""
    decoder, encoding, lines = codecs.getincrementaldecoder("utf-8")(), "utf-8-sig", 0
    with open(path, "rb") as f:
        while chunk := f.read(256 * 1024):
            lines += chunk.count(b"\n")
            if encoding == "utf-8-sig":
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    encoding = "cp1258"
    if encoding == "utf-8-sig":
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            encoding = "cp1258"
    return encoding, lines


def _open_text(path: str, encoding: str):
    return open(path, encoding=encoding, errors="replace", newline="")


def _records(path: str, encoding: str, delimiter: str):
    """(first line, cells) of each CSV record, or (line, Problem) for one past MAX_RECORD_CHARS."""
    with _open_text(path, encoding) as stream:
        lines = _Lines(stream)
        reader = csv.reader(lines, delimiter=delimiter, strict=False)
        while True:
            start, lines.chars = lines.line + 1, 0
            try:
                cells = next(reader)
            except StopIteration:
                return
            except _RecordTooLong:
                yield start, Problem("The row holds more than {limit} characters.", {"limit": MAX_RECORD_CHARS})
                continue
            except csv.Error:
                yield start, Problem("Not a readable CSV row.")
                continue
            yield start, [unicodedata.normalize("NFC", cell) for cell in cells[:MAX_COLUMNS]]


def _csv_rows(path: str, encoding: str):
    # Excel writes ";" where the decimal mark is a comma: take the delimiter whose first rows name the most headers.
    from .importer import known_headers
    best, most = ",", -1
    for delimiter in ",;\t":
        first = []
        for _, cells in _records(path, encoding, delimiter):
            first.append(cells)
            if len(first) == HEADER_ROWS:
                break
        found = known_headers([cells for cells in first if not isinstance(cells, Problem)])
        if found > most:
            best, most = delimiter, found
    yield from _records(path, encoding, best)
