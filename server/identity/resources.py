"""POST /sync/digest: after a restore, a tablet lists what it holds and learns what to send again."""
from flask import g
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from shared.schemas import WireSchema

from .. import access
from ..extensions import db
from . import service

blp = Blueprint("restore", __name__, url_prefix="/sync",
                description="After a restore: what the server lacks of a tablet's records (docs/protocol.md).")
MAX_LISTED = 1000
"""Most records of one table in one digest: a tablet sends a larger store in several digests."""


class HeldSchema(WireSchema):
    """One record a tablet holds: its id, its version and whether it is deleted (a visit: voided)."""
    id = fields.UUID(required=True)
    version = fields.Integer(load_default=0, validate=validate.Range(0, 2**31 - 1))
    deleted = fields.Boolean(load_default=False)


def _listed():
    return fields.List(fields.Nested(HeldSchema), load_default=list, validate=validate.Length(
        max=MAX_LISTED, error=f"At most {MAX_LISTED} records per table."))


class DigestSchema(WireSchema):
    """The records a tablet holds, per table."""
    households = _listed()
    residents = _listed()
    visits = _listed()


class ResendSchema(Schema):
    """One record the tablet must push again, against `base_version` (0: the server lacks it)."""
    table = fields.String(required=True, validate=validate.OneOf(("households", "residents", "visits")))
    id = fields.UUID(required=True)
    base_version = fields.Integer(required=True)


class DigestReplySchema(Schema):
    """This database's identity and the records to push again (an empty list: nothing is missing)."""
    database_id = fields.String(required=True, metadata={"description": "The identity to send as X-Database-Id."})
    resend = fields.List(fields.Nested(ResendSchema), required=True)


@blp.route("/digest", methods=["POST"])
@access.token("official", "leader", "admin")
@blp.arguments(DigestSchema)
@blp.response(200, DigestReplySchema)
def digest(listed):
    """Answer which of the listed records the server lacks or holds older; nothing is written.

    The reply's database_id is the identity the tablet sends from then on. Any record may be listed (the tablet's
    own or pulled): a push of it is then authorised as usual.
    """
    resend = service.digest(listed)
    g.database_id = service.current()
    db.session.rollback()
    return {"database_id": g.database_id, "resend": resend}
