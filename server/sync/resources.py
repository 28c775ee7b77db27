"""Push local changes, pull the caller's scope."""
import orjson
from flask import current_app, g, request
from flask_smorest import Blueprint
from marshmallow import missing
from webargs.flaskparser import FlaskParser, is_json_request

from shared import MIN_SCHEMA_VERSION
from shared.schemas import PullArgsSchema, PullPageSchema, PushReplySchema, PushSchema

from .. import access, audit, personal
from ..errors import ApiError
from ..identity import hooks as identity
from ..ledger import Scope
from . import pull as pulling, push as pushing

blp = Blueprint("sync", __name__, url_prefix="/sync", description="The sync contract (docs/protocol.md).")


class _Parser(FlaskParser):
    """webargs' parser, with JSON bodies read by orjson: a batch of 100 visits parses four times faster."""

    def _raw_load_json(self, req):
        body = req.get_data(cache=True)
        if not is_json_request(req) or not body:
            return missing  # as webargs does: no body is no data
        return orjson.loads(body)  # its errors are json.JSONDecodeError, which webargs turns into a 400


blp.ARGUMENTS_PARSER = _Parser()

# Instances: given a class, webargs builds a schema (deep-copying its fields) for every request.
PUSH_ARGS, PULL_ARGS = PushSchema(), PullArgsSchema()


@blp.before_request
def _readable_schema():
    """An app whose X-Schema-Version the server can no longer read is told to update (426) before its request is read."""
    claimed = request.headers.get("X-Schema-Version", "")
    if claimed.isascii() and claimed.isdigit() and int(claimed) < MIN_SCHEMA_VERSION:
        raise ApiError(426, "This app is too old: update it.", {"X-Schema-Version": ["No longer supported."]})


def _json(payload: dict):
    """The reply as prebuilt JSON: the schemas of @blp.response document it, but dumping a page of 1,000 records
    through them took longer than reading the page from the database."""
    return current_app.response_class(orjson.dumps(payload, option=orjson.OPT_NON_STR_KEYS),
                                      mimetype="application/json")


@blp.route("/push", methods=["POST"])
@access.token("official", "leader", "admin")
@blp.arguments(PUSH_ARGS)
@blp.response(200, PushReplySchema)
def push(batch):
    """Apply a batch of changes in one transaction; each change gets its own status.

    An admin's reply carries no `current`: admins read no personal data (server/personal.py).
    """
    if batch["schema_version"] < MIN_SCHEMA_VERSION:
        raise ApiError(426, "This app is too old: update it.", {"schema_version": ["No longer supported."]})
    # Before the push commits: after it, reading the role would load the user again.
    sees_personal = personal.sees_personal(g.user)
    receipt = pushing.push(g.user, g.device, Scope.of(g.user), batch)
    if sees_personal:  # the receipt's text is the reply: not parsed and written again
        return current_app.response_class(receipt, mimetype="application/json")
    return _json(personal.without_current(orjson.loads(receipt)))


@blp.route("/pull", methods=["GET"])
@access.token(*personal.WORKERS)
@blp.arguments(PULL_ARGS, location="query")
@blp.response(200, PullPageSchema)
def pull(args):
    """One page of changes in the caller's scope after the cursor `since`.

    Officials and leaders only: an admin gets 403, as admins read no personal data (server/personal.py).
    """
    identity.renew_if_ahead(args["since"])
    if args["since"] == 0:  # a tablet downloads its whole scope, names and phones: audited, in the pull's commit
        audit.record("pull_from_zero", limit=args["limit"])
    try:
        claimed = request.headers.get("X-Schema-Version", "")
        older = claimed.isascii() and claimed.isdigit() and int(claimed) < 2
        page = pulling.pull(g.device, Scope.of(g.user), args["since"], args["limit"], older)
        # Written as JSON by the database already (sync/page.py).
        return current_app.response_class(page, mimetype="application/json")
    except pulling.ResetRequired:
        raise ApiError(410, "Your data must be downloaded again.", code="reset_required")
