"""Read households, residents and visits in the caller's scope: officials and leaders only (personal.py)."""
from flask import g
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from shared.schemas import MAX_ID

from .. import access, audit, personal
from ..extensions import db
from ..ledger import Scope
from . import service

blp = Blueprint("records", __name__, url_prefix="", description="Paginated reads in the caller's scope, for officials "
                "and leaders: an admin gets 403 (admins read aggregates, in /stats).")


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(1, MAX_ID))
    per_page = fields.Integer(load_default=100, validate=validate.Range(1, 1000))
    village_id = fields.Integer(load_default=None, validate=validate.Range(1, MAX_ID))


class PageSchema(Schema):
    items = fields.List(fields.Dict())
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


def _page(table: str, args: dict) -> dict:
    """One page of `table`, recorded in the audit log: each page of names served to a token is."""
    page = service.page(table, Scope.of(g.user), args["page"], args["per_page"], args["village_id"])
    audit.record("api_records", table=table, page=args["page"], per_page=args["per_page"],
                 village=args["village_id"], rows=len(page["items"]))
    db.session.commit()
    return page


@blp.route("/households", methods=["GET"])
@access.token(*personal.WORKERS)
@blp.arguments(PageArgs, location="query")
@blp.response(200, PageSchema)
def households(args):
    """Households in the caller's scope.

    Officials and leaders only: an admin gets 403, as admins read no personal data (server/personal.py).
    """
    return _page("households", args)


@blp.route("/residents", methods=["GET"])
@access.token(*personal.WORKERS)
@blp.arguments(PageArgs, location="query")
@blp.response(200, PageSchema)
def residents(args):
    """Residents in the caller's scope.

    Officials and leaders only: an admin gets 403, as admins read no personal data (server/personal.py).
    """
    return _page("residents", args)


@blp.route("/visits", methods=["GET"])
@access.token(*personal.WORKERS)
@blp.arguments(PageArgs, location="query")
@blp.response(200, PageSchema)
def visits(args):
    """Visits in the caller's scope, voided ones left out.

    Officials and leaders only: an admin gets 403 (notes may name residents).
    """
    return _page("visits", args)
