"""Push local changes, pull the caller's scope."""
from flask import g
from flask_smorest import Blueprint

from shared import MIN_SCHEMA_VERSION
from shared.schemas import PullArgsSchema, PullPageSchema, PushReplySchema, PushSchema

from .. import access
from ..auth.service import scope_of
from ..errors import ApiError
from . import service

blp = Blueprint("sync", __name__, url_prefix="/sync", description="The sync contract of DESIGN.md.")


@blp.route("/push", methods=["POST"])
@access.token("official", "leader", "admin")
@blp.arguments(PushSchema)
@blp.response(200, PushReplySchema)
def push(batch):
    """Apply a batch of changes in one transaction; each change gets its own status."""
    if batch["schema_version"] < MIN_SCHEMA_VERSION:
        raise ApiError(426, "This app is too old: update it.", {"schema_version": ["No longer supported."]})
    return service.push(g.user, g.device, scope_of(g.user), batch)


@blp.route("/pull", methods=["GET"])
@access.token("official", "leader", "admin")
@blp.arguments(PullArgsSchema, location="query")
@blp.response(200, PullPageSchema)
def pull(args):
    """One page of changes in the caller's scope after the cursor `since`."""
    try:
        return service.pull(g.device, scope_of(g.user), args["since"], args["limit"])
    except service.ResetRequired:
        raise ApiError(410, "Your data must be downloaded again.", code="reset_required")
