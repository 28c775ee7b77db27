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
    """Every table of an overview, from the dict of stats.service.coverage."""
    overview = Table("overview", _vi("Overview"), [_vi("Topic"), _vi("Households done"), "% " + _vi("Households"),
                                                   _vi("Residents done"), "% " + _vi("Residents"),
                                                   _vi("Target") + " (%)"],
                     [[_vi("Households reached"), cov["households_reached"], _num(cov["reached_percent"]), "", "", ""]]
                     + [[_topic(t["topic"]), t["households_done"], _num(t["households_percent"]), t["residents_done"],
                         _num(t["residents_percent"]), _num(t["target_percent"])] for t in cov["topics"]]
                     + [[_vi("Households total"), cov["households_total"], "", cov["residents_total"], "", ""]])
    topic_headers = []
    for t in cov["topics"]:
        topic_headers += [f"{_topic(t['topic'])}: {_vi('Households')}", f"{_topic(t['topic'])}: {_vi('Residents')}"]
    villages = Table("villages", _vi("Villages"),
                     [_vi("Village"), _vi("Households total"), _vi("Households reached"), _vi("Percent") + " (%)",
                      _vi("Residents")] + topic_headers,
                     [[v["name"], v["households_total"], v["households_reached"], _num(v["reached_percent"]),
                       v["residents_total"]] + [n for t in v["topics"] for n in (t["households_done"],
                                                                                 t["residents_done"])]
                      for v in cov["villages"]])
    officials = Table("officials", _vi("Officials"),
                      [_vi("Official"), _vi("Visits"), _vi("Households reached"), _vi("Hours"), _vi("Last sync")],
                      [[o["full_name"], o["visits"], o["households"], round(o["minutes"] / 60, 1),
                        o["last_sync_at"].strftime("%Y-%m-%d %H:%M UTC") if o["last_sync_at"] else _vi("never")]
                       for o in cov["officials"]])
    total = cov["households_total"]
    weeks = Table("weeks", _vi("Weekly trend"),
                  [_vi("Week of"), _vi("Visits"), _vi("Households reached (cumulative)"),
                   _vi("Cumulative coverage") + " (%)"],
                  [[w["week"].isoformat(), w["visits"], w["households_reached_cumulative"],
                    round(100 * w["households_reached_cumulative"] / total, 1) if total else ""] for w in cov["weeks"]])
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
