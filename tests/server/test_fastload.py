"""The fast loaders give exactly what the marshmallow schemas give, or step aside (None) for the schemas to decide.

Both directions, on generated valid, near-valid and hostile records: a fast load is never a record the schema
refuses, nor other values than the schema's; a well-formed record takes the fast path; what the schemas dump loads
back the same.
"""
import math
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from marshmallow import INCLUDE, RAISE, Schema, ValidationError, fields, pre_load, validate, validates

from server.sync.fastload import compile_schema, fast_change, fast_visit
from shared.ids import new_id
from shared.schemas import ChangeSchema, HouseholdData, ResidentData, Text, VisitData
from shared.vocab import OUTCOMES, PUSH_TABLES, SEXES, TOPICS, VISIT_STATUSES

VISIT, CHANGE = VisitData(), ChangeSchema()
SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

CONTROL = "\x00\x01\x08\x0b\x0c\x0d\x1b\x1f\x7f\x85\x9f\ud800\udbff\udc00\udfff"
texts = st.text(alphabet=st.one_of(st.characters(), st.sampled_from(CONTROL), st.sampled_from("\n\t")), max_size=30)
long_texts = st.sampled_from([99, 100, 101, 499, 500, 501, 1999, 2000, 2001]).map(lambda n: "ạ" * n)
anything = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), texts, st.just([]), st.just({}))

ids = st.uuids().map(str)
bad_ids = st.one_of(st.uuids().map(lambda u: str(u).upper()), st.uuids().map(lambda u: u.hex),
                    st.uuids().map(lambda u: "{%s}" % u), st.uuids().map(lambda u: f"urn:uuid:{u}"),
                    st.uuids().map(lambda u: f" {u}"), st.uuids().map(lambda u: str(u)[:-1]), st.integers(), texts)

offsets = st.integers(-23 * 60 - 59, 23 * 60 + 59).map(lambda m: timezone(timedelta(minutes=m)))
aware = st.datetimes(timezones=offsets)  # years 1 to 9999: the ends have no UTC time
timespecs = st.sampled_from(["auto", "minutes", "seconds", "milliseconds", "microseconds"])
aware_texts = st.builds(lambda d, spec: d.isoformat(timespec=spec), aware, timespecs)
time_texts = st.one_of(
    aware_texts, aware_texts.map(lambda t: t.replace("+00:00", "Z")), aware_texts.map(lambda t: t.replace("T", " ")),
    aware_texts.map(lambda t: t.replace("-", "").replace(":", "")),  # the basic format: fromisoformat reads it
    st.datetimes().map(datetime.isoformat),  # no offset
    st.dates().map(date.isoformat), texts, st.integers(), st.none())
date_texts = st.one_of(st.none(), st.dates().map(date.isoformat), st.dates().map(lambda d: d.strftime("%Y%m%d")),
                       st.dates().map(lambda d: d.isocalendar()).map(lambda c: f"{c[0]:04d}-W{c[1]:02d}-{c[2]}"),
                       aware_texts, texts, st.integers())
numbers = st.one_of(st.none(), st.floats(), st.integers(-400, 400), st.integers(),
                    st.sampled_from([90, -90, 90.000001, -90.000001, 180, -180, 180.5, -181, 0, -0.0, 100_000,
                                     100_000.5, -0.1, 2 ** 53, 2 ** 53 + 1, -(2 ** 53) - 1, 10 ** 400, True, False,
                                     "16.4", "nan"]))
counts = st.one_of(st.none(), st.integers(-2, 602), st.integers(), st.floats(), st.booleans(), st.just("30"),
                   st.just(30.0))


def choice_of(vocab) -> st.SearchStrategy:
    return st.one_of(st.sampled_from(list(vocab)), st.sampled_from([k.upper() for k in vocab]),
                     st.sampled_from([k + "\x00" for k in vocab]), texts, st.none(), st.integers())


assists = st.fixed_dictionaries(
    {"topic": choice_of(TOPICS), "outcome": choice_of(OUTCOMES)},
    optional={"resident_id": st.one_of(st.none(), ids, bad_ids), "note": st.one_of(texts, long_texts, st.none()),
              "minutes": anything})
assist_lists = st.one_of(
    st.lists(assists, max_size=3), st.none(), st.just({}), st.just("x"),
    st.sampled_from([99, 100, 101]).map(lambda n: [{"topic": "vneid_account", "outcome": "done"}] * n))

visits = st.fixed_dictionaries(
    {"household_id": st.one_of(ids, bad_ids), "started_at": time_texts},
    optional={"duration_min": counts, "status": choice_of(VISIT_STATUSES),
              "notes": st.one_of(texts, long_texts, st.none()), "follow_up_on": date_texts,
              "lat": numbers, "lon": numbers, "accuracy_m": numbers,
              "replaces_id": st.one_of(st.none(), ids, bad_ids), "assists": assist_lists,
              "official_id": anything, "voided": anything, "household": anything})
"""Near-valid visit data: each field valid, or one of the spellings, limits and characters near it."""

changes = st.fixed_dictionaries(
    {"table": choice_of(PUSH_TABLES), "id": st.one_of(ids, bad_ids)},
    optional={"op": choice_of({"upsert": 1, "delete": 1}),
              "base_version": st.one_of(st.integers(-2, 5), st.integers(), st.floats(), st.booleans(), st.none(),
                                        st.just("3")),
              "data": st.one_of(st.just({}), st.dictionaries(texts, anything, max_size=3), st.none(), st.just([])),
              "priority": anything, "device_id": anything})


# Hostile payloads: what no JSON parser gives (bytes, tuples, sets, objects, keys that are no text, lone surrogates
# in keys), and JSON of any shape where a field or an assist is expected. The fast path must never accept one that
# the schema refuses, nor fail otherwise than by stepping aside.
json_values = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), texts),
                           lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                   st.dictionaries(texts, inner, max_size=3)), max_leaves=8)
oddities = st.one_of(st.binary(max_size=8), st.tuples(st.integers()), st.frozensets(st.integers(), max_size=2),
                     st.just(object()), st.dates(), st.datetimes(timezones=offsets), st.uuids(),
                     st.just(float("nan")), st.just(2 ** 64), st.just(-(2 ** 63) - 1), st.just(10 ** 30))
hostile_values = st.one_of(json_values, oddities)
hostile_keys = st.one_of(texts, st.integers(), st.none(), st.just("\ud800"), st.just("started_at\x00"))


def hostile(base: st.SearchStrategy, keys) -> st.SearchStrategy:
    """`base`'s records with some of `keys` given hostile values, and hostile keys added."""
    return st.builds(lambda record, replaced, extra: {**record, **replaced, **extra}, base,
                     st.dictionaries(st.sampled_from(keys), hostile_values, max_size=3),
                     st.dictionaries(hostile_keys, hostile_values, max_size=2))


# Well-formed records in the spellings the field app sends: these must take the fast path.
plain_texts = st.text(alphabet=st.characters(exclude_categories=("Cc", "Cs")), max_size=40)
good_assists = st.fixed_dictionaries(
    {"topic": st.sampled_from(list(TOPICS)), "outcome": st.sampled_from(list(OUTCOMES))},
    optional={"resident_id": st.one_of(st.none(), ids), "note": plain_texts})
good_visits = st.fixed_dictionaries(
    {"household_id": ids,
     "started_at": st.builds(lambda d, spec: d.isoformat(timespec=spec),
                             st.datetimes(datetime(1900, 1, 1), datetime(2200, 1, 1), timezones=offsets), timespecs)},
    optional={"duration_min": st.one_of(st.none(), st.integers(0, 600)), "status": st.just("met"),
              "notes": plain_texts, "follow_up_on": st.one_of(st.none(), st.dates().map(date.isoformat)),
              "lat": st.one_of(st.none(), st.floats(-90, 90), st.integers(-90, 90)),
              "lon": st.one_of(st.none(), st.floats(-180, 180)), "accuracy_m": st.one_of(st.none(), st.floats(0, 1e5)),
              "replaces_id": st.one_of(st.none(), ids), "assists": st.lists(good_assists, max_size=4)})


hostile_assists = hostile(good_assists, ["resident_id", "topic", "outcome", "note"])
hostile_visits = st.one_of(
    hostile(good_visits, list(VisitData().fields)),
    st.builds(lambda v, a: {**v, "assists": a}, good_visits,
              st.lists(st.one_of(hostile_assists, hostile_values), min_size=1, max_size=3)))
hostile_changes = hostile(st.fixed_dictionaries({"table": st.sampled_from(list(PUSH_TABLES)), "id": ids},
                                                optional={"op": st.sampled_from(["upsert", "delete"]),
                                                          "base_version": st.integers(0, 5), "data": st.just({})}),
                          list(ChangeSchema().fields))


def canon(value):
    """A value with its types spelled out, so that 5 and 5.0, or a date and its text, never compare equal. A UUID
    is its canonical string: the fast loaders keep ids as the strings they came as."""
    if isinstance(value, dict):
        return {k: canon(v) for k, v in value.items()}
    if isinstance(value, list):
        return [canon(v) for v in value]
    if isinstance(value, uuid.UUID):
        return ("id", str(value))
    if isinstance(value, str):
        return ("id", value) if len(value) == 36 and value == value.lower() and _is_uuid(value) else ("str", value)
    if isinstance(value, (datetime, date)):
        return (type(value).__name__, value.isoformat())  # the offset too: 09:00+07:00 is not 02:00+00:00
    if isinstance(value, float):
        return ("float", "nan" if math.isnan(value) else repr(value))
    return (type(value).__name__, value)


def _is_uuid(text: str) -> bool:
    try:
        return str(uuid.UUID(text)) == text
    except ValueError:
        return False


def agree(fast_load, schema, raw):
    """fast_load(raw) is None, or equal to schema.load(raw); it is None whenever the schema refuses raw."""
    fast = fast_load(raw)
    try:
        slow = schema.load(raw)
    except ValidationError as err:
        assert fast is None, (raw, err.messages)
        return None
    if fast is not None:
        assert canon(fast) == canon(slow), raw
    return fast


@SETTINGS
@given(visits)
@example({"household_id": new_id(), "started_at": "2026-11-20T09:00:00+07:00", "replaces_id": new_id()[1:]})
@example({"household_id": new_id(), "started_at": "2026-11-20T09:00:00+07:00", "lat": 90.000001})
@example({"household_id": new_id(), "started_at": "2026-11-20T09:00:00+07:00", "lon": -181})
@example({"household_id": new_id(), "started_at": "2026-11-20T09:00:00+07:00", "accuracy_m": float("inf")})
@example({"household_id": new_id(), "started_at": "2026-11-20T09:00:00+07:00",
          "assists": [{"topic": "vneid_account", "outcome": "done"}] * 101})
@example({"household_id": new_id(), "started_at": "2026-11-20T09:00:00+07:00", "status": "not_home",
          "assists": [{"topic": "vneid_account", "outcome": "done"}]})
@example({"household_id": new_id(), "started_at": "0001-01-01T00:30:00+01:00"})
def test_fast_visit_agrees_with_the_schema(data):
    agree(fast_visit, VISIT, data)


@SETTINGS
@given(changes)
def test_fast_change_agrees_with_the_schema(raw):
    agree(fast_change, CHANGE, raw)


@SETTINGS
@given(hostile_visits)
def test_a_hostile_visit_never_takes_the_fast_path_past_the_schema(data):
    agree(fast_visit, VISIT, data)


@SETTINGS
@given(st.one_of(hostile_changes, hostile_values))
def test_a_hostile_change_never_takes_the_fast_path_past_the_schema(raw):
    agree(fast_change, CHANGE, raw)


@SETTINGS
@given(good_visits, st.sampled_from(["upsert", "delete"]))
def test_well_formed_records_take_the_fast_path(data, op):
    raw = {"table": "visits", "op": op, "id": new_id(), "base_version": 0, "data": data}
    assert agree(fast_change, CHANGE, raw) is not None
    assert agree(fast_visit, VISIT, data) is not None


@SETTINGS
@given(good_visits)
def test_a_dumped_visit_loads_back_the_same(data):
    loaded = VISIT.load(data)
    dumped = VISIT.dump(loaded)
    assert canon(VISIT.load(dumped)) == canon(loaded)
    assert canon(fast_visit(dumped)) == canon(loaded)


@SETTINGS
@given(st.fixed_dictionaries({"village_id": st.integers(1, 10 ** 6), "address": plain_texts.filter(bool),
                              "head_name": plain_texts.filter(bool)},
                             optional={"phone": st.from_regex(r"\A[0-9 .+()-]{0,20}\Z"), "note": plain_texts}),
       st.fixed_dictionaries({"household_id": ids, "full_name": plain_texts.filter(bool)},
                             optional={"birth_year": st.one_of(st.none(), st.integers(1900, 2025)),
                                       "sex": st.one_of(st.none(), st.sampled_from(list(SEXES))),
                                       "has_smartphone": st.one_of(st.none(), st.booleans())}))
def test_dumped_households_and_residents_load_back_the_same(household, resident):
    for schema, data in ((HouseholdData(), household), (ResidentData(), resident)):
        loaded = schema.load(data)
        assert canon(schema.load(schema.dump(loaded))) == canon(loaded)


fast_household, fast_resident = compile_schema(HouseholdData()), compile_schema(ResidentData())
phones = st.one_of(st.from_regex(r"\A[0-9 .+()-]{0,21}\Z"), st.just("0905 333 444\n"), texts, st.none())
households = st.fixed_dictionaries(
    {"village_id": st.one_of(st.integers(), st.booleans(), st.just("7")), "address": st.one_of(texts, long_texts),
     "head_name": st.one_of(texts, long_texts)},
    optional={"phone": phones, "note": st.one_of(texts, long_texts, st.none()), "owner": anything})
residents = st.fixed_dictionaries(
    {"household_id": st.one_of(ids, bad_ids), "full_name": st.one_of(texts, long_texts)},
    optional={"birth_year": st.one_of(st.none(), st.integers(1890, 2040), st.integers(), st.floats()),
              "sex": choice_of(SEXES), "phone": phones, "has_smartphone": anything})


@SETTINGS
@given(households, residents)
@example({"village_id": 1, "address": "a", "head_name": "b"},
         {"household_id": new_id(), "full_name": "c", "birth_year": datetime.now(timezone.utc).year + 1})
@example({"village_id": 1, "address": "a", "head_name": "b"},
         {"household_id": new_id(), "full_name": "c", "birth_year": 1899})
def test_any_record_schema_compiles_to_a_loader_that_agrees(household, resident):
    # Households and residents take the schema's path in a push today; the loader is general, and these schemas
    # have what visits lack (two validators on a field, booleans, a pattern).
    agree(fast_household, HouseholdData(), household)
    agree(fast_resident, ResidentData(), resident)


# The holes that mutation testing found: a fast load accepting what the schema refuses. Each case fails the schema;
# the fast path must step aside, and the same record one step inside the limit must take it.
HOLES = [
    ({"replaces_id": new_id()[:-1]}, {"replaces_id": new_id()}),
    ({"replaces_id": 12345}, {"replaces_id": None}), ({"replaces_id": "không có"}, {"replaces_id": None}),
    ({"lat": 90.0000001}, {"lat": 90.0}), ({"lat": -91}, {"lat": -90}),
    ({"lon": 180.0000001}, {"lon": 180}), ({"lon": -180.5}, {"lon": -180.0}),
    ({"accuracy_m": -0.5}, {"accuracy_m": 0}), ({"accuracy_m": 100_000.5}, {"accuracy_m": 100_000}),
    ({"lat": float("nan")}, {"lat": 0.0}), ({"lon": True}, {"lon": 1}),
    ({"duration_min": 601}, {"duration_min": 600}), ({"duration_min": -1}, {"duration_min": 0}),
    ({"assists": [{"topic": "vneid_account", "outcome": "done"}] * 101},
     {"assists": [{"topic": "vneid_account", "outcome": "done"}] * 100}),
    ({"status": "not_home", "assists": [{"topic": "vneid_account", "outcome": "done"}]},
     {"status": "not_home", "assists": []}),
    ({"notes": "x" * 2001}, {"notes": "x" * 2000}), ({"notes": "a\x00b"}, {"notes": "a\nb\tc"}),
    ({"assists": [{"topic": "vneid_account", "outcome": "done", "note": "\x1b[31m"}]},
     {"assists": [{"topic": "vneid_account", "outcome": "done", "note": "[31m"}]}),
    ({"assists": [{"topic": "vneid_account", "outcome": "done", "resident_id": "42"}]},
     {"assists": [{"topic": "vneid_account", "outcome": "done", "resident_id": new_id()}]}),
    ({"started_at": "2026-11-20T09:00:00"}, {"started_at": "2026-11-20T09:00:00+07:00"}),
    ({"started_at": "0001-01-01T00:30:00+01:00"}, {"started_at": "0001-01-01T00:30:00+00:00"}),
    ({"follow_up_on": "2026-02-30"}, {"follow_up_on": "2026-02-28"}),
]


@pytest.mark.parametrize("bad, good", HOLES)
def test_the_fast_path_refuses_what_the_schema_refuses(bad, good):
    base = {"household_id": new_id(), "started_at": "2026-11-20T09:00:00+07:00"}
    with pytest.raises(ValidationError):
        VISIT.load({**base, **bad})
    assert fast_visit({**base, **bad}) is None
    assert canon(fast_visit({**base, **good})) == canon(VISIT.load({**base, **good}))


def test_a_visit_dated_far_from_today_takes_the_fast_path():
    for started in (datetime.now(timezone.utc) + timedelta(days=1), datetime(2025, 11, 1, tzinfo=timezone.utc)):
        data = {"household_id": new_id(), "started_at": started.isoformat(), "follow_up_on": "2024-01-01"}
        assert fast_visit(data)["started_at"] == started


def test_unknown_keys_are_ignored_and_the_change_keeps_its_data():
    raw = {"table": "visits", "id": new_id(), "data": {"a": 1}, "priority": 9}
    loaded = fast_change(raw)
    assert loaded == {"table": "visits", "op": "upsert", "id": raw["id"], "base_version": 0, "data": {"a": 1}}
    assert loaded["data"] is not raw["data"]  # a copy, as the schema's Dict gives


class Odd(Schema):
    class Meta:
        unknown = RAISE

    n = fields.Integer(required=True, validate=lambda v: v < 100)
    word = fields.String(load_default="a", validate=validate.Length(equal=1))
    x = fields.Float(allow_none=True)  # no Range to refuse NaN and infinities: the field itself must

    @validates("n")
    def _even(self, value, data_key):
        if value % 2:
            raise ValidationError("Must be even.")


def test_a_schemas_own_validators_and_unknown_policy_are_followed():
    load = compile_schema(Odd())
    assert load({"n": 4}) == {"n": 4, "word": "a"}
    assert load({"n": 3}) is None  # the @validates hook
    assert load({"n": 200}) is None  # a plain function validator returning False
    assert load({"n": 4, "word": "ab"}) is None and load({"n": 4, "y": 1}) is None  # Length(equal), RAISE
    assert load({"word": "b"}) is None  # required
    assert load({"n": 2, "x": 1}) == {"n": 2, "word": "a", "x": 1.0}
    for x in (float("nan"), float("inf"), float("-inf"), 10 ** 400, True, "1.5"):
        assert load({"n": 2, "x": x}) is None, x
    for x in (2 ** 53 + 1, -(2 ** 63), 2 ** 64 + 1):  # float() rounds them, in the schema as here
        assert canon(load({"n": 2, "x": x})) == canon(Odd().load({"n": 2, "x": x})), x


class Renamed(Schema):
    from_ = fields.Date(data_key="from", load_default=None)
    when = fields.AwareDateTime()  # optional, no load_default: left out when missing
    extra = fields.Dict()
    low = fields.Float(validate=validate.Range(min=0))  # one bound: the infinity is the field's to refuse
    tag = Text(validate=[validate.OneOf(["a", "b"]), validate.Length(max=1)])
    pair = fields.String(validate=[validate.Length(min=2), validate.Length(max=3)])  # both hold


def test_renamed_fields_fields_left_out_and_a_dict_that_is_null():
    load, schema = compile_schema(Renamed()), Renamed()
    assert load({}) == schema.load({}) == {"from_": None}
    assert load({"from": "2026-01-02", "when": "2026-01-02T03:04:05+07:00"}) == schema.load(
        {"from": "2026-01-02", "when": "2026-01-02T03:04:05+07:00"})
    # The attribute is no key of the payload: an unknown field, which this schema refuses.
    for bad in ({"from_": "2026-01-02"}, {"extra": None}, {"extra": []}, {"low": float("inf")}, {"low": -1},
                {"tag": "c"}, {"when": "2026-01-02T03:04:05"}, {"from": "2026-02-30"}, {"pair": "a"}, {"pair": "abcd"}):
        with pytest.raises(ValidationError):
            schema.load(bad)
        assert load(bad) is None, bad
    assert load({"extra": {"a": [1]}, "low": 0, "tag": "b", "pair": "abc"}) == {
        "from_": None, "extra": {"a": [1]}, "low": 0.0, "tag": "b", "pair": "abc"}


class Prepared(Schema):
    n = fields.Integer()

    @pre_load
    def _strip(self, data, **kwargs):
        return data


class Emails(Schema):
    to = fields.Email()


class Included(Schema):
    class Meta:
        unknown = INCLUDE

    n = fields.Integer()


@pytest.mark.parametrize("schema", [Prepared(), Emails(), Included()])
def test_a_schema_feature_the_fast_path_cannot_follow_fails_at_once(schema):
    with pytest.raises(TypeError):
        compile_schema(schema)
