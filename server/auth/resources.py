"""Log in and out of a device."""
from flask import g, request
from flask_smorest import Blueprint

from shared.schemas import DeviceKeySchema, LoginReplySchema, LoginSchema, UserSchema

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
        device = service.register_device(user, str(args["device_id"]), args["device_label"], args["app_version"])
    except service.DeviceTaken:
        raise ApiError(409, "This device is registered to another user.", {"device_id": ["Already registered."]})
    return {"token": device.raw_token, "device_key": device.wrap_key, "user": user, "scope": Scope.of(user).wire()}


@blp.route("/logout", methods=["POST"])
@access.token("official", "leader", "admin")
@blp.response(204)
def logout():
    """Revoke the caller's token."""
    service.log_out_device(g.device)


@blp.route("/device-key", methods=["GET"])
@access.token("official", "leader", "admin")
@blp.response(200, DeviceKeySchema)
def device_key():
    """The device key of the caller's own device, the same as its login gave."""
    return {"device_key": service.device_key(g.device)}


@blp.route("/erased", methods=["POST"])
@access.token("official", "leader", "admin")
@blp.response(204)
def erased():
    """Report that this device, told to erase, has erased its data; its token then ends for good."""
    if g.device.erase_requested_at is None:
        raise ApiError(403, "This device has no erase order.")
    service.mark_erased(g.device)


@blp.route("/me", methods=["GET"])
@access.token("official", "leader", "admin")
@blp.response(200, UserSchema)
def me():
    """The caller's user."""
    return g.user
