"""Coverage figures, work lists and targets.

Who may read: a leader, of its own commune and that commune's villages; an admin, of any area. Officials get 403:
the figures are the leaders' view, and an official's own work list lives on the tablet, from its pulled villages.
An admin's work lists come without addresses and names (personal.py).
"""
from flask import current_app, g
from flask_smorest import Blueprint

from shared.schemas import (CoverageArgsSchema, CoverageSchema, FollowUpSchema, NeverReachedSchema,
                            TargetsArgsSchema, TargetsSchema, WorkListArgsSchema)

from .. import access, audit, personal
from ..errors import ApiError
from ..extensions import db
from ..ledger import Scope
from . import service

blp = Blueprint("stats", __name__, url_prefix="/stats", description="Household and resident coverage.")


def _allowed(area_id: int, field: str = "area"):
    """The area if the caller may read it: 404 when there is none, 403 when it is outside the caller's commune."""
    try:
        area = service.area_of(area_id)
    except service.NotFound:
        raise ApiError(404, "No such area.", {field: ["No such area."]}) from None
    if not Scope.of_commune(g.user).holds_commune(area.commune_id):  # a province's is None: admins only
        raise ApiError(403, "This area is outside your commune.")
    return area


def _call(function, *args, **kwargs):
    try:
        return function(*args, **kwargs)
    except service.Invalid as error:
        raise ApiError(400, "Invalid input.", error.fields) from None
    except service.NotFound:
        raise ApiError(404, "No such area.") from None


def _audited_work_list(name: str, args: dict, rows: list[dict]) -> list[dict]:
    """The work list as the caller may read it, recorded in the audit log (with whether it carried names)."""
    audit.record("api_work_list", target=f"area:{args['area']}", list=name, village=args["village"],
                 personal=personal.sees_personal(g.user), rows=len(rows))
    db.session.commit()
    return personal.work_list(g.user, rows)


@blp.route("/coverage", methods=["GET"])
@access.token("leader", "admin")
@blp.arguments(CoverageArgsSchema, location="query")
@blp.response(200, CoverageSchema)
def coverage(args):
    """Coverage of a province, commune or village: households reached and done per topic, officials, weeks."""
    _allowed(args["area"])
    return _call(service.coverage, args["area"], args["from_"], args["to"], args["village"], args["topic"],
                 args["official"], tz=current_app.config["TIMEZONE"])


@blp.route("/never-reached", methods=["GET"])
@access.token("leader", "admin")
@blp.arguments(WorkListArgsSchema, location="query")
@blp.response(200, NeverReachedSchema(many=True))
def never_reached(args):
    """Households of a commune or village that no visit has met yet: the work list (no names for an admin)."""
    _allowed(args["area"])
    rows = _call(service.never_reached, args["area"], args["village"], limit=args["limit"])
    return _audited_work_list("never_reached", args, rows)


@blp.route("/follow-ups", methods=["GET"])
@access.token("leader", "admin")
@blp.arguments(WorkListArgsSchema, location="query")
@blp.response(200, FollowUpSchema(many=True))
def follow_ups(args):
    """Open follow-ups of a commune or village, soonest due first (no names for an admin)."""
    _allowed(args["area"])
    rows = _call(service.follow_ups, args["area"], args["village"], args["official"], args["overdue"],
                 tz=current_app.config["TIMEZONE"], limit=args["limit"])
    return _audited_work_list("follow_ups", args, rows)


@blp.route("/targets", methods=["GET"])
@access.token("leader", "admin")
@blp.arguments(TargetsArgsSchema, location="query")
@blp.response(200, TargetsSchema)
def get_targets(args):
    """The commune's target percent of households per topic."""
    _allowed(args["commune"], "commune")
    return {"commune_id": args["commune"], "targets": _call(service.get_targets, args["commune"])}


@blp.route("/targets", methods=["PUT"])
@access.token("leader", "admin")
@blp.arguments(TargetsArgsSchema, location="query")
@blp.arguments(TargetsSchema)
@blp.response(200, TargetsSchema)
def put_targets(args, body):
    """Set the commune's targets given in the body (null removes one); the others stay as they are."""
    _allowed(args["commune"], "commune")
    for topic, percent in body["targets"].items():
        _call(service.set_target, args["commune"], topic, percent, by_user_id=g.user.id, commit=False)
    db.session.commit()
    # Through _call: with no target in the body nothing above has checked that the area is a commune.
    return {"commune_id": args["commune"], "targets": _call(service.get_targets, args["commune"])}
