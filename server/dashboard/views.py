"""Dashboard pages (placeholder until the dashboard issue lands)."""
from .. import access
from . import bp


@bp.route("/login")
@access.public
def login():
    return "Doorstep"
