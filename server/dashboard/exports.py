"""The overview's tables, the visit log and the audit log as XLSX (one sheet per table) and CSV, with Vietnamese
headers, for reporting upward. Every export is recorded in the audit log (audited).

Terms:
- a *column* has a header that names exactly the figure under it, a *kind* (text, count, number, percent, date,
  datetime, timestamp) and a *total*: SUM, a Share recomputed from two summed columns, or None where adding up
  makes no sense (a percent, a figure two rows may both count, like households two officials both visited);
- the *totals row* ("Tổng cộng") ends every sheet with a column that has a total; the CSV of a table is the raw
  rows, without it, so that a program reading it adds nothing twice;
- dates and times are the commune's local ones, naive (Excel has no time zones): real date cells shown dd/mm/yyyy
  in the workbook, ISO 8601 (yyyy-mm-dd hh:mm) in a CSV, which every spreadsheet reads whatever its locale.
"""
import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from urllib.parse import quote
from zoneinfo import ZoneInfo

from shared.coverage import percent
from shared.i18n import N_
from shared.text import fold
from shared.vocab import OUTCOMES, TOPICS, VISIT_STATUSES, label

from .. import audit
from ..extensions import db
from ..stats.service import DEFAULT_TZ
from .i18n import VI

TEXT, COUNT, NUMBER, PERCENT = "text", "count", "number", "percent"
DATE, DATETIME, TIMESTAMP = "date", "datetime", "timestamp"  # a day; to the minute; to the second
SUM = "sum"
FORMATS = {DATE: "dd/mm/yyyy", DATETIME: "dd/mm/yyyy hh:mm", TIMESTAMP: "dd/mm/yyyy hh:mm:ss",
           PERCENT: "0.0", NUMBER: "0.0", COUNT: "0"}
CSV_FORMATS = {DATE: "%Y-%m-%d", DATETIME: "%Y-%m-%d %H:%M", TIMESTAMP: "%Y-%m-%d %H:%M:%S"}
SHOWN_CHARS = {DATE: 10, DATETIME: 16, TIMESTAMP: 19}
MIN_WIDTH, MAX_WIDTH = 8, 50
"""A column's width in characters, fitted to its longest cell within these bounds."""
WIDTH_ROWS = 2000
"""Rows measured for the widths: past them a long export would be read twice for nothing."""


@dataclass(frozen=True)
class Share:
    """A percent recomputed in the totals row from the totals of two columns (their indexes): part / whole."""
    part: int
    whole: int


@dataclass
class Column:
    header: str
    kind: str = TEXT
    total: object = None  # SUM, a Share, or None


@dataclass
class Table:
    slug: str      # the name in URLs and file names
    title: str     # the sheet's name (Vietnamese, at most 31 characters)
    columns: list[Column]
    rows: list[list]
    summed: bool = True  # False: no totals row (a table of one row, the commune's)

    def __post_init__(self):
        # A plain header is a text column: a table made the older way (headers only) still exports.
        self.columns = [c if isinstance(c, Column) else Column(str(c)) for c in self.columns]

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    def totals(self) -> list | None:
        """The "Tổng cộng" row, or None when no column adds up (or there is nothing to add)."""
        if not self.summed or not self.rows or not any(c.total for c in self.columns):
            return None
        sums = [_sum(row[i] for row in self.rows) if c.total == SUM else None for i, c in enumerate(self.columns)]
        out = []
        for i, column in enumerate(self.columns):
            if isinstance(column.total, Share):
                out.append(_num(percent(sums[column.total.part] or 0, sums[column.total.whole] or 0)))
            else:
                out.append("" if sums[i] is None else sums[i])
        out[0] = _vi("Total")
        return out


def _sum(values):
    numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    total = sum(numbers)
    return round(total, 1) if isinstance(total, float) else total


def _vi(text: str) -> str:
    return VI[text]


def _topic(topic: str) -> str:
    return label(TOPICS, topic, "vi")


def _num(value):
    return "" if value is None else value


def local(moment: datetime | None, tz: str):
    """A stored instant (naive ones are UTC) as the commune's naive local time; None stays None."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(ZoneInfo(tz)).replace(tzinfo=None)


def count(header: str, total=SUM) -> Column:
    return Column(header, COUNT, total)


def share(header: str, part: int | None = None, whole: int | None = None) -> Column:
    """A percent column, recomputed in the totals row from columns `part` and `whole` when both are given."""
    return Column(header + " (%)", PERCENT, Share(part, whole) if part is not None else None)


def _area_columns(name_header: str) -> list[Column]:
    """An area's households and residents: the same columns for the commune and for each village."""
    return [Column(name_header), count(_vi("Households total")), count(_vi("Households reached")),
            share(_vi("Percent"), 2, 1), count(_vi("Visited, nobody home")), count(_vi("Residents")),
            count(_vi("No birth year"))]


def _area_row(area: dict) -> list:
    return [area["name"], area["households_total"], area["households_reached"], _num(area["reached_percent"]),
            area["households_not_home"], area["residents_total"], area["unknown_age"]]


def tables(cov: dict, tz: str = DEFAULT_TZ) -> list[Table]:
    """Every table of an overview, from the dict of stats.service.coverage: the same figures as the pages, under the
    same words (reached = at least one met visit; coverage = eligible residents who have it / eligible)."""
    summary = Table("overview", _vi("Overview"), _area_columns(_vi("Commune")), [_area_row(cov)],
                    summed=False)
    topics = Table("topics", _vi("Topics"),
                   [Column(_vi("Topic")), count(_vi("From age"), None), count(_vi("Eligible residents"), None),
                    count(_vi("Have it"), None), share(_vi("Coverage")), share(_vi("Target")),
                    count(_vi("Not applicable"), None)],
                   [[_topic(t["topic"]), cov["min_ages"][t["topic"]], t["eligible"], t["has_it"], _num(t["percent"]),
                     _num(t["target_percent"]), t["not_applicable"]] for t in cov["topics"]])
    village_columns = _area_columns(_vi("Village"))
    for t in cov["topics"]:
        name, first = _topic(t["topic"]), len(village_columns)
        village_columns += [count(f"{name}: {_vi('Eligible residents')}"), count(f"{name}: {_vi('Have it')}"),
                            share(f"{name}: {_vi('Coverage')}", first + 1, first)]
    villages = Table("villages", _vi("Villages"), village_columns,
                     [_area_row(v) + [n for t in v["topics"] for n in (t["eligible"], t["has_it"], _num(t["percent"]))]
                      for v in cov["villages"]])
    theirs = _vi("Their villages")
    # Two officials may visit the same household and share villages: only visits and hours add up.
    officials = Table("officials", _vi("Officials"),
                      [Column(_vi("Official")), count(_vi("Visits")), count(_vi("Of which nobody home")),
                       count(_vi("Households visited"), None), count(_vi("Households met"), None),
                       count(f"{theirs}: {_vi('Households total')}", None),
                       count(f"{theirs}: {_vi('Households reached')}", None), share(f"{theirs}: {_vi('Percent')}")]
                      + [share(f"{theirs}: {_topic(t['topic'])}") for t in cov["topics"]]
                      + [Column(_vi("Hours"), NUMBER, SUM), Column(_vi("Last sync"), DATETIME)],
                      [[o["full_name"], o["visits"], o["not_home_visits"], o["households"], o["households_met"],
                        o["villages"]["households_total"], o["villages"]["households_reached"],
                        _num(o["villages"]["reached_percent"])]
                       + [_num(t["percent"]) for t in o["villages"]["topics"]]
                       + [round(o["minutes"] / 60, 1),
                          local(o["last_sync_at"], tz) if o["last_sync_at"] else _vi("never")]
                       for o in cov["officials"]])
    total = cov["households_total"]
    weeks = Table("weeks", _vi("Weekly trend"),
                  [Column(_vi("Week of"), DATE), count(_vi("Visits")), count(_vi("Of which nobody home")),
                   count(_vi("Households reached (cumulative)"), None), share(_vi("Cumulative coverage"))]
                  + [share(f"{_topic(t['topic'])}: {_vi('Coverage')}") for t in cov["topics"]],
                  [[w["week"], w["visits"], w["not_home_visits"], w["households_reached_cumulative"],
                    _num(percent(w["households_reached_cumulative"], total))]
                   + [_num(t["percent"]) for t in w.get("topics", [])] for w in cov["weeks"]])
    return [summary, topics, villages, officials, weeks]


def visit_log_table(entries, personal: bool, tz: str = DEFAULT_TZ) -> Table:
    """The visit log; the address and head of household columns exist only when `personal`."""
    columns = [Column(_vi("Date"), DATETIME), Column(_vi("Village")), Column("ID")]
    columns += [Column(_vi("Address")), Column(_vi("Head of household"))] if personal else []
    columns += [Column(_vi("Official")), Column(_vi("Status")), Column(_vi("Outcomes")), count(_vi("Minutes")),
                Column(_vi("Follow-up on"), DATE)]
    rows = []
    for e in entries:
        row = [local(e["started_at"], tz), e["village"], e["household_id"]]
        if personal:
            row += [e["address"], e["head_name"]]
        outcomes = "; ".join(f"{_topic(t)}: {label(OUTCOMES, o, 'vi')}" for t, o in e["assists"])
        row += [e["official"], label(VISIT_STATUSES, e["status"], "vi"), outcomes, _num(e["duration_min"]),
                e["follow_up_on"]]
        rows.append(row)
    # The log's first column is a date: its totals row still says "Tổng cộng" there.
    return Table("visits", _vi("Visit log"), columns, rows)


def never_reached_table(households: list[dict], personal: bool, tz: str = DEFAULT_TZ) -> Table:
    """The work list of households never met (stats.never_reached, in walk order); the address, head of household and
    phone columns exist only when `personal`, the household's id otherwise."""
    columns = [Column(_vi("Village"))]
    columns += [Column(_vi("Address")), Column(_vi("Head of household")), Column(_vi("Phone"))] if personal else [
        Column("ID")]
    columns += [count(_vi("Attempts")), Column(_vi("Last attempt"), DATETIME)]
    rows = []
    for h in households:
        row = [h["village"]]
        row += [h["address"], h["head_name"], h["phone"] or ""] if personal else [h["household_id"]]
        rows.append(row + [h["attempts"], local(h["last_attempt_at"], tz)])
    return Table("never_reached", _vi("Households never reached"), columns, rows)


def follow_ups_table(households: list[dict], personal: bool, villages: dict, officials: dict) -> Table:
    """The households with open follow-ups (stats.follow_up_households' rows: the earliest due first, then in walk
    order); address and head of household only when `personal`, the household's id otherwise."""
    columns = [Column(_vi("Follow-up on"), DATE), Column(_vi("Village"))]
    columns += [Column(_vi("Address")), Column(_vi("Head of household"))] if personal else [Column("ID")]
    columns += [Column(_vi("Official")), Column(_vi("Status")), count(_vi("Open follow-ups"))]
    rows = []
    for f in households:
        row = [f["follow_up_on"], villages.get(f["village_id"], "")]
        row += [f["address"], f["head_name"]] if personal else [f["household_id"]]
        rows.append(row + [officials.get(f["official_id"], ""), _vi("Overdue") if f["overdue"] else _vi("Open"),
                           f["open"]])
    return Table("follow_ups", _vi("Follow-ups"), columns, rows)


CLASS_NAMES = {"has": N_("Have it"), "missing": N_("Eligible, not yet"), "not_applicable": N_("Not applicable"),
               "too_young": N_("Too young"), "unknown_age": N_("No birth year")}
"""The names of stats.people's classes of residents, as the "who is counted" page gives them."""


def counted_table(rows: list[dict], topic: str, which: str) -> Table:
    """The residents of one class of a topic (stats.people.counted's rows, in walk order): names, so only for the
    roles that read them."""
    columns = [Column(_vi("Village")), Column(_vi("Address")), Column(_vi("Head of household")),
               Column(_vi("Full name")), Column(_vi("Birth year")), Column(_vi("Status"))]
    body = [[r["village"], r["address"], r["head_name"], r["full_name"], r["birth_year"],
             label(OUTCOMES, r["status"], "vi") if r["status"] else _vi("No visit yet")] for r in rows]
    return Table(f"counted_{which}", f"{_topic(topic)} - {_vi(CLASS_NAMES[which])}"[:31], columns, body,
                 summed=False)


def audit_table(rows: list[dict], action_label, tz: str = DEFAULT_TZ) -> Table:
    """The audit log's rows (audit.entries), newest first, at the commune's local time; `action_label` gives an
    action's Vietnamese label."""
    return Table("audit", _vi("Audit log"),
                 [Column(_vi("Time"), TIMESTAMP), Column(_vi("User")), Column(_vi("Role")), Column(_vi("Action")),
                  Column(_vi("Done to")), Column(_vi("Detail")), Column(_vi("IP address")), Column(_vi("Tablet"))],
                 [[local(r["at"], tz), r["username"] or "", r["role"] or "", action_label(r["action"]),
                   r["target"] or "", audit.detail_text(r["detail"]), r["address"] or "", r["device_id"] or ""]
                  for r in rows])


def audited(commune_id: int | None, sheets: list[Table], fmt: str, personal: bool, filters: dict) -> None:
    """Record an export (which tables, how many rows, with names or not, the filters) and commit it."""
    audit.record("export" if commune_id is not None else "export_audit",
                 target=f"commune:{commune_id}" if commune_id is not None else None, format=fmt,
                 tables=[t.slug for t in sheets], rows=sum(len(t.rows) for t in sheets), personal=personal,
                 filters=filters)
    db.session.commit()


def _inert(value):
    """A text that a spreadsheet would run as a formula (an address typed as "=..."), quoted so it stays text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _shown(value, kind: str) -> int:
    """About how many characters a cell shows, for its column's width."""
    if isinstance(value, (date, datetime)):
        return SHOWN_CHARS.get(kind, 19 if isinstance(value, datetime) else 10)
    if isinstance(value, float):
        return len(f"{value:.1f}")
    return max((len(line) for line in str(value).splitlines()), default=0)


_SHEET_TITLE_REFUSED = re.compile(r"[\\/?*\[\]:\x00-\x1f\x7f]")
"""What Excel refuses in a sheet's name (a topic's label may hold a slash), and control characters."""


def _sheet_title(title: str) -> str:
    """`title` as a name Excel accepts: at most 31 characters, none it refuses, no apostrophe at either end."""
    return _SHEET_TITLE_REFUSED.sub("-", title)[:31].strip("'") or "-"


def xlsx(sheets: list[Table]) -> bytes:
    """A workbook with one sheet per table: headers in bold and frozen, dates as date cells, widths fitted to the
    cells, and the totals row in bold."""
    # Imported here: openpyxl costs every server worker 13 MB, and only exports use it.
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    for table in sheets:
        sheet = book.create_sheet(_sheet_title(table.title))
        sheet.append(table.headers)
        for cell in sheet[1]:
            cell.font = bold
        totals = table.totals()
        for row in table.rows + ([totals] if totals else []):
            sheet.append([_inert(v) for v in row])
        if totals:
            for cell in sheet[sheet.max_row]:
                cell.font = bold
        for i, column in enumerate(table.columns, start=1):
            if column.kind in FORMATS:
                for (cell,) in sheet.iter_rows(min_row=2, min_col=i, max_col=i):
                    if isinstance(cell.value, (int, float, date)):
                        cell.number_format = FORMATS[column.kind]
            elif any(isinstance(row[i - 1], date) for row in table.rows[:WIDTH_ROWS]):  # a date in a plain column
                for (cell,) in sheet.iter_rows(min_row=2, min_col=i, max_col=i):
                    if isinstance(cell.value, date):
                        cell.number_format = FORMATS[DATETIME if isinstance(cell.value, datetime) else DATE]
            shown = [_shown(column.header, TEXT)] + [_shown(row[i - 1], column.kind)
                                                     for row in table.rows[:WIDTH_ROWS]]
            if totals:
                shown.append(_shown(totals[i - 1], column.kind))
            letter = sheet.cell(row=1, column=i).column_letter
            sheet.column_dimensions[letter].width = max(MIN_WIDTH, min(max(shown) + 2, MAX_WIDTH))
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _csv_cell(value, kind: str):
    if isinstance(value, (date, datetime)):
        return value.strftime(CSV_FORMATS.get(kind, "%Y-%m-%d %H:%M" if isinstance(value, datetime) else "%Y-%m-%d"))
    return _inert(value)


def csv_bytes(table: Table) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel shows the Vietnamese letters right; the raw rows, no totals."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.headers)
    kinds = [c.kind for c in table.columns]
    writer.writerows([_csv_cell(v, kind) for v, kind in zip(row, kinds)] for row in table.rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# --- file names -----------------------------------------------------------------------------------------------------

_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|;]+')


def file_name(parts: list[str | None], ext: str) -> tuple[str, str]:
    """The file's name from its parts (the commune, the filters, the table), blank ones left out: (an ASCII name
    for every browser, the Vietnamese one for the `filename*` of those that read it)."""
    kept = [" ".join(_UNSAFE.sub(" ", str(p)).split()) for p in parts if p]
    kept = [p for p in kept if p]
    ascii_name = "-".join(filter(None, (re.sub(r"[^a-z0-9]+", "-", fold(p)).strip("-") for p in kept)))
    full = "-".join(p.replace(" ", "_") for p in kept)
    return f"{ascii_name or 'doorstep'}.{ext}", f"{full or 'doorstep'}.{ext}"


def filter_parts(commune: str | None, village: str | None = None, topic: str | None = None,
                 official: str | None = None, date_from: date | None = None, date_to: date | None = None) -> list:
    """The parts of a file name that say which data it holds: the names of the filters (not their ids)."""
    days = None
    if date_from and date_to:
        days = f"{date_from.isoformat()}_{date_to.isoformat()}"
    elif date_from:
        days = _vi(N_("from {day}")).format(day=date_from.isoformat())
    elif date_to:
        days = _vi(N_("to {day}")).format(day=date_to.isoformat())
    return ["doorstep", commune, village, _topic(topic) if topic else None, official, days]


def disposition(parts: list[str | None], ext: str) -> str:
    """A Content-Disposition: attachment, with the ASCII name and its UTF-8 original (RFC 6266, RFC 5987)."""
    ascii_name, full = file_name(parts, ext)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(full, safe='')}"
