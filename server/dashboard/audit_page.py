"""The audit log for admins: who read or exported personal data, and who changed what; filtered, paged, exported.

Leaders and officials may not open it (403): it names every user's reads. It never shows personal data, since the
log holds none (server/audit.py).
"""
from datetime import date

from flask import abort, current_app, redirect, render_template, request, url_for

from .. import access, audit
from ..inputs import id_or_none
from . import bp, exports, i18n
from .pages import XLSX, _download

PER_PAGE = 50
EXPORT_MAX = 100_000
"""Rows in one export at most (the newest): a year of a province's reads; narrow the filters for more."""
ACTION_LABELS = {
    "view_never_reached": "Viewed the households never reached",
    "view_follow_ups": "Viewed the follow-ups",
    "view_conflicts": "Viewed the conflicts",
    "export": "Exported a table",
    "export_audit": "Exported the audit log",
    "api_records": "Read records on the API",
    "api_work_list": "Read a work list on the API",
    "pull_from_zero": "Downloaded a tablet's whole scope",
    "create_user": "Created a user",
    "set_target": "Set a target",
    "reset_password": "Reset a password",
    "password_reset": "Reset a password",
    "resolve_conflict": "Resolved a conflict",
    "import_households": "Imported households",
    "import_started": "Started an import",
    "import_finished": "Finished an import",
    "login": "Logged in",
    "logout": "Logged out",
    "revoke_device": "Revoked a tablet",
    "device_revoked": "Revoked a tablet",
    "device_erased": "A tablet erased its data",
    "set_active": "Enabled or disabled a user",
    "user_disabled": "Disabled a user",
    "user_enabled": "Enabled a user",
    "role_changed": "Changed a role",
    "view_residents": "Viewed who is counted for a topic",
    "set_min_age": "Set a topic's minimum age",
    "rename_area": "Renamed an area",
    "merge_area": "Merged a village into another",
    "retire_area": "Retired an area",
    "view_map": "Viewed the coverage map",
    "view_household": "Viewed a household",
}


def _reversed(query: audit.Query) -> bool:
    """The from-day is after the to-day: no entry can match."""
    return bool(query.date_from and query.date_to and query.date_from > query.date_to)


def action_label(action: str) -> str:
    return i18n.gettext(ACTION_LABELS[action]) if action in ACTION_LABELS else action


def _query() -> tuple[audit.Query, dict]:
    """The page's filters from the URL (a value that makes no sense is dropped), and the URL arguments kept."""
    action = request.args.get("action") or None
    if action not in audit.actions_in_log():
        action = None
    user_id = id_or_none(request.args.get("user"))
    days = []
    for name in ("from", "to"):
        try:
            days.append(date.fromisoformat(request.args.get(name) or ""))
        except ValueError:
            days.append(None)
    query = audit.Query(action, user_id, *days)
    kept = {"action": action, "user": user_id, "from": days[0], "to": days[1]}
    return query, {k: str(v) for k, v in kept.items() if v is not None}


@bp.route("/audit")
@access.session("admin")
def audit_log():
    """The log, newest first, a page at a time."""
    query, kept = _query()
    page = max(1, min(id_or_none(request.args.get("page")) or 1, 1_000_000))
    if _reversed(query):  # the page says so instead of "0 entries"
        return render_template("dashboard/audit.html", rows=[], total=0, page=1, pages=1, kept=kept, query=query,
                               actions=audit.actions_in_log(), users=audit.users_in_log(), action_label=action_label,
                               detail_text=audit.detail_text, dates_reversed=True)
    rows, total = audit.entries(query, current_app.config["TIMEZONE"], (page - 1) * PER_PAGE, PER_PAGE)
    pages = max(1, -(-total // PER_PAGE))
    return render_template("dashboard/audit.html", rows=rows, total=total, page=page, pages=pages, kept=kept,
                           query=query, actions=audit.actions_in_log(), users=audit.users_in_log(),
                           action_label=action_label, detail_text=audit.detail_text)


@bp.route("/audit.<fmt>")
@access.session("admin")
def audit_export(fmt: str):
    """The log with the page's filters, as XLSX or CSV."""
    if fmt not in ("csv", "xlsx"):
        abort(404)
    query, kept = _query()
    if _reversed(query):
        return redirect(url_for("dashboard.audit_log", **kept))
    rows, _ = audit.entries(query, current_app.config["TIMEZONE"], 0, EXPORT_MAX)
    table = exports.audit_table(rows, lambda action: i18n.VI.get(ACTION_LABELS.get(action, ""), action))
    exports.audited(None, [table], fmt, personal=False, filters=kept)
    if fmt == "xlsx":
        return _download(exports.xlsx([table]), XLSX, "doorstep-audit.xlsx")
    return _download(exports.csv_bytes(table), "text/csv; charset=utf-8", "doorstep-audit.csv")
