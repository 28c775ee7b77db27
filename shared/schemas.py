"""marshmallow schemas of every wire payload of the sync contract (docs/protocol.md).

Terms:
- a *change* is one record a device pushes: {table, op, id, base_version, data};
- a *result* is the server's answer for one change: {table, id, status, version, errors, current};
- a *page* is one answer of pull: {changes, cursor, has_more}.
`load_only` fields are never sent back; `dump_only` fields are the server's and are never taken from a payload.
The server's fast loaders (server/sync/fastload.py) are compiled from these schemas' fields and validators: a rule
changed here changes them too. The fields of each record are listed once, in shared/wire.py.
"""
import re
from datetime import datetime, timedelta, timezone

from marshmallow import EXCLUDE, Schema, ValidationError, fields, utils, validate, validates_schema

from .vocab import OUTCOMES, PUSH_TABLES, ROLES, SEXES, TABLES, TOPICS, VISIT_STATUSES

MAX_BATCH = 500
"""Most changes in one push; larger batches are refused whole with 400, before anything is written."""

MAX_PULL_LIMIT = 1000
MAX_ID = 2**31 - 1
"""Largest id of an area or a user (a 32-bit INTEGER column): a larger one in an argument is refused with 400."""
MAX_SEQ = 2**63 - 1
"""Largest cursor (a BIGINT)."""
MIN_BIRTH_YEAR = 1900
_LATEST_ZONE = timezone(timedelta(hours=14))
"""The time zone where a new year starts first: a birth year is in the future only once it is so everywhere."""


_ID = validate.Range(1, MAX_ID)


class WireSchema(Schema):
    """A payload a device sends. A newer app's unknown fields are ignored (DESIGN.md, sync contract); an older
    app's missing optional ones take their load_default."""

    class Meta:
        unknown = EXCLUDE


# Control characters (Unicode category Cc) and lone surrogates are no text anyone typed: PostgreSQL refuses NUL in
# text, and the others break exports and screens. Free-text notes may hold line breaks and tabs.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL_BUT_LINES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


class Text(fields.String):
    """A string without control characters or lone surrogates; `multiline` allows newlines and tabs.
    `forbidden` is the pattern of the characters refused (server/sync/fastload.py reads it)."""

    default_error_messages = {"control": "Must not contain control characters (found {char} at position {index})."}

    def __init__(self, *, multiline: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.forbidden = _CONTROL_BUT_LINES if multiline else CONTROL

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        found = self.forbidden.search(text)
        if found is not None:
            raise self.make_error("control", char=f"U+{ord(found.group()):04X}", index=found.start())
        return text


def _in_utc_range(value: datetime) -> None:
    # Stored in UTC: a time within hours of year 1 or year 9999 has no UTC value. Any other date is kept, however
    # far from today (a tablet's clock may be wrong); the server flags it for review instead.
    try:
        value.astimezone(timezone.utc)
    except OverflowError:
        raise ValidationError("Has no UTC time: check the date.") from None


def _not_future_year(value: int) -> None:
    if value > datetime.now(_LATEST_ZONE).year:
        raise ValidationError("Must not be in the future.")


class LoginSchema(WireSchema):
    username = Text(required=True, validate=validate.Length(1, 64))
    password = Text(required=True, load_only=True, validate=validate.Length(1, 256))
    device_id = fields.UUID(required=True)
    device_label = Text(load_default="", validate=validate.Length(max=100))
    app_version = Text(load_default="", validate=validate.Length(max=32))


class UserSchema(Schema):
    id = fields.Integer(dump_only=True)
    username = fields.String(dump_only=True)
    full_name = fields.String(dump_only=True)
    role = fields.String(dump_only=True, validate=validate.OneOf(ROLES))
    commune_id = fields.Integer(dump_only=True, allow_none=True)


class ScopeSchema(Schema):
    commune_id = fields.Integer(allow_none=True)
    village_ids = fields.List(fields.Integer())


_DEVICE_KEY = {"description": "The device key: 32 random bytes, base64url without padding. The tablet wraps its "
                              "data key with it, so that a forgotten PIN is reset by logging in online. The same on "
                              "every login of this device by this user, a new one after an erase.",
               "pattern": "^[A-Za-z0-9_-]{43}$"}


class LoginReplySchema(Schema):
    token = fields.String(required=True)
    device_key = fields.String(required=True, dump_only=True, metadata=_DEVICE_KEY)
    user = fields.Nested(UserSchema)
    scope = fields.Nested(ScopeSchema)


class DeviceKeySchema(Schema):
    device_key = fields.String(required=True, dump_only=True, metadata=_DEVICE_KEY)


_PHONE = validate.Regexp(r"^[0-9 .+()-]{0,20}$", error="Not a phone number.")


# Record data, per table. Fields are optional on update: a device sends only what it changed.
class HouseholdData(WireSchema):
    village_id = fields.Integer(required=True, validate=_ID)
    address = Text(required=True, validate=validate.Length(1, 200))
    head_name = Text(required=True, validate=validate.Length(1, 100))
    phone = Text(load_default="", validate=_PHONE)
    note = Text(multiline=True, load_default="", validate=validate.Length(max=500))


class ResidentData(WireSchema):
    household_id = fields.UUID(required=True)
    full_name = Text(required=True, validate=validate.Length(1, 100))
    birth_year = fields.Integer(allow_none=True, load_default=None,
                                validate=[validate.Range(min=MIN_BIRTH_YEAR), _not_future_year])
    sex = Text(allow_none=True, load_default=None, validate=validate.OneOf(SEXES))
    phone = Text(load_default="", validate=_PHONE)
    has_smartphone = fields.Boolean(allow_none=True, load_default=None)


class AssistData(WireSchema):
    resident_id = fields.UUID(allow_none=True, load_default=None)
    topic = Text(required=True, validate=validate.OneOf(TOPICS))
    outcome = Text(required=True, validate=validate.OneOf(OUTCOMES))
    note = Text(multiline=True, load_default="", validate=validate.Length(max=500))


class VisitData(WireSchema):
    """A visit is never refused for its date (DESIGN.md, "Time"): only for a time without its UTC offset."""
    household_id = fields.UUID(required=True)
    started_at = fields.AwareDateTime(required=True, validate=_in_utc_range, error_messages={
        "invalid_awareness": "Must carry a UTC offset, e.g. 2026-11-27T09:30:00+07:00."})
    duration_min = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(0, 600))
    status = Text(load_default="met", validate=validate.OneOf(VISIT_STATUSES))
    notes = Text(multiline=True, load_default="", validate=validate.Length(max=2000))
    follow_up_on = fields.Date(load_default=None, allow_none=True)
    lat = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-90, 90))
    lon = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-180, 180))
    accuracy_m = fields.Float(load_default=None, allow_none=True, validate=validate.Range(0, 100_000))
    replaces_id = fields.UUID(load_default=None, allow_none=True)
    assists = fields.List(fields.Nested(AssistData), load_default=list, validate=validate.Length(max=100))

    @validates_schema
    def _not_home_has_no_assists(self, data, **kwargs):
        if data.get("status") == "not_home" and data.get("assists"):
            raise ValidationError("A not-home visit has no assists.", "assists")


RECORD_SCHEMAS = {"households": HouseholdData, "residents": ResidentData, "visits": VisitData}


class ChangeSchema(WireSchema):
    table = Text(required=True, validate=validate.OneOf(PUSH_TABLES))
    op = Text(load_default="upsert", validate=validate.OneOf(("upsert", "delete")))
    id = fields.UUID(required=True)
    base_version = fields.Integer(load_default=0, validate=validate.Range(min=0))
    data = fields.Dict(load_default=dict)


class RawChanges(fields.List):
    """List(Raw()) as marshmallow loads it, without a call through Raw per change: each change is checked on its
    own by the push, and the per-item call cost as much as reading the batch's JSON."""

    def __init__(self, **kwargs):
        super().__init__(fields.Raw(), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not utils.is_collection(value):
            raise self.make_error("invalid")
        nulls = [i for i, each in enumerate(value) if each is None]
        if nulls:  # as Raw refuses them
            raise ValidationError({i: [self.inner.error_messages["null"]] for i in nulls},
                                  valid_data=[each for each in value if each is not None])
        return list(value)


class PushSchema(WireSchema):
    batch_id = fields.UUID(required=True)
    schema_version = fields.Integer(required=True, validate=validate.Range(min=1))
    # Raw dicts: each change is validated on its own, so one bad record is rejected alone.
    changes = RawChanges(required=True,
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
    since = fields.Integer(load_default=0, validate=validate.Range(0, MAX_SEQ))
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
    area = fields.Integer(required=True, validate=_ID, metadata={"description": "A province, commune or village id."})
    from_ = fields.Date(data_key="from", load_default=None,
                        metadata={"description": "First day of visits counted, in the commune's time zone."})
    to = fields.Date(load_default=None, metadata={"description": "Last day of visits counted (included)."})
    village = fields.Integer(load_default=None, validate=_ID,
                             metadata={"description": "Only this village of the area."})
    topic = fields.String(load_default=None, validate=validate.OneOf(TOPICS),
                          metadata={"description": "Only this topic."})
    official = fields.Integer(load_default=None, validate=_ID,
                              metadata={"description": "Only visits by this official."})

    @validates_schema
    def _ordered(self, data, **kwargs):
        if data.get("from_") and data.get("to") and data["from_"] > data["to"]:
            raise ValidationError("Must not be after 'to'.", "from")


class TopicCoverageSchema(Schema):
    """A topic's indicator (shared/coverage.py): eligible residents who have it / eligible residents."""
    topic = fields.String()
    eligible = fields.Integer(metadata={"description": "Residents old enough for the topic, but not those for "
                                                       "whom it is not applicable (no birth year counts as eligible)."})
    has_it = fields.Integer(metadata={"description": "Eligible residents whose status is done or already_had."})
    percent = fields.Float(allow_none=True, metadata={"description": "has_it / eligible, in percent."})
    not_applicable = fields.Integer(metadata={"description": "Old enough, with status not_applicable: left out."})
    target_percent = fields.Float(allow_none=True)
    target_met = fields.Boolean(allow_none=True, metadata={"description": "percent >= target_percent; null "
                                                                          "without a target."})


class AreaCoverageSchema(Schema):
    """The additive figures of a village or a commune."""
    area_id = fields.Integer()
    name = fields.String()
    households_total = fields.Integer()
    households_reached = fields.Integer(metadata={"description": "Households with at least one met visit."})
    reached_percent = fields.Float(allow_none=True)
    households_not_home = fields.Integer(metadata={"description": "Households visited, nobody home each time: "
                                                                  "not reached."})
    residents_total = fields.Integer()
    unknown_age = fields.Integer(metadata={"description": "Residents with no birth year (counted as eligible)."})
    follow_ups_open = fields.Integer()
    follow_ups_overdue = fields.Integer()
    topics = fields.List(fields.Nested(TopicCoverageSchema))


class DeviceSyncSchema(Schema):
    device_id = fields.String()
    label = fields.String()
    last_sync_at = fields.AwareDateTime(allow_none=True, metadata={"description": "Last sync or contact."})
    stale = fields.Boolean(metadata={"description": "Not heard from for more than 3 days."})


class OfficialVillagesSchema(Schema):
    """The coverage of an official's assigned villages (within the selection): their households and residents."""
    households_total = fields.Integer()
    households_reached = fields.Integer()
    reached_percent = fields.Float(allow_none=True)
    households_not_home = fields.Integer()
    residents_total = fields.Integer()
    unknown_age = fields.Integer()
    follow_ups_open = fields.Integer()
    follow_ups_overdue = fields.Integer()
    topics = fields.List(fields.Nested(TopicCoverageSchema))


class OfficialActivitySchema(Schema):
    user_id = fields.Integer()
    full_name = fields.String()
    visits = fields.Integer()
    not_home_visits = fields.Integer(metadata={"description": "Of the visits, those that found nobody home."})
    households = fields.Integer(metadata={"description": "Households the official visited, met or not."})
    households_met = fields.Integer(metadata={"description": "Households the official met at least once."})
    minutes = fields.Integer()
    last_sync_at = fields.AwareDateTime(allow_none=True)
    stale = fields.Boolean()
    devices = fields.List(fields.Nested(DeviceSyncSchema))
    village_ids = fields.List(fields.Integer(), metadata={"description": "Their assigned villages in the selection."})
    villages = fields.Nested(OfficialVillagesSchema)


class WeekTopicSchema(Schema):
    topic = fields.String()
    has_it = fields.Integer()
    eligible = fields.Integer()
    percent = fields.Float(allow_none=True)


class WeekSchema(Schema):
    week = fields.Date(metadata={"description": "The Monday that starts the week, in the commune's time zone."})
    visits = fields.Integer()
    not_home_visits = fields.Integer()
    households_reached_cumulative = fields.Integer()
    topics = fields.List(fields.Nested(WeekTopicSchema),
                         metadata={"description": "Each topic on the week's last day (not for a province)."})


class CoverageSchema(AreaCoverageSchema):
    level = fields.String()
    date_from = fields.Date(allow_none=True)
    date_to = fields.Date(allow_none=True)
    village_id = fields.Integer(allow_none=True)
    topic = fields.String(allow_none=True)
    official_id = fields.Integer(allow_none=True)
    year = fields.Integer(metadata={"description": "The year residents' ages are counted in."})
    min_ages = fields.Dict(keys=fields.String(), values=fields.Integer(),
                           metadata={"description": "Each topic's minimum age."})
    villages = fields.List(fields.Nested(AreaCoverageSchema))
    communes = fields.List(fields.Nested(AreaCoverageSchema), metadata={"description": "A province's communes."})
    officials = fields.List(fields.Nested(OfficialActivitySchema))
    weeks = fields.List(fields.Nested(WeekSchema))


class TargetsArgsSchema(Schema):
    commune = fields.Integer(required=True, validate=_ID)


class TargetsSchema(Schema):
    commune_id = fields.Integer(dump_only=True)
    targets = fields.Dict(keys=fields.String(validate=validate.OneOf(TOPICS)),
                          values=fields.Float(allow_none=True, validate=validate.Range(0, 100)), required=True,
                          metadata={"description": "Percent of eligible residents who have it, per topic; null "
                                                   "removes a target."})


class WorkListArgsSchema(Schema):
    area = fields.Integer(required=True, validate=_ID, metadata={"description": "A commune or village id."})
    village = fields.Integer(load_default=None, validate=_ID)
    official = fields.Integer(load_default=None, validate=_ID,
                              metadata={"description": "Follow-ups of this official's visits."})
    overdue = fields.Boolean(load_default=False, metadata={"description": "Only overdue follow-ups."})
    limit = fields.Integer(load_default=1000, validate=validate.Range(1, 10_000))


class NeverReachedSchema(Schema):
    household_id = fields.String()
    village_id = fields.Integer()
    village = fields.String()
    address = fields.String(metadata={"description": "Left out for an admin, who reads no personal data."})
    head_name = fields.String(metadata={"description": "Left out for an admin, who reads no personal data."})
    attempts = fields.Integer(metadata={"description": "Visits that found nobody home."})
    last_attempt_at = fields.AwareDateTime(allow_none=True)


class FollowUpSchema(Schema):
    visit_id = fields.String()
    household_id = fields.String()
    village_id = fields.Integer()
    address = fields.String(metadata={"description": "Left out for an admin, who reads no personal data."})
    head_name = fields.String(metadata={"description": "Left out for an admin, who reads no personal data."})
    follow_up_on = fields.Date()
    official_id = fields.Integer()
    visited_at = fields.AwareDateTime()
    overdue = fields.Boolean()


class ErrorSchema(Schema):
    code = fields.String()
    message = fields.String()
    fields_ = fields.Dict(data_key="fields")
