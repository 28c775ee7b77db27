"""marshmallow schemas of every wire payload of the sync contract (docs/protocol.md).

Terms:
- a *change* is one record a device pushes: {table, op, id, base_version, data};
- a *result* is the server's answer for one change: {table, id, status, version, errors, current};
- a *page* is one answer of pull: {changes, cursor, has_more}.
`load_only` fields are never sent back; `dump_only` fields are the server's and are never taken from a payload.
"""
from datetime import date, datetime, timedelta, timezone

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates, validates_schema

from .ids import is_canonical
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


# Fast loads of a change and of a visit's data: the push of a batch spends most of its time in marshmallow, so the
# common, well-formed record is checked here by hand, against exactly the rules of ChangeSchema, VisitData and
# AssistData. They return None for anything they are not sure of (an error, an unusual but valid spelling), and the
# caller then loads with the schema, which gives the same result or the error messages. On success they return what
# the schema's load returns, except that ids stay the canonical strings they came as (str of the schema's UUID).
# Keep them in step with the schemas: a change to VisitData, AssistData or ChangeSchema must be made here too.


def _number(value, low: float, high: float) -> float | None:
    """A Float field with Range(low, high), or None when the schema must decide."""
    if type(value) is float or (type(value) is int and -2 ** 53 <= value <= 2 ** 53):  # float(a huge int) overflows
        return value if low <= (value := float(value)) <= high else None  # NaN and infinities fail the comparison
    return None


_CHANGE_KEYS = frozenset(("table", "op", "id", "base_version", "data"))
_VISIT_KEYS = frozenset(VisitData._declared_fields)
_ASSIST_KEYS = frozenset(AssistData._declared_fields)
_MISSING = object()


def fast_change(raw) -> dict | None:
    """ChangeSchema().load(raw), or None when the schema must decide."""
    if type(raw) is not dict or not _CHANGE_KEYS.issuperset(raw):
        return None
    table, op, ident = raw.get("table"), raw.get("op", "upsert"), raw.get("id")
    base_version, data = raw.get("base_version", 0), raw.get("data", _MISSING)
    if (type(table) is not str or table not in PUSH_TABLES or type(op) is not str or op not in ("upsert", "delete")
            or not is_canonical(ident) or type(base_version) is not int or base_version < 0):
        return None
    if data is _MISSING:
        data = {}
    elif type(data) is not dict:
        return None
    return {"table": table, "op": op, "id": ident, "base_version": base_version, "data": dict(data)}


def _fast_assist(raw) -> dict | None:
    if type(raw) is not dict or not _ASSIST_KEYS.issuperset(raw):
        return None
    resident_id, topic, outcome = raw.get("resident_id"), raw.get("topic"), raw.get("outcome")
    note = raw.get("note", "")
    if ((resident_id is not None and not is_canonical(resident_id)) or type(topic) is not str
            or topic not in TOPICS or type(outcome) is not str or outcome not in OUTCOMES
            or type(note) is not str or len(note) > 500):
        return None
    return {"resident_id": resident_id, "topic": topic, "outcome": outcome, "note": note}


def fast_visit(raw) -> dict | None:
    """VisitData().load(raw), or None when the schema must decide."""
    if type(raw) is not dict or not _VISIT_KEYS.issuperset(raw):
        return None
    get = raw.get
    household_id, started, replaces_id = get("household_id"), get("started_at"), get("replaces_id")
    duration, status, notes = get("duration_min"), get("status", "met"), get("notes", "")
    follow_up_on, assists = get("follow_up_on"), get("assists", _MISSING)
    if (not is_canonical(household_id) or (replaces_id is not None and not is_canonical(replaces_id))
            or type(started) is not str or not started
            or (duration is not None and (type(duration) is not int or not 0 <= duration <= 600))
            or type(status) is not str or status not in VISIT_STATUSES
            or type(notes) is not str or len(notes) > 2000):
        return None
    try:
        started = datetime.fromisoformat(started)
        follow_up_on = None if follow_up_on is None else date.fromisoformat(follow_up_on)
    except (TypeError, ValueError):
        return None
    now = datetime.now(timezone.utc)
    if started.tzinfo is None or started.utcoffset() is None or not (
            now - OLDEST_VISIT <= started <= now + FUTURE_SKEW):
        return None
    if follow_up_on is not None and follow_up_on < date.today() - OLDEST_VISIT:
        return None
    place = {}
    for name, low, high in (("lat", -90, 90), ("lon", -180, 180), ("accuracy_m", 0, 100_000)):
        value = get(name)
        if value is not None and (value := _number(value, low, high)) is None:
            return None
        place[name] = value
    if assists is _MISSING:
        assists = []
    elif type(assists) is not list or len(assists) > 100 or (assists and status == "not_home"):
        return None
    else:
        assists = [_fast_assist(a) for a in assists]
        if None in assists:
            return None
    return {"household_id": household_id, "started_at": started, "duration_min": duration, "status": status,
            "notes": notes, "follow_up_on": follow_up_on, **place, "replaces_id": replaces_id, "assists": assists}


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
    area = fields.Integer(required=True, metadata={"description": "A province, commune or village id."})
    from_ = fields.Date(data_key="from", load_default=None,
                        metadata={"description": "First day of visits counted, in the commune's time zone."})
    to = fields.Date(load_default=None, metadata={"description": "Last day of visits counted (included)."})
    village = fields.Integer(load_default=None, metadata={"description": "Only this village of the area."})
    topic = fields.String(load_default=None, validate=validate.OneOf(TOPICS),
                          metadata={"description": "Only this topic."})
    official = fields.Integer(load_default=None, metadata={"description": "Only visits by this official."})

    @validates_schema
    def _ordered(self, data, **kwargs):
        if data.get("from_") and data.get("to") and data["from_"] > data["to"]:
            raise ValidationError("Must not be after 'to'.", "from")


class TopicCoverageSchema(Schema):
    topic = fields.String()
    households_done = fields.Integer()
    households_percent = fields.Float(allow_none=True)
    residents_done = fields.Integer()
    residents_percent = fields.Float(allow_none=True)
    target_percent = fields.Float(allow_none=True)


class AreaCoverageSchema(Schema):
    """The additive figures of a village or a commune."""
    area_id = fields.Integer()
    name = fields.String()
    households_total = fields.Integer()
    households_reached = fields.Integer()
    reached_percent = fields.Float(allow_none=True)
    residents_total = fields.Integer()
    follow_ups_open = fields.Integer()
    follow_ups_overdue = fields.Integer()
    topics = fields.List(fields.Nested(TopicCoverageSchema))


VillageCoverageSchema = AreaCoverageSchema


class DeviceSyncSchema(Schema):
    device_id = fields.String()
    label = fields.String()
    last_sync_at = fields.AwareDateTime(allow_none=True, metadata={"description": "Last sync or contact."})
    stale = fields.Boolean(metadata={"description": "Not heard from for more than 3 days."})


class OfficialActivitySchema(Schema):
    user_id = fields.Integer()
    full_name = fields.String()
    visits = fields.Integer()
    households = fields.Integer()
    minutes = fields.Integer()
    last_sync_at = fields.AwareDateTime(allow_none=True)
    stale = fields.Boolean()
    devices = fields.List(fields.Nested(DeviceSyncSchema))


class WeekSchema(Schema):
    week = fields.Date(metadata={"description": "The Monday that starts the week, in the commune's time zone."})
    visits = fields.Integer()
    households_reached_cumulative = fields.Integer()


class CoverageSchema(AreaCoverageSchema):
    level = fields.String()
    date_from = fields.Date(allow_none=True)
    date_to = fields.Date(allow_none=True)
    village_id = fields.Integer(allow_none=True)
    topic = fields.String(allow_none=True)
    official_id = fields.Integer(allow_none=True)
    villages = fields.List(fields.Nested(AreaCoverageSchema))
    communes = fields.List(fields.Nested(AreaCoverageSchema), metadata={"description": "A province's communes."})
    officials = fields.List(fields.Nested(OfficialActivitySchema))
    weeks = fields.List(fields.Nested(WeekSchema))


class TargetsArgsSchema(Schema):
    commune = fields.Integer(required=True)


class TargetsSchema(Schema):
    commune_id = fields.Integer(dump_only=True)
    targets = fields.Dict(keys=fields.String(validate=validate.OneOf(TOPICS)),
                          values=fields.Float(allow_none=True, validate=validate.Range(0, 100)), required=True,
                          metadata={"description": "Percent of households per topic; null removes a target."})


class WorkListArgsSchema(Schema):
    area = fields.Integer(required=True, metadata={"description": "A commune or village id."})
    village = fields.Integer(load_default=None)
    official = fields.Integer(load_default=None, metadata={"description": "Follow-ups of this official's visits."})
    overdue = fields.Boolean(load_default=False, metadata={"description": "Only overdue follow-ups."})
    limit = fields.Integer(load_default=1000, validate=validate.Range(1, 10_000))


class NeverReachedSchema(Schema):
    household_id = fields.String()
    village_id = fields.Integer()
    village = fields.String()
    address = fields.String()
    head_name = fields.String()
    attempts = fields.Integer(metadata={"description": "Visits that found nobody home."})
    last_attempt_at = fields.AwareDateTime(allow_none=True)


class FollowUpSchema(Schema):
    visit_id = fields.String()
    household_id = fields.String()
    village_id = fields.Integer()
    address = fields.String()
    head_name = fields.String()
    follow_up_on = fields.Date()
    official_id = fields.Integer()
    visited_at = fields.AwareDateTime()
    overdue = fields.Boolean()


class ErrorSchema(Schema):
    code = fields.String()
    message = fields.String()
    fields_ = fields.Dict(data_key="fields")
