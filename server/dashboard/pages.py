"""The reading pages: a commune's overview, its work list, its exports and visit log, and the communes compared."""
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Response, abort, current_app, flash, g, redirect, render_template, request, url_for

from shared.sorting import vi_key
from shared.vocab import TOPICS

from .. import access, audit
from ..extensions import db
from ..stats import people, rules, service as stats
from . import bp, charts, exports, filters as filtering, i18n, service
from .views import DASHBOARD_ROLES, commune_or_403

SORTS = ("name", "households_total", "households_reached", "reached_percent", "residents_total")
FOLLOW_UPS_SHOWN = 50
"""Households of the follow-up table per step: "more" (xem thêm) shows as many again."""
FOLLOW_UPS_MAX = 5000
COUNTED_SHOWN = 500
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"


def _filters(commune_id: int) -> filtering.Filters:
    villages = {v.id for v in service.villages_of(commune_id)}
    officials = {u.id for u in service.officials_of(commune_id)}
    return filtering.Filters.parse(request.args, villages, officials)


def _page_filters(commune_id: int) -> filtering.Filters:
    """The filters of a page that shows them: each one of the URL that makes no sense is dropped and said so."""
    chosen = _filters(commune_id)
    for name in chosen.invalid:
        flash(i18n.gettext("Invalid filter ignored: {name}", name=i18n.gettext(filtering.LABELS[name])), "warning")
    return chosen


def _view_args() -> dict:
    """The page's own arguments, to go back to the same view: not url_for's (`_external`, `_scheme`...) nor a
    second `commune_id`, which a crafted URL could slip in."""
    return {k: v for k, v in request.args.items() if k in filtering.NAMES + ("sort", "desc", "shown")}


def _coverage(commune_id: int, chosen: filtering.Filters) -> dict:
    return stats.coverage(commune_id, tz=current_app.config["TIMEZONE"], **chosen.coverage_args())


def _sorted_villages(villages: list[dict]) -> tuple[list[dict], str, bool]:
    """The village rows in the order the URL asks for (`sort`, `desc`): the table sorts without a script."""
    key = request.args.get("sort", "name")
    key = key if key in SORTS else "name"
    descending = request.args.get("desc") == "1"
    if key == "name":
        rows = sorted(villages, key=lambda v: vi_key(v["name"]), reverse=descending)  # Đ after D, "Thôn 9" < "Thôn 10"
    else:
        rows = sorted(villages, key=lambda v: v[key] if v[key] is not None else -1, reverse=descending)
    return rows, key, descending


@bp.route("/communes/<int:commune_id>")
@access.session(*DASHBOARD_ROLES)
def overview(commune_id: int):
    commune = commune_or_403(commune_id)
    chosen = _page_filters(commune_id)
    village_choices, official_choices = service.villages_of(commune_id), service.officials_of(commune_id)
    if chosen.dates_reversed:  # nothing to count: the page says why instead of showing 0%
        return render_template("dashboard/overview.html", commune=commune, filters=chosen, cov=None,
                               village_choices=village_choices, official_choices=official_choices,
                               topics=list(TOPICS))
    cov = _coverage(commune_id, chosen)
    villages, sort, descending = _sorted_villages(cov["villages"])
    trend = charts.trend(cov["weeks"], cov["households_total"], i18n.gettext("Weekly trend"),
                         i18n.gettext("Visits"), i18n.gettext("Cumulative coverage"))
    topic_bars = charts.bars([(i18n.topic_label(t["topic"]), t["percent"] or 0.0, t["target_percent"])
                              for t in cov["topics"]], i18n.gettext("Topics"))
    shown = _shown()
    follow_ups = stats.follow_up_households(commune_id, village_id=chosen.village_id, official_id=chosen.official_id,
                                            tz=current_app.config["TIMEZONE"], limit=shown)
    if follow_ups["rows"] and service.sees_personal(g.user):  # the follow-ups table shows heads' names, addresses
        audit.record("view_follow_ups", target=f"commune:{commune_id}", rows=len(follow_ups["rows"]),
                     filters=chosen.query())
        db.session.commit()
    return render_template("dashboard/overview.html", commune=commune, cov=cov, filters=chosen,
                           villages=villages, sort=sort, descending=descending, trend=trend, topic_bars=topic_bars,
                           village_choices=village_choices, official_choices=official_choices, topics=list(TOPICS),
                           targets=stats.get_targets(commune_id), follow_ups=follow_ups["rows"],
                           follow_ups_total=follow_ups["total"],
                           follow_ups_more=min(shown + FOLLOW_UPS_SHOWN, FOLLOW_UPS_MAX)
                           if follow_ups["total"] > shown and shown < FOLLOW_UPS_MAX else None,
                           village_names={v.id: v.name for v in village_choices},
                           official_names={o.id: o.full_name for o in official_choices},
                           personal=service.sees_personal(g.user))


def _shown() -> int:
    """How many follow-up households the URL asks to show (`shown`, a step of "more" at a time)."""
    raw = request.args.get("shown", "")
    wanted = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 6 else FOLLOW_UPS_SHOWN
    return max(FOLLOW_UPS_SHOWN, min(wanted, FOLLOW_UPS_MAX))


def _refuse_reversed(commune_id: int, filters: filtering.Filters):
    """An export with the from-day after the to-day: back to the overview, which says what is wrong."""
    return redirect(url_for("dashboard.overview", commune_id=commune_id, **filters.query()))


@bp.route("/communes/<int:commune_id>/targets", methods=["POST"])
@access.session(*DASHBOARD_ROLES)
def targets(commune_id: int):
    """Save the commune's targets; an empty field removes that topic's target."""
    commune_or_403(commune_id)
    wanted = {}
    for topic in TOPICS:
        raw = request.form.get(f"target_{topic}", "").strip().replace(",", ".")
        try:
            wanted[topic] = float(raw) if raw else None
        except ValueError:
            wanted[topic] = -1.0  # refused below, like any value outside 0..100
    if any(v is not None and not 0 <= v <= 100 for v in wanted.values()):
        flash(i18n.gettext("A target is a percent between 0 and 100."), "error")
    else:
        for topic, percent in wanted.items():
            stats.set_target(commune_id, topic, percent, by_user_id=g.user.id, commit=False)
        db.session.commit()
        flash(i18n.gettext("Saved."), "ok")
    return redirect(url_for("dashboard.overview", commune_id=commune_id, **_view_args()) + "#targets")


@bp.route("/communes/<int:commune_id>/never-reached")
@access.session(*DASHBOARD_ROLES)
def never_reached(commune_id: int):
    """The work list of households never met, by village, made to be printed and carried."""
    commune = commune_or_403(commune_id)
    village_id = _filters(commune_id).village_id
    printing = request.args.get("print") == "1"
    households = stats.never_reached(commune_id, village_id=village_id)  # in walk order (shared/sorting.py)
    personal = service.sees_personal(g.user)
    audit.record("view_never_reached", target=f"commune:{commune_id}", personal=personal, rows=len(households),
                 village=village_id, **({"print": True} if printing else {}))
    db.session.commit()
    by_village: dict[int, list] = {}
    for household in households:
        by_village.setdefault(household["village_id"], []).append(household)
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    return render_template("dashboard/walk_list.html" if printing else "dashboard/never_reached.html",
                           commune=commune, by_village=by_village, count=len(households), village_id=village_id,
                           village_choices=service.villages_of(commune_id), personal=personal,
                           officials=service.officials_by_village(commune_id),
                           today=datetime.now(zone).date())


@bp.route("/communes/<int:commune_id>/never-reached.<fmt>")
@access.session(*DASHBOARD_ROLES)
def never_reached_export(commune_id: int, fmt: str):
    """The work list of households never met, as on its page (the village filter), in XLSX or CSV."""
    commune = commune_or_403(commune_id)
    if fmt not in ("csv", "xlsx"):
        abort(404)
    filters = _filters(commune_id)
    personal = service.sees_personal(g.user)
    households = stats.never_reached(commune_id, village_id=filters.village_id)
    table = exports.never_reached_table(households, personal, current_app.config["TIMEZONE"])
    exports.audited(commune_id, [table], fmt, personal=personal, filters={"village": filters.village_id})
    village = _village_name(commune_id, filters.village_id)
    return _table_download(table, fmt, exports.filter_parts(commune.name, village))


@bp.route("/communes/<int:commune_id>/follow-ups.<fmt>")
@access.session(*DASHBOARD_ROLES)
def follow_ups_export(commune_id: int, fmt: str):
    """Every household with open follow-ups, as the overview lists them (its village and official filters), in
    XLSX or CSV."""
    commune = commune_or_403(commune_id)
    if fmt not in ("csv", "xlsx"):
        abort(404)
    filters = _filters(commune_id)
    personal = service.sees_personal(g.user)
    found = stats.follow_up_households(commune_id, village_id=filters.village_id, official_id=filters.official_id,
                                       tz=current_app.config["TIMEZONE"])
    villages = {v.id: v.name for v in service.villages_of(commune_id)}
    officials = {o.id: o.full_name for o in service.officials_of(commune_id)}
    table = exports.follow_ups_table(found["rows"], personal, villages, officials)
    exports.audited(commune_id, [table], fmt, personal=personal,
                    filters={"village": filters.village_id, "official": filters.official_id})
    # Only the filters the list follows name the file: it has no dates or topic.
    return _table_download(table, fmt, exports.filter_parts(commune.name, villages.get(filters.village_id), None,
                                                            officials.get(filters.official_id)))


@bp.route("/communes/<int:commune_id>/counted/<topic>")
@access.session(*DASHBOARD_ROLES)
def counted(commune_id: int, topic: str):
    """Who is behind a topic's percentage: the residents of each class (stats/people.py), names for leaders only."""
    commune = commune_or_403(commune_id)
    if topic not in TOPICS:
        abort(404)
    village_id = _filters(commune_id).village_id
    which = request.args.get("which", "missing")
    which = which if which in people.CLASSES else "missing"
    personal = service.sees_personal(g.user)
    found = people.counted(commune_id, topic, village_id=village_id, which=which,
                           limit=COUNTED_SHOWN if personal else 0, tz=current_app.config["TIMEZONE"])
    if personal and found["rows"]:
        audit.record("view_residents", target=f"commune:{commune_id}", commune=commune_id, topic=topic,
                     which=which, village=village_id, rows=len(found["rows"]))
        db.session.commit()
    return render_template("dashboard/counted.html", commune=commune, topic=topic, which=which, found=found,
                           village_id=village_id, village_choices=service.villages_of(commune_id),
                           classes=people.CLASSES, personal=personal, shown=COUNTED_SHOWN)


@bp.route("/communes/<int:commune_id>/counted/<topic>.<fmt>")
@access.session(*DASHBOARD_ROLES)
def counted_export(commune_id: int, topic: str, fmt: str):
    """Every resident of one class of a topic (the page's village filter), in XLSX or CSV: names, so for the roles
    that read them only (403 for the others, whose page shows the counts alone)."""
    commune = commune_or_403(commune_id)
    if topic not in TOPICS or fmt not in ("csv", "xlsx"):
        abort(404)
    if not service.sees_personal(g.user):
        abort(403)
    village_id = _filters(commune_id).village_id
    which = request.args.get("which", "missing")
    which = which if which in people.CLASSES else "missing"
    found = people.counted(commune_id, topic, village_id=village_id, which=which, limit=None,
                           tz=current_app.config["TIMEZONE"])
    table = exports.counted_table(found["rows"], topic, which)
    exports.audited(commune_id, [table], fmt, personal=True, filters={"topic": topic, "which": which,
                                                                     "village": village_id})
    return _table_download(table, fmt, exports.filter_parts(commune.name, _village_name(commune_id, village_id),
                                                            topic))


@bp.route("/topic-rules", methods=["POST"])
@access.session("admin")
def topic_rules():
    """Save the topics' minimum ages (every commune's); an empty field goes back to the default."""
    wanted = {}
    for topic in TOPICS:
        raw = request.form.get(f"min_age_{topic}", "").strip()
        wanted[topic] = int(raw) if raw.isascii() and raw.isdigit() else (None if not raw else -1)
    try:
        for topic, age in wanted.items():
            rules.set_min_age(topic, age, by_user_id=g.user.id, commit=False)
    except rules.Invalid:
        db.session.rollback()
        flash(i18n.gettext("A minimum age is a whole number from 0 to 120."), "error")
    else:
        db.session.commit()
        flash(i18n.gettext("Saved."), "ok")
    return redirect(url_for("dashboard.communes") + "#min-ages")


@bp.route("/communes/<int:commune_id>/export.<fmt>")
@access.session(*DASHBOARD_ROLES)
def export(commune_id: int, fmt: str):
    """The overview's tables with the page's filters: XLSX with a sheet each, or one table (`table`) as CSV."""
    commune = commune_or_403(commune_id)
    if fmt not in ("csv", "xlsx"):
        abort(404)
    filters = _filters(commune_id)
    if filters.dates_reversed:
        return _refuse_reversed(commune_id, filters)
    sheets = exports.tables(_coverage(commune_id, filters), current_app.config["TIMEZONE"])
    chosen = {t.slug: t for t in sheets}.get(request.args.get("table", "villages")) if fmt == "csv" else None
    if fmt == "csv" and chosen is None:
        abort(404)
    exports.audited(commune_id, [chosen] if chosen else sheets, fmt, personal=False, filters=filters.query())
    parts = _name_parts(commune, filters)
    if fmt == "xlsx":
        return download(exports.xlsx(sheets), XLSX, parts)
    return download(exports.csv_bytes(chosen), CSV, parts + [chosen.slug])


@bp.route("/communes/<int:commune_id>/visits.<fmt>")
@access.session(*DASHBOARD_ROLES)
def visit_log(commune_id: int, fmt: str):
    """The visit log with the page's filters; names and addresses only for roles that work with them."""
    commune = commune_or_403(commune_id)
    if fmt not in ("csv", "xlsx"):
        abort(404)
    personal = service.sees_personal(g.user)
    filters = _filters(commune_id)
    if filters.dates_reversed:
        return _refuse_reversed(commune_id, filters)
    entries = service.visit_log(commune_id, filters, current_app.config["TIMEZONE"], personal)
    table = exports.visit_log_table(entries, personal, current_app.config["TIMEZONE"])
    exports.audited(commune_id, [table], fmt, personal=personal, filters=filters.query())
    return _table_download(table, fmt, _name_parts(commune, filters))


def _name_parts(commune, filters: filtering.Filters) -> list:
    """The file name's parts: the commune and the filters, by name."""
    village = _village_name(commune.id, filters.village_id)
    official = next((o.full_name for o in service.officials_of(commune.id) if o.id == filters.official_id), None)
    return exports.filter_parts(commune.name, village, filters.topic, official, filters.date_from, filters.date_to)


def _village_name(commune_id: int, village_id: int | None) -> str | None:
    return next((v.name for v in service.villages_of(commune_id) if v.id == village_id), None)


def _table_download(table: exports.Table, fmt: str, parts: list) -> Response:
    """One table as an XLSX workbook or a CSV file, named from `parts` and the table."""
    data = exports.xlsx([table]) if fmt == "xlsx" else exports.csv_bytes(table)
    return download(data, XLSX if fmt == "xlsx" else CSV, parts + [table.slug])


def download(data: bytes, content_type: str, parts: list) -> Response:
    """An attachment named from `parts` (exports.file_name). The content type is given whole: a `mimetype` of
    text/csv would get a second charset from Werkzeug."""
    ext = "xlsx" if content_type == XLSX else "csv"
    return Response(data, content_type=content_type,
                    headers={"Content-Disposition": exports.disposition(parts, ext)})


@bp.route("/communes")
@access.session("admin")
def communes():
    """The communes of a province side by side (an admin's first page)."""
    provinces = service.provinces()
    if not provinces:
        return render_template("dashboard/communes.html", provinces=[], province=None, cov=None, chart=None)
    wanted = request.args.get("province", type=int)
    province = next((p for p in provinces if p.id == wanted), provinces[0])
    cov = stats.coverage(province.id, tz=current_app.config["TIMEZONE"])
    rows = sorted(cov["communes"], key=lambda c: vi_key(c["name"]))
    chart = charts.bars([(c["name"], c["reached_percent"] or 0.0, None) for c in rows],
                        i18n.gettext("Coverage by commune"))
    return render_template("dashboard/communes.html", provinces=provinces, province=province, cov=cov,
                           rows=rows, chart=chart)
