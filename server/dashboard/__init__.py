"""The leaders' web dashboard: pages served with a session cookie, CSRF-checked forms, no script, no CDN."""
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, g

from . import i18n, security

bp = Blueprint("dashboard", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static/dashboard")
bp.before_request(security.check_csrf)
bp.after_request(security.set_headers)


@bp.context_processor
def _template_helpers() -> dict:
    return {"_": i18n.gettext, "lang": i18n.current(), "csrf_token": security.csrf_token,
            "topic_label": i18n.topic_label, "role_label": i18n.role_label, "status_label": i18n.status_label,
            "outcome_label": i18n.outcome_label,
            "fmt_number": i18n.number, "fmt_percent": i18n.percent,
            "user": g.get("user"), "local": _local, "day": _day}


def _local(moment) -> str:
    """A stored UTC instant as the commune's local time, to the minute."""
    return moment.astimezone(ZoneInfo(current_app.config["TIMEZONE"])).strftime("%d/%m/%Y %H:%M")


def _day(value) -> str:
    """A date as Vietnamese readers write it: dd/mm/yyyy."""
    return value.strftime("%d/%m/%Y") if value else ""


from . import audit_page, imports, manage, pages, views  # noqa: E402,F401  (routes register on bp)
from . import areas_page  # noqa: E402,F401
from . import connect  # noqa: E402,F401  (the tablets' QR code page)
from . import map_page  # noqa: E402,F401
