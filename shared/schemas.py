"""marshmallow schemas of every wire payload of the sync contract (DESIGN.md).

Terms:
- a *change* is one record a device pushes: {table, op, id, base_version, data};
- a *result* is the server's answer for one change: {table, id, status, version, errors, current};
- a *page* is one answer of pull: {changes, cursor, has_more}.
`load_only` fields are never sent back; `dump_only` fields are the server's and are never taken from a payload.
"""
from datetime import date, datetime, timedelta, timezone

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates, validates_schema

from .vocab import OUTCOMES, PUSH_TABLES, ROLES, SEXES, TABLES, TOPICS, VISIT_STATUSES

MAX_BATCH = 500
"""Most changes in one push; larger batches are refused whole with 400, before anything is written."""

MAX_PULL_LIMIT = 1000
FUTURE_SKEW = timedelta(minutes=10)
"""How far ahead of the server's clock a visit may be dated: a tablet clock a little fast is not an error."""
OLDEST_VISIT = timedelta(days=366)
"""How old a visit may be: older ones are typing mistakes (a wrong year), not late syncs."""
MIN_BIRTH_YEAR = 1900


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


def _aware(value: datetime) -> None:
    if value.tzinfo is None:
        raise ValidationError("Must carry a UTC offset, e.g. 2026-11-27T09:30:00+07:00.")


def _not_future_year(value: int) -> None:
    if value > datetime.now(timezone.utc).year:
        raise ValidationError("Must not be in the future.")


class LoginSchema(StrictSchema):
    username = fields.String(required=True, validate=validate.Length(1, 64))
    password = fields.String(required=True, load_only=True, validate=validate.Length(1, 256))
    device_id = fields.UUID(required=True)
    device_label = fields.String(load_default="", validate=validate.Length(max=100))
    app_version = fields.String(load_default="", validate=validate.Length(max=32))


class UserSchema(Schema):
    id = fields.Integer(dump_only=True)
    username = fields.String(dump_only=True)
    full_name = fields.String(dump_only=True)
    role = fields.String(dump_only=True, validate=validate.OneOf(ROLES))
    commune_id = fields.Integer(dump_only=True, allow_none=True)


class ScopeSchema(Schema):
    commune_id = fields.Integer(allow_none=True)
    village_ids = fields.List(fields.Integer())


class LoginReplySchema(Schema):
    token = fields.String(required=True)
    user = fields.Nested(UserSchema)
    scope = fields.Nested(ScopeSchema)


# Record data, per table. Fields are optional on update: a device sends only what it changed.
class HouseholdData(StrictSchema):
    village_id = fields.Integer(required=True)
    address = fields.String(required=True, validate=validate.Length(1, 200))
    head_name = fields.String(required=True, validate=validate.Length(1, 100))
    phone = fields.String(load_default="", validate=validate.Regexp(r"^[0-9 .+()-]{0,20}$", error="Not a phone number."))
    note = fields.String(load_default="", validate=validate.Length(max=500))


class ResidentData(StrictSchema):
    household_id = fields.UUID(required=True)
    full_name = fields.String(required=True, validate=validate.Length(1, 100))
    birth_year = fields.Integer(allow_none=True, load_default=None,
                                validate=[validate.Range(min=MIN_BIRTH_YEAR), _not_future_year])
    sex = fields.String(allow_none=True, load_default=None, validate=validate.OneOf(SEXES))
    phone = fields.String(load_default="", validate=validate.Regexp(r"^[0-9 .+()-]{0,20}$", error="Not a phone number."))
    has_smartphone = fields.Boolean(allow_none=True, load_default=None)


class AssistData(StrictSchema):
    resident_id = fields.UUID(allow_none=True, load_default=None)
    topic = fields.String(required=True, validate=validate.OneOf(TOPICS))
    outcome = fields.String(required=True, validate=validate.OneOf(OUTCOMES))
    note = fields.String(load_default="", validate=validate.Length(max=500))


class VisitData(StrictSchema):
    household_id = fields.UUID(required=True)
    started_at = fields.AwareDateTime(required=True, validate=_aware)
    duration_min = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(0, 600))
    status = fields.String(load_default="met", validate=validate.OneOf(VISIT_STATUSES))
    notes = fields.String(load_default="", validate=validate.Length(max=2000))
    follow_up_on = fields.Date(load_default=None, allow_none=True)
    lat = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-90, 90))
    lon = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-180, 180))
    accuracy_m = fields.Float(load_default=None, allow_none=True, validate=validate.Range(0, 100_000))
    replaces_id = fields.UUID(load_default=None, allow_none=True)
    assists = fields.List(fields.Nested(AssistData), load_default=list, validate=validate.Length(max=100))

    @validates("started_at")
    def _not_future_nor_ancient(self, value, **kwargs):
        now = datetime.now(timezone.utc)
        if value > now + FUTURE_SKEW:
            raise ValidationError("Is in the future: check the tablet's date and time.")
        if value < now - OLDEST_VISIT:
            raise ValidationError("Is more than a year ago: check the date.")

    @validates("follow_up_on")
    def _follow_up_sane(self, value, **kwargs):
        if value is not None and value < date.today() - OLDEST_VISIT:
            raise ValidationError("Is more than a year ago: check the date.")

    @validates_schema
    def _not_home_has_no_assists(self, data, **kwargs):
        if data.get("status") == "not_home" and data.get("assists"):
            raise ValidationError("A not-home visit has no assists.", "assists")


RECORD_SCHEMAS = {"households": HouseholdData, "residents": ResidentData, "visits": VisitData}


class ChangeSchema(StrictSchema):
    table = fields.String(required=True, validate=validate.OneOf(PUSH_TABLES))
    op = fields.String(load_default="upsert", validate=validate.OneOf(("upsert", "delete")))
    id = fields.UUID(required=True)
    base_version = fields.Integer(load_default=0, validate=validate.Range(min=0))
    data = fields.Dict(load_default=dict)


class PushSchema(StrictSchema):
    batch_id = fields.UUID(required=True)
    schema_version = fields.Integer(required=True, validate=validate.Range(min=1))
    # Raw dicts: each change is validated on its own, so one bad record is rejected alone.
    changes = fields.List(fields.Raw(), required=True,
                          validate=validate.Length(max=MAX_BATCH, error=f"At most {MAX_BATCH} changes per batch."))


class ResultSchema(Schema):
    table = fields.String()
    id = fields.String()
    status = fields.String(validate=validate.OneOf(("applied", "duplicate", "merged", "conflict", "rejected")))
    version = fields.Integer(allow_none=True)
    errors = fields.Dict(allow_none=True)
    current = fields.Dict(allow_none=True)


class PushReplySchema(Schema):
    batch_id = fields.String()
    results = fields.List(fields.Nested(ResultSchema))


class PullArgsSchema(Schema):
    since = fields.Integer(load_default=0, validate=validate.Range(min=0))
    limit = fields.Integer(load_default=500, validate=validate.Range(1, MAX_PULL_LIMIT))


class PulledChangeSchema(Schema):
    table = fields.String(validate=validate.OneOf(TABLES))
    id = fields.String()
    version = fields.Integer()
    deleted = fields.Boolean()
    data = fields.Dict()


class PullPageSchema(Schema):
    changes = fields.List(fields.Nested(PulledChangeSchema))
    cursor = fields.Integer()
    has_more = fields.Boolean()


class CoverageArgsSchema(Schema):
    area = fields.Integer(required=True)
    from_ = fields.Date(data_key="from", load_default=None)
    to = fields.Date(load_default=None)

    @validates_schema
    def _ordered(self, data, **kwargs):
        if data.get("from_") and data.get("to") and data["from_"] > data["to"]:
            raise ValidationError("Must not be after 'to'.", "from")


class TopicCoverageSchema(Schema):
    topic = fields.String()
    households_done = fields.Integer()
    residents_done = fields.Integer()
    target_percent = fields.Float(allow_none=True)


class VillageCoverageSchema(Schema):
    area_id = fields.Integer()
    name = fields.String()
    households_total = fields.Integer()
    households_reached = fields.Integer()
    residents_total = fields.Integer()
    topics = fields.List(fields.Nested(TopicCoverageSchema))


class OfficialActivitySchema(Schema):
    user_id = fields.Integer()
    full_name = fields.String()
    visits = fields.Integer()
    households = fields.Integer()
    minutes = fields.Integer()
    devices = fields.List(fields.Dict())


class WeekSchema(Schema):
    week = fields.Date()
    visits = fields.Integer()
    households_reached_cumulative = fields.Integer()


class CoverageSchema(Schema):
    area_id = fields.Integer()
    name = fields.String()
    level = fields.String()
    households_total = fields.Integer()
    households_reached = fields.Integer()
    residents_total = fields.Integer()
    topics = fields.List(fields.Nested(TopicCoverageSchema))
    villages = fields.List(fields.Nested(VillageCoverageSchema))
    officials = fields.List(fields.Nested(OfficialActivitySchema))
    weeks = fields.List(fields.Nested(WeekSchema))
    follow_ups_open = fields.Integer()
    follow_ups_overdue = fields.Integer()


class ErrorSchema(Schema):
    code = fields.String()
    message = fields.String()
    fields_ = fields.Dict(data_key="fields")
