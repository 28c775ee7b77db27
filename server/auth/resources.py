"""Log in and out of a device."""
from flask import g, request
from flask_smorest import Blueprint

from shared.schemas import LoginReplySchema, LoginSchema, UserSchema

from .. import access, inputs
from ..errors import ApiError
from ..ledger import Scope
from . import service, throttle

blp = Blueprint("auth", __name__, url_prefix="/auth", description="Device login with revocable tokens.")


@blp.route("/login", methods=["POST"])
@access.public
@blp.arguments(LoginSchema)
@blp.response(200, LoginReplySchema)
def login(args):
    """Register this device for the user and get a bearer token."""
    inputs.refuse_control(args, "username", "password", "device_label", "app_version")
    try:
        user = service.log_in(args["username"], args["password"], request.remote_addr)
    except throttle.TooManyFailures as refused:
        raise ApiError(429, f"Too many failed logins: try again in {refused.minutes} minutes.",
                       headers={"Retry-After": str(refused.retry_after)})
    if user is None:
        raise ApiError(401, "Wrong username or password.")
    try:
        raw = service.register_device(user, str(args["device_id"]), args["device_label"], args["app_version"])
    except service.DeviceTaken:
        raise ApiError(409, "This device is registered to another user.", {"device_id": ["Already registered."]})
    return {"token": raw, "user": user, "scope": Scope.of(user).wire()}


@blp.route("/logout", methods=["POST"])
@access.token("official", "leader", "admin")
@blp.response(204)
def logout():
    """Revoke the caller's token."""
    service.revoke_device(g.device, g.user.id)


@blp.route("/me", methods=["GET"])
@access.token("official", "leader", "admin")
@blp.response(200, UserSchema)
def me():
    """The caller's user."""
    return g.user
