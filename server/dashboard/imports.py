"""The import page: an admin uploads a commune's household list; the worker imports it (admin/import_jobs.py) and
the job's page shows its progress, refreshing itself without script (a Refresh header), then its row-level report.

Only this route takes a body up to IMPORT_MAX_BYTES (plus the form's other fields); every other keeps
MAX_CONTENT_LENGTH. A larger upload is answered with the form and the limit, before its body is read.
"""
from flask import abort, current_app, g, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge

from .. import access
from ..admin import import_jobs, importer
from ..admin.uploads import MB, Refused
from ..errors import http_error
from ..extensions import db
from ..inputs import id_or_none
from ..models import ImportJob
from . import bp, exports, i18n, service
from .pages import CSV, XLSX, download

FORM_BYTES = 64 * 1024
"""Room for the form's other fields beside the file."""
REFRESH_SECONDS = 2
RECENT_JOBS = 10


@bp.before_app_request
def _import_body_limit():
    # Runs before the CSRF check reads the form: the limit must be set before the body is parsed.
    if request.endpoint == "dashboard.import_households" and request.method == "POST":
        request.max_content_length = current_app.config["IMPORT_MAX_BYTES"] + FORM_BYTES


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error):
    if request.endpoint != "dashboard.import_households" or g.get("user") is None:
        return http_error(error)
    return _form(problem=_too_large_problem(), status=413)


def _too_large_problem() -> str:
    return i18n.gettext("The file is larger than {limit} MB.", limit=current_app.config["IMPORT_MAX_BYTES"] // MB)


def _form(problem: str | None = None, chosen: int | None = None, status: int = 200):
    communes = service.communes_of(g.user)
    ids = [c.id for c in communes]
    jobs = list(db.session.execute(select(ImportJob).where(ImportJob.commune_id.in_(ids))
                                   .order_by(ImportJob.id.desc()).limit(RECENT_JOBS)).scalars()) if ids else []
    return render_template("dashboard/import.html", communes=communes, chosen=chosen, problem=problem, jobs=jobs,
                           names={c.id: c.name for c in communes},
                           limit_mb=current_app.config["IMPORT_MAX_BYTES"] // MB,
                           max_rows=current_app.config["IMPORT_MAX_ROWS"]), status


@bp.route("/import", methods=["GET", "POST"])
@access.session("admin")
def import_households():
    """The upload form and the latest jobs; a good upload becomes a job, and the browser goes to its page."""
    chosen = id_or_none(request.form.get("commune"))
    if request.method == "GET":
        return _form()
    if chosen not in {c.id for c in service.communes_of(g.user)}:
        abort(400)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _form(problem=i18n.gettext("Choose a file."), chosen=chosen, status=400)
    try:
        job = import_jobs.create(upload.stream, chosen, request.form.get("skip_bad") == "1", g.user.id)
    except Refused as refusal:
        db.session.rollback()
        return _form(problem=i18n.gettext(refusal.problem.message, **refusal.problem.values), chosen=chosen,
                     status=400)
    return redirect(url_for("dashboard.import_job", job_id=job.id), code=303)


@bp.route("/import/jobs/<int:job_id>")
@access.session("admin")
def import_job(job_id: int):
    """One job: its progress while it runs (the page reloads itself), its counts and row errors once done."""
    job = db.session.get(ImportJob, job_id)
    if job is None or not service.may_open(g.user, job.commune_id):
        abort(404)
    commune = service.area(job.commune_id, "commune")
    failure = job.failure and i18n.gettext(job.failure["message"], **(job.failure.get("values") or {}))
    page = render_template("dashboard/import_job.html", job=job, commune_name=commune.name if commune else "",
                           failure=failure, percent=_percent(job),
                           reasons=[(line, column, i18n.gettext(message, **(values or {})))
                                    for line, column, message, values in job.errors or []])
    headers = {} if job.state in import_jobs.FINISHED else {"Refresh": str(REFRESH_SECONDS)}
    return page, 200, headers


def _percent(job: ImportJob) -> int:
    if job.state == "done":
        return 100
    return int(100 * job.rows_done / job.rows_total) if job.rows_total else 0


@bp.route("/import/template.<fmt>")
@access.session("admin")
def import_template(fmt: str):
    """A household list to fill in, XLSX or CSV: the Vietnamese headers the importer reads and one example household
    of two members, in a village of the commune asked for (else the first one), so that it imports as it is."""
    if fmt not in ("csv", "xlsx"):
        abort(404)
    communes = service.communes_of(g.user)
    wanted = id_or_none(request.args.get("commune"))
    commune = next((c for c in communes if c.id == wanted), communes[0] if communes else None)
    villages = service.villages_of(commune.id) if commune else []
    table = exports.Table("template", "Danh sách hộ",
                          [exports.count(h, None) if h == "Năm sinh" else exports.Column(h)
                           for h in importer.TEMPLATE_HEADERS],
                          importer.template_rows(villages[0].name if villages else "Thôn 1"))
    data = exports.xlsx([table]) if fmt == "xlsx" else exports.csv_bytes(table)
    return download(data, XLSX if fmt == "xlsx" else CSV, ["Mẫu danh sách hộ", commune.name if commune else None])


@bp.route("/import/jobs/<int:job_id>/errors.<fmt>")
@access.session("admin")
def import_errors(job_id: int, fmt: str):
    """A finished job's row errors (those kept: the first MAX_ERRORS_KEPT), to fix the file line by line."""
    job = db.session.get(ImportJob, job_id)
    if fmt not in ("csv", "xlsx") or job is None or not service.may_open(g.user, job.commune_id):
        abort(404)
    vi = lambda text: i18n.VI.get(text, text)  # noqa: E731  (exports are in Vietnamese, like every other)
    table = exports.Table("import-errors", vi("Row errors"),
                          [exports.count(vi("Line"), None), exports.Column(vi("Column")), exports.Column(vi("Reason"))],
                          [[line, column, vi(message).format(**(values or {}))]
                           for line, column, message, values in job.errors or []])
    exports.audited(job.commune_id, [table], fmt, personal=False, filters={"job": str(job.id)})
    commune = service.area(job.commune_id, "commune")
    parts = ["doorstep", commune.name if commune else None, vi("Row errors"), str(job.id)]
    data = exports.xlsx([table]) if fmt == "xlsx" else exports.csv_bytes(table)
    return download(data, XLSX if fmt == "xlsx" else CSV, parts)
