"""Areas for admins: each commune's villages with their households and officials, renamed, merged or retired."""
from flask import abort, flash, g, redirect, render_template, request, url_for

from .. import access
from ..admin import areas
from ..admin.service import AdminError
from ..extensions import db
from ..inputs import id_or_none
from shared.sorting import vi_key
from . import bp, i18n, service


@bp.route("/areas")
@access.session("admin")
def areas_list():
    """The communes, and the chosen commune's villages with what each holds."""
    communes = sorted(service.communes_of(g.user), key=lambda c: vi_key(c.name))
    chosen = id_or_none(request.args.get("commune"))
    commune = next((c for c in communes if c.id == chosen), communes[0] if communes else None)
    villages = []
    if commune is not None:
        villages = sorted((row for row in areas.list_areas(commune.id) if row["level"] == "village"),
                          key=lambda row: vi_key(row["name"]))
    return render_template("dashboard/areas.html", communes=communes, commune=commune, villages=villages)


@bp.route("/areas/<int:area_id>/<action>", methods=["POST"])
@access.session("admin")
def area_change(area_id: int, action: str):
    """Rename, merge or retire an area; back to its commune's list with what happened."""
    commune = id_or_none(request.form.get("commune"))
    try:
        if action == "rename":
            areas.rename(area_id, request.form.get("name", ""), by_user_id=g.user.id)
            flash(i18n.gettext("The area was renamed."), "ok")
        elif action == "merge":
            into = id_or_none(request.form.get("into"))
            moved = areas.merge(area_id, into or 0, by_user_id=g.user.id)
            flash(i18n.gettext("The villages were merged: {count} households moved.", count=moved), "ok")
        elif action == "retire":
            areas.retire(area_id, by_user_id=g.user.id)
            flash(i18n.gettext("The area was retired."), "ok")
        else:
            abort(404)
    except AdminError as err:
        db.session.rollback()
        flash(i18n.gettext(str(err)), "error")
    return redirect(url_for("dashboard.areas_list", commune=commune))
