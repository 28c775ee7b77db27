"""The "Connect a tablet" page: the QR code a tablet scans at its first start to know its server (and the pinned
certificate, when there is one), with the same address written out for typing.

The code holds shared/pairing.py's payload. The address is TABLET_SERVER_URL (DOORSTEP_PUBLIC_URL) when set, else
the one this page was reached at; the pin is TABLET_CERT_SHA256 (DOORSTEP_CERT_SHA256). The QR code is SVG drawn
here (segno), inline like the charts: no script, nothing fetched from elsewhere.
"""
from flask import current_app, render_template, request

from shared import pairing

from .. import access
from . import bp
from .views import DASHBOARD_ROLES


def tablet_payload() -> str:
    """The QR code's text for this server (ValueError when the configured address or pin is not valid)."""
    server = current_app.config.get("TABLET_SERVER_URL") or request.host_url
    return pairing.payload(server, current_app.config.get("TABLET_CERT_SHA256"))


def qr_svg(text: str) -> str:
    """`text` as an inline SVG QR code, big enough for a tablet's camera held at arm's length from a screen."""
    import segno
    return segno.make(text, error="m").svg_inline(scale=8, border=4, light="#fff", svgclass="qr", title="QR")


@bp.route("/tablets/connect")
@access.session(*DASHBOARD_ROLES)
def tablet_connect():
    try:
        text = tablet_payload()
    except ValueError:  # DOORSTEP_PUBLIC_URL or DOORSTEP_CERT_SHA256 mistyped: say so rather than fail
        return render_template("dashboard/tablet_connect.html", qr=None, server=None, pin=None, plain_http=False,
                               broken=True)
    found = pairing.parse(text)
    return render_template("dashboard/tablet_connect.html", qr=qr_svg(text), server=found["server"],
                           pin=found["pin"], plain_http=found["server"].startswith("http://"), broken=False)
