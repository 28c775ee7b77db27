"""The overview's tables, the visit log and the audit log as XLSX (one sheet per table) and CSV, with Vietnamese
headers, for reporting upward. Every export is recorded in the audit log (audited)."""
import csv
import io
from dataclasses import dataclass


from shared.vocab import OUTCOMES, TOPICS, VISIT_STATUSES, label

from .. import audit
from ..extensions import db
from .i18n import VI


@dataclass
class Table:
    slug: str      # the name in URLs and file names
    title: str     # the sheet's name (Vietnamese, at most 31 characters)
    headers: list[str]
    rows: list[list]


def _vi(text: str) -> str:
    return VI[text]


def _topic(topic: str) -> str:
    return label(TOPICS, topic, "vi")


def _num(value):
    return "" if value is None else value


def tables(cov: dict) -> list[Table]:
    """Every table of an overview, from the dict of stats.service.coverage: the same figures as the pages, under the
    same words (reached = at least one met visit; coverage = eligible residents who have it / eligible)."""
    overview = Table("overview", _vi("Overview"),
                     [_vi("Topic"), _vi("From age"), _vi("Eligible residents"), _vi("Have it"),
                      _vi("Coverage") + " (%)", _vi("Target") + " (%)", _vi("Not applicable")],
                     [[_topic(t["topic"]), cov["min_ages"][t["topic"]], t["eligible"], t["has_it"], _num(t["percent"]),
                       _num(t["target_percent"]), t["not_applicable"]] for t in cov["topics"]]
                     + [[_vi("Households reached"), "", cov["households_total"], cov["households_reached"],
                         _num(cov["reached_percent"]), "", ""],
                        [_vi("Visited, nobody home"), "", "", cov["households_not_home"], "", "", ""],
                        [_vi("Residents"), "", "", cov["residents_total"], "", "", ""],
                        [_vi("No birth year"), "", "", cov["unknown_age"], "", "", ""]])
    topic_headers = []
    for t in cov["topics"]:
        name = _topic(t["topic"])
        topic_headers += [f"{name}: {_vi('Eligible residents')}", f"{name}: {_vi('Have it')}",
                          f"{name}: {_vi('Coverage')} (%)"]
    villages = Table("villages", _vi("Villages"),
                     [_vi("Village"), _vi("Households total"), _vi("Households reached"), _vi("Percent") + " (%)",
                      _vi("Visited, nobody home"), _vi("Residents"), _vi("No birth year")] + topic_headers,
                     [[v["name"], v["households_total"], v["households_reached"], _num(v["reached_percent"]),
                       v["households_not_home"], v["residents_total"], v["unknown_age"]]
                      + [n for t in v["topics"] for n in (t["eligible"], t["has_it"], _num(t["percent"]))]
                      for v in cov["villages"]])
    theirs = _vi("Their villages")
    officials = Table("officials", _vi("Officials"),
                      [_vi("Official"), _vi("Visits"), _vi("Of which nobody home"), _vi("Households visited"),
                       _vi("Households met"), f"{theirs}: {_vi('Households total')}",
                       f"{theirs}: {_vi('Households reached')}", f"{theirs}: {_vi('Percent')} (%)"]
                      + [f"{theirs}: {_topic(t['topic'])} (%)" for t in cov["topics"]]
                      + [_vi("Hours"), _vi("Last sync")],
                      [[o["full_name"], o["visits"], o["not_home_visits"], o["households"], o["households_met"],
                        o["villages"]["households_total"], o["villages"]["households_reached"],
                        _num(o["villages"]["reached_percent"])]
                       + [_num(t["percent"]) for t in o["villages"]["topics"]]
                       + [round(o["minutes"] / 60, 1),
                          o["last_sync_at"].strftime("%Y-%m-%d %H:%M UTC") if o["last_sync_at"] else _vi("never")]
                       for o in cov["officials"]])
    total = cov["households_total"]
    weeks = Table("weeks", _vi("Weekly trend"),
                  [_vi("Week of"), _vi("Visits"), _vi("Of which nobody home"), _vi("Households reached (cumulative)"),
                   _vi("Cumulative coverage") + " (%)"]
                  + [f"{_topic(t['topic'])}: {_vi('Coverage')} (%)" for t in cov["topics"]],
                  [[w["week"].isoformat(), w["visits"], w["not_home_visits"], w["households_reached_cumulative"],
                    round(100 * w["households_reached_cumulative"] / total, 1) if total else ""]
                   + [_num(t["percent"]) for t in w.get("topics", [])] for w in cov["weeks"]])
    return [overview, villages, officials, weeks]


def visit_log_table(entries, personal: bool) -> Table:
    """The visit log; the address and head of household columns exist only when `personal`."""
    headers = [_vi("Date"), _vi("Village"), "ID"] + ([_vi("Address"), _vi("Head of household")] if personal else [])
    headers += [_vi("Official"), _vi("Status"), _vi("Outcomes"), _vi("Minutes"), _vi("Follow-up on")]
    rows = []
    for e in entries:
        row = [e["started_at"].strftime("%Y-%m-%d %H:%M"), e["village"], e["household_id"]]
        if personal:
            row += [e["address"], e["head_name"]]
        outcomes = "; ".join(f"{_topic(t)}: {label(OUTCOMES, o, 'vi')}" for t, o in e["assists"])
        row += [e["official"], label(VISIT_STATUSES, e["status"], "vi"), outcomes, _num(e["duration_min"]),
                e["follow_up_on"].isoformat() if e["follow_up_on"] else ""]
        rows.append(row)
    return Table("visits", _vi("Visit log"), headers, rows)


def audit_table(rows: list[dict], action_label) -> Table:
    """The audit log's rows (audit.entries), newest first; times in UTC, as stored; `action_label` gives an action's
    Vietnamese label."""
    return Table("audit", _vi("Audit log"),
                 [_vi("Time") + " (UTC)", _vi("User"), _vi("Role"), _vi("Action"), _vi("Done to"), _vi("Detail"),
                  _vi("IP address"), _vi("Tablet")],
                 [[r["at"].strftime("%Y-%m-%d %H:%M:%S"), r["username"] or "", r["role"] or "",
                   action_label(r["action"]), r["target"] or "", audit.detail_text(r["detail"]), r["address"] or "",
                   r["device_id"] or ""] for r in rows])


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


def xlsx(sheets: list[Table]) -> bytes:
    """A workbook with one sheet per table, headers in bold, the header row frozen."""
    # Imported here: openpyxl costs every server worker 13 MB, and only exports use it.
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for table in sheets:
        sheet = book.create_sheet(table.title[:31])
        sheet.append(table.headers)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append([_inert(v) for v in row])
        sheet.freeze_panes = "A2"
        for column, header in zip(sheet.columns, table.headers):
            sheet.column_dimensions[column[0].column_letter].width = max(12, min(len(header) + 2, 40))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(table: Table) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel shows the Vietnamese letters right."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.headers)
    writer.writerows([_inert(v) for v in row] for row in table.rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")
