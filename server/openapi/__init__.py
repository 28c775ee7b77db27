"""The OpenAPI document at /api/v1/openapi.json, made to say what the server really does (docs/protocol.md).

flask-smorest documents each view from its decorators, but it does not know our error shape (it declares a 422
with its own body, while errors.py answers 400 with {error: {code, message, fields}}), nor the statuses that come
from elsewhere (the access rules, the sync blueprint's 426, a database outage's 503), nor the push and pull
records, which the resources send as prebuilt JSON (records.py). `Plugin` fills these in as each path is added.
"""
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import INCLUDE, Schema, fields, validate

from shared.schemas import HouseholdData, ResidentData, VisitData

from ..errors import CODES, ERASE_REQUIRED
from ..extensions import api
from .records import wire_schemas

DESCRIPTION = ("The sync protocol of Doorstep's tablets and the reads of its leaders. How the calls fit together "
               "(outbox, batch receipts, per-field merge, cursors, resets) is in the project's docs/protocol.md.")
ERROR_CODES = sorted(set(CODES.values()) | {"unavailable", ERASE_REQUIRED, "database_changed"})

STATUS_TEXT = {
    400: "Invalid input: `fields` names each field and what is wrong with it.",
    401: "`unauthorized`: no token, or one that no longer works (logged out, expired, reset password): log in "
         "again, keeping the local data. `erase_required`: a leader revoked this device, or its user was disabled "
         "(`fields.reason` is [\"revoked\"] or [\"disabled\"]); nothing was done: erase every local record and "
         "the keys, outbox included, then call POST /auth/erased with the same token.",
    403: "The caller may not do this (its role, its commune, an X-Device-Id that is not its token's, or a report "
         "of an erase that was not ordered).",
    404: "The area named does not exist.",
    409: "Login: the device is registered to another user. Push and pull: `database_changed`, the X-Database-Id "
         "sent is not this database's (it was restored): send POST /sync/digest first, then push and pull again.",
    410: "`reset_required`: the caller's scope changed or its cursor is past the tombstone horizon; pull again "
         "from zero, keeping the outbox.",
    413: "The body, or the gzip body once inflated, is larger than the server's MAX_CONTENT_LENGTH.",
    415: "A Content-Encoding other than gzip.",
    426: "The app's schema version is one the server can no longer read: update the app.",
    429: "Too many failed logins for this username from this address, or from this address: wait for Retry-After "
         "seconds.",
    503: "The database is unreachable: retry after Retry-After seconds, as if offline.",
}
RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before trying again.", "required": True,
                               "schema": {"type": "integer", "minimum": 0}}}

# Statuses that only some views answer, by endpoint; those every view of a kind answers are added in _statuses.
EXTRA_STATUSES = {
    "auth.login": (401, 409, 429),
    "sync.push": (409, 426),
    "sync.pull": (409, 410, 426),
    "stats.coverage": (404,),
    "stats.never_reached": (404,),
    "stats.follow_ups": (404,),
    "stats.get_targets": (404,),
    "stats.put_targets": (404,),
}

# Each link passes a value of one reply to the next request, so that schemathesis can chain real calls.
# The bearer token of a login cannot be a link (OpenAPI ignores an Authorization parameter): clients send it.
LINKS = {
    "auth.login": {
        "HouseholdsOfMyVillage": ("records.households", {"village_id": "$response.body#/scope/village_ids/0"}),
        "ResidentsOfMyVillage": ("records.residents", {"village_id": "$response.body#/scope/village_ids/0"}),
        "VisitsOfMyVillage": ("records.visits", {"village_id": "$response.body#/scope/village_ids/0"}),
        "CoverageOfMyCommune": ("stats.coverage", {"area": "$response.body#/scope/commune_id"}),
        "NeverReachedOfMyCommune": ("stats.never_reached", {"area": "$response.body#/scope/commune_id"}),
        "FollowUpsOfMyCommune": ("stats.follow_ups", {"area": "$response.body#/scope/commune_id"}),
        "TargetsOfMyCommune": ("stats.get_targets", {"commune": "$response.body#/scope/commune_id"}),
    },
    "sync.push": {
        "PullWhatWasPushed": ("sync.pull", {"since": 0}),
        # The same batch again, as after a lost reply: the stored reply comes back and nothing is written twice.
        "SendTheBatchAgain": ("sync.push", {}, "$request.body"),
    },
    "sync.pull": {
        "NextPage": ("sync.pull", {"since": "$response.body#/cursor"}),
    },

    "records.households": {
        "ResidentsOfTheVillage": ("records.residents", {"village_id": "$response.body#/items/0/village_id"}),
        "VisitsOfTheVillage": ("records.visits", {"village_id": "$response.body#/items/0/village_id"}),
    },
    "stats.coverage": {
        "CoverageOfAVillage": ("stats.coverage", {"area": "$response.body#/villages/0/area_id"}),
    },
    "stats.put_targets": {
        "TargetsSet": ("stats.get_targets", {"commune": "$response.body#/commune_id"}),
    },
}


IDENTIFIED = ("sync.push", "sync.pull", "restore.digest")
DATABASE_ID = {"X-Database-Id": {"description": "The identity of the server's database: it changes when the database "
                                                "is restored from a backup (docs/protocol.md, Restore).",
                                 "required": True, "schema": {"type": "string", "format": "uuid"}}}


def operation_id(endpoint: str) -> str:
    return endpoint.replace(".", "_")


class ErrorBodySchema(Schema):
    code = fields.String(required=True, validate=validate.OneOf(ERROR_CODES))
    message = fields.String(required=True, metadata={"description": "For people; `code` is for programs."})
    fields_ = fields.Dict(data_key="fields", required=True, metadata={
        "description": "Each field in error, with a list of messages (nested for nested fields)."})


class ErrorSchema(Schema):
    """The body of every error of the API (errors.py)."""
    class Meta:
        unknown = INCLUDE  # documented as open: a later server may add a key beside `error`

    error = fields.Nested(ErrorBodySchema, required=True)


def init_app(app) -> None:
    """flask-smorest's Api.init_app, with our error schema and the plugin below."""
    api.ERROR_SCHEMA = ErrorSchema
    api.DEFAULT_ERROR_RESPONSE_NAME = None  # a "default" response would promise a body of any status
    api.init_app(app, spec_kwargs={"marshmallow_plugin": Plugin(app), "info": {"description": DESCRIPTION}})


class Plugin(MarshmallowPlugin):
    """flask-smorest's marshmallow plugin, which first rewrites each operation as its path is added."""

    def __init__(self, app):
        super().__init__()
        self.app = app

    def init_spec(self, spec):
        super().init_spec(spec)
        components = spec.components
        components.security_scheme("bearer", {"type": "http", "scheme": "bearer",
                                              "description": "The token of POST /auth/login."})
        for name, schema in wire_schemas().items():
            components.schema(name, schema)
        # Data as a device sends it: only the fields it changed on an update, so none is required here; a new
        # record needs those the description names, and a record without them is `rejected`, not the batch.
        for name, schema in (("HouseholdData", HouseholdData), ("ResidentData", ResidentData),
                             ("VisitData", VisitData)):
            components.schema(name, schema=schema(partial=True))

    def operation_helper(self, path=None, operations=None, **kwargs):
        rule = kwargs.get("rule")
        if rule is not None and path.startswith("/api/"):
            access = getattr(self.app.view_functions[rule.endpoint], "access_rule", None)
            for method, operation in operations.items():
                self._rewrite(rule.endpoint, method, operation, access)
        super().operation_helper(path=path, operations=operations, **kwargs)

    def _rewrite(self, endpoint: str, method: str, operation: dict, access) -> None:
        operation["operationId"] = operation_id(endpoint)
        responses = operation.setdefault("responses", {})
        # flask-smorest's own error responses: the server never sends either of them.
        responses.pop("default", None)
        responses.pop(422, None)
        responses.pop("422", None)
        for status in _statuses(endpoint, method, operation, access):
            responses[str(status)] = _error_response(status)
        if access is not None and access.via == "token":
            operation["security"] = [{"bearer": []}]
            operation.setdefault("parameters", []).extend(_device_headers(endpoint))
        else:
            operation["security"] = []
        replies = REPLIES.get(endpoint)
        if replies:
            ok = next(status for status in responses if str(status).startswith("2"))
            responses[ok]["content"]["application/json"]["schema"] = {"$ref": f"#/components/schemas/{replies}"}
        if endpoint == "sync.push":
            operation["requestBody"]["content"]["application/json"]["schema"] = {"$ref": "#/components/schemas/Push"}
        if endpoint in IDENTIFIED:
            ok = next(status for status in responses if str(status).startswith("2"))
            responses[ok]["headers"] = DATABASE_ID
        links = LINKS.get(endpoint)
        if links:
            ok = next(status for status in responses if str(status).startswith("2"))
            responses[ok]["links"] = {name: _link(*link) for name, link in links.items()}


def _link(target: str, parameters: dict, body: str | None = None) -> dict:
    link = {"operationId": operation_id(target)}
    if parameters:
        link["parameters"] = parameters
    if body:
        link["requestBody"] = body
    return link


def _statuses(endpoint: str, method: str, operation: dict, access) -> list[int]:
    statuses = {503}  # every call reads the database, and one that cannot gets 503
    if access is not None and access.via == "token":
        statuses |= {401, 403}
    if operation.get("parameters") or operation.get("requestBody"):
        statuses.add(400)
    if method in ("post", "put", "patch"):
        statuses |= {400, 413, 415}  # a body that is not JSON or not gzip, too large, or of an unknown encoding
    statuses.update(EXTRA_STATUSES.get(endpoint, ()))
    return sorted(statuses)


def _error_response(status: int) -> dict:
    response = {"description": STATUS_TEXT[status],
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    if status in (429, 503):
        response["headers"] = RETRY_AFTER
    return response


def _device_headers(endpoint: str) -> list[dict]:
    headers = [
        {"in": "header", "name": "X-Device-Id", "required": False,
         "description": "The device the token was issued to: 403 if it is another.",
         "schema": {"type": "string", "format": "uuid"}},
        {"in": "header", "name": "X-App-Version", "required": False,
         "description": "The app's version (the leaders' list of devices shows the one sent at login).",
         "schema": {"type": "string"}},
    ]
    if endpoint.startswith("sync."):
        headers.append({"in": "header", "name": "X-Schema-Version", "required": False,
                        "description": "The wire schema version the app speaks; one the server can no longer "
                                       "read gets 426.",
                        "schema": {"type": "string", "pattern": "^[0-9]{1,9}$"}})
        headers.append({"in": "header", "name": "X-Database-Id", "required": False,
                        "description": "The database identity of the last reply (docs/protocol.md, Restore): "
                                       "another one gets 409 database_changed on push and pull.",
                        "schema": {"type": "string", "maxLength": 64}})
    return headers


REPLIES = {
    "sync.push": "PushReply",
    "sync.pull": "PullPage",
    "records.households": "HouseholdPage",
    "records.residents": "ResidentPage",
    "records.visits": "VisitPage",
}
"""The 200 replies that the resources send as prebuilt JSON, documented here rather than by their schemas."""
