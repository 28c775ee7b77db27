"""Management pages: a commune's officials and their tablets, and conflicts to review (imports: imports.py)."""
from flask import abort, current_app, flash, g, redirect, render_template, request, url_for

from shared.ids import is_canonical
from shared.sorting import name_key

from .. import access, audit
from ..admin.service import AdminError, create_user, set_villages
from ..auth.service import PasswordRefused, reset_password, revoke_device, set_active
from ..extensions import db
from ..inputs import id_or_none
from ..models import Device
from . import bp, i18n, service
from .views import DASHBOARD_ROLES, commune_or_403


def _managed_or_404(user_id: int):
    user = service.managed_user(g.user, user_id)
    if user is None:
        abort(404)
    return user


def _village_ids(commune_id: int) -> list[int]:
    """The ticked villages of a form, kept to the commune's own."""
    allowed = {v.id for v in service.villages_of(commune_id)}
    return [v for v in map(id_or_none, request.form.getlist("village")) if v in allowed]


@bp.route("/communes/<int:commune_id>/officials", methods=["GET", "POST"])
@access.session(*DASHBOARD_ROLES)
def officials(commune_id: int):
    """The commune's officials with their villages and tablets, and the form that creates one."""
    commune = commune_or_403(commune_id)
    if request.method == "POST":
        role = request.form.get("role", "official")
        if role not in service.manageable_roles(g.user):
            abort(403)
        try:
            create_user(request.form.get("username", "").strip(), request.form.get("full_name", "").strip(), role,
                        request.form.get("password", ""), commune_id, _village_ids(commune_id), by_user_id=g.user.id)
        except AdminError as err:
            db.session.rollback()
            flash(i18n.gettext(err.message, **err.values), "error")
        except PasswordRefused as refused:
            db.session.rollback()
            flash(i18n.gettext(refused.message, **refused.values), "error")
        else:
            flash(i18n.gettext("The official was created."), "ok")
            return redirect(url_for("dashboard.officials", commune_id=commune_id))
    staff = service.staff_of(g.user, commune_id)
    return render_template("dashboard/officials.html", commune=commune, staff=staff,
                           devices={u.id: service.devices_of(u.id) for u in staff},
                           villages=service.villages_of(commune_id), roles=service.manageable_roles(g.user),
                           is_stale=service.is_stale, form=request.form)


@bp.route("/users/<int:user_id>")
@access.session(*DASHBOARD_ROLES)
def user(user_id: int):
    person = _managed_or_404(user_id)
    return render_template("dashboard/user.html", person=person, commune=service.area(person.commune_id, "commune"),
                           devices=service.devices_of(person.id),
                           villages=service.villages_of(person.commune_id), assigned={v.id for v in person.villages},
                           is_stale=service.is_stale)


@bp.route("/users/<int:user_id>/villages", methods=["POST"])
@access.session(*DASHBOARD_ROLES)
def user_villages(user_id: int):
    person = _managed_or_404(user_id)
    set_villages(person, _village_ids(person.commune_id))
    db.session.commit()
    flash(i18n.gettext("Saved."), "ok")
    return redirect(url_for("dashboard.user", user_id=user_id))


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@access.session(*DASHBOARD_ROLES)
def user_password(user_id: int):
    person = _managed_or_404(user_id)
    try:
        reset_password(person, request.form.get("password", ""), by_user_id=g.user.id)
    except PasswordRefused as refused:
        flash(i18n.gettext(refused.message, **refused.values), "error")
    else:
        flash(i18n.gettext("The password was reset; the official's other sessions have ended."), "ok")
    return redirect(url_for("dashboard.user", user_id=user_id))


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@access.session(*DASHBOARD_ROLES)
def user_active(user_id: int):
    person = _managed_or_404(user_id)
    set_active(person, request.form.get("active") == "1", by_user_id=g.user.id)
    flash(i18n.gettext("Saved."), "ok")
    return redirect(url_for("dashboard.user", user_id=user_id))


@bp.route("/devices/<device_id>/revoke", methods=["GET", "POST"])
@access.session(*DASHBOARD_ROLES)
def device_revoke(device_id: str):
    """Revoke a lost tablet (GET asks first): at its next connection it is told to erase every record of the commune
    it holds, unsent changes included, and it can send or receive nothing more until it has."""
    device = db.session.get(Device, device_id) if is_canonical(device_id) else None
    person = service.managed_user(g.user, device.user_id) if device is not None else None
    if person is None:
        abort(404)
    if request.method == "GET":
        return render_template("dashboard/revoke.html", device=device, person=person,
                               commune=service.area(person.commune_id, "commune"))
    revoke_device(device, by_user_id=g.user.id)
    flash(i18n.gettext("The tablet was revoked: it erases its data at its next connection."), "ok")
    return redirect(url_for("dashboard.user", user_id=device.user_id))


@bp.route("/communes/<int:commune_id>/conflicts", methods=["GET", "POST"])
@access.session("leader")
def conflicts(commune_id: int):
    """Values that two tablets changed at once: the kept one beside the lost one; the leader picks."""
    commune = commune_or_403(commune_id)
    if request.method == "POST":
        conflict_id = id_or_none(request.form.get("conflict"))
        try:
            if conflict_id is None:
                raise service.DashboardError("no such conflict")
            service.resolve_conflict(commune_id, conflict_id, request.form.get("pick", ""), by_user_id=g.user.id)
        except service.DashboardError as err:
            db.session.rollback()
            flash(i18n.gettext(str(err)), "error")
        else:
            flash(i18n.gettext("The conflict was resolved."), "ok")
        return redirect(url_for("dashboard.conflicts", commune_id=commune_id))
    items = service.open_conflicts(commune_id)
    if items:  # the kept and lost values are names, phones and addresses
        audit.record("view_conflicts", target=f"commune:{commune_id}", rows=len(items))
        db.session.commit()
    return render_template("dashboard/conflicts.html", commune=commune, items=items,
                           odd=service.odd_dates(commune_id, current_app.config["TIMEZONE"]))


@bp.route("/communes/<int:commune_id>/households/<household_id>")
@access.session("leader")
def household(commune_id: int, household_id: str):
    """One household as the leader checks it from a conflict card: its head, address, residents and visits."""
    commune = commune_or_403(commune_id)
    found = service.household(commune_id, household_id) if is_canonical(household_id) else None
    if found is None:
        abort(404)
    audit.record("view_household", target=f"household:{found.id}", commune=commune_id)
    db.session.commit()
    residents = sorted((r for r in found.residents if not r.deleted), key=lambda r: (name_key(r.full_name), r.id))
    return render_template("dashboard/household.html", commune=commune, household=found, residents=residents,
                           village=service.area(found.village_id, "village"),
                           visits=service.household_visits(found.id, current_app.config["TIMEZONE"]))
