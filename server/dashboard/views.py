"""Logging in and out, the language switch, and the home page that sends each role to its first page."""
import secrets

from flask import abort, current_app, g, make_response, redirect, render_template, request, url_for

from .. import access, audit
from ..auth import sessions, throttle
from ..auth.service import log_in
from ..extensions import db
from ..inputs import has_control
from . import bp, i18n, security, service

DASHBOARD_ROLES = ("leader", "admin")


@bp.route("/login", methods=["GET", "POST"])
@access.public
def login():
    """The login form; officials are refused here too, since they work on the tablet."""
    error = None
    if request.method == "POST":
        username, password = request.form.get("username", "").strip(), request.form.get("password", "")
        if has_control(username) or has_control(password):
            error = "The username or the password holds a character that is not allowed."
            return render_template("dashboard/login.html", error=error), 400
        try:
            user = log_in(username, password, request.remote_addr)
        except throttle.TooManyFailures as refused:
            error = i18n.gettext("Too many failed logins: try again in {minutes} minutes.", minutes=refused.minutes)
            reply = make_response(render_template("dashboard/login.html", error=error), 429)
            reply.headers["Retry-After"] = str(refused.retry_after)
            return reply
        if user is not None and user.role in DASHBOARD_ROLES:
            target = security.safe_next(request.args.get("next"), url_for("dashboard.home"))
            # A new session on the server, with a new id and CSRF token: nothing made before login carries over.
            sessions.begin(user.id, secrets.token_urlsafe(32))
            audit.record("login", by_user_id=user.id, via="dashboard")
            db.session.commit()
            return redirect(target)
        error = ("Officials use the tablet app; this dashboard is for commune leaders and administrators."
                 if user is not None else "Wrong username or password.")
    status = 401 if error else 200
    return render_template("dashboard/login.html", error=error), status


@bp.route("/logout", methods=["POST"])
@access.session(*DASHBOARD_ROLES)
def logout():
    """End the session on the server: the cookie, even copied, opens nothing afterwards."""
    audit.record("logout", via="dashboard")
    sessions.end()  # commits the audit row with the deletion
    return redirect(url_for("dashboard.login"))


@bp.route("/lang/<code>")
@access.public
def language(code: str):
    """Switch the language (a cookie, so that it outlives the session) and go back."""
    if code not in i18n.LANGUAGES:
        abort(404)
    reply = make_response(redirect(security.safe_next(request.args.get("next"), url_for("dashboard.login"))))
    reply.set_cookie(i18n.COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True,
                     secure=current_app.config["SESSION_COOKIE_SECURE"])
    return reply


@bp.route("/")
@access.session(*DASHBOARD_ROLES)
def home():
    if g.user.role == "admin":
        return redirect(url_for("dashboard.communes"))
    return redirect(url_for("dashboard.overview", commune_id=g.user.commune_id))


def commune_or_403(commune_id: int):
    """The commune if the caller may open it; a leader editing the URL to another commune gets 403."""
    if not service.may_open(g.user, commune_id):
        abort(403)
    commune = service.area(commune_id, "commune")
    if commune is None:
        abort(404)
    return commune
