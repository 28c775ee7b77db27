"""The leaders' web dashboard: pages served with a session cookie."""
from flask import Blueprint

bp = Blueprint("dashboard", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static/dashboard")

from . import views  # noqa: E402,F401  (routes register on bp)
