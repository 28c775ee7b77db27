"""Fast loads of a pushed change and of a visit's data, compiled from the marshmallow schemas.

The push of a batch spends most of its time in marshmallow, so the common, well-formed record is checked here by
plain Python built once from the schema's own fields, validators and hooks: every limit (lengths, ranges, choices,
patterns, control characters) is the schema's, never a copy. A loader returns what the schema's load returns, except
that ids stay the canonical strings they came as (str of the schema's UUID). For anything it is not sure of (an
error, or an unusual but valid spelling such as 5.0 for 5) it returns None, and the caller loads with the schema,
which gives the same result or the error messages. A schema feature it cannot follow (a field type or a hook it does
not know) fails at import, so that a schema change can never make it accept what the schema refuses.
"""
import math
from datetime import date, datetime

from marshmallow import EXCLUDE, RAISE, ValidationError, fields, validate
from marshmallow.decorators import POST_LOAD, PRE_LOAD, VALIDATES, VALIDATES_SCHEMA
from marshmallow.utils import missing

from shared.ids import is_canonical
from shared.schemas import ChangeSchema, Text, VisitData

_BAD = object()
"""A value the loader is not sure of: the schema decides."""
_EXACT_FLOAT = 2 ** 53  # float() of a larger int may round or overflow: let the schema say


# Each converter takes the field and what None loads as (None, or _BAD when the field refuses null), and returns a
# function of one value: the value as the field deserializes it, before validators, or _BAD.

def _text(field, none):
    forbidden = field.forbidden.search
    return lambda v: v if type(v) is str and forbidden(v) is None else (none if v is None else _BAD)


def _string(field, none):
    return lambda v: v if type(v) is str else (none if v is None else _BAD)


def _uuid(field, none):
    return lambda v: v if is_canonical(v) else (none if v is None else _BAD)


def _integer(field, none):
    return lambda v: v if type(v) is int else (none if v is None else _BAD)


def _float(field, none):
    finite = not field.allow_nan

    def load(v):
        if type(v) is float:
            return v if not finite or math.isfinite(v) else _BAD
        if type(v) is int and -_EXACT_FLOAT <= v <= _EXACT_FLOAT:
            return float(v)
        return none if v is None else _BAD
    return load


def _boolean(field, none):
    if not ({True} <= field.truthy and {False} <= field.falsy):
        raise TypeError(f"fastload: a Boolean with other truthy/falsy values: {field}")
    return lambda v: v if type(v) is bool else (none if v is None else _BAD)


def _iso(field, none, parse):
    if field.format not in (None, "iso", "iso8601"):
        raise TypeError(f"fastload: a {type(field).__name__} of format {field.format!r}")

    def load(v):
        if type(v) is not str:
            return none if v is None else _BAD
        try:
            return parse(v)
        except ValueError:
            return _BAD
    return load


def _aware_datetime(field, none):
    if field.default_timezone is not None:
        raise TypeError("fastload: an AwareDateTime with a default_timezone")
    parse = _iso(field, _BAD, datetime.fromisoformat)

    def load(v):
        if v is None:
            return none
        value = parse(v)
        if value is _BAD or value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
            return _BAD
        return value
    return load


def _date(field, none):
    return _iso(field, none, date.fromisoformat)


def _dict(field, none):
    if field.key_field is not None or field.value_field is not None:
        raise TypeError("fastload: a Dict with key or value fields")
    return lambda v: dict(v) if type(v) is dict else (none if v is None else _BAD)


def _list(field, none):
    item = _field(field.inner)

    def load(v):
        if type(v) is not list:
            return none if v is None else _BAD
        items = [item(x) for x in v]
        return _BAD if _BAD in items else items
    return load


def _nested(field, none):
    if field.many or field.only or field.exclude or field.unknown is not None:
        raise TypeError(f"fastload: a Nested field with many, only, exclude or unknown: {field}")
    load = compile_schema(field.schema)

    def nested(v):
        if v is None:
            return none
        v = load(v)
        return _BAD if v is None else v
    return nested


# By exact type: a subclass may load otherwise, so it must be added here on purpose.
_CONVERTERS = {Text: _text, fields.String: _string, fields.UUID: _uuid, fields.Integer: _integer,
               fields.Float: _float, fields.Boolean: _boolean, fields.AwareDateTime: _aware_datetime,
               fields.Date: _date, fields.Dict: _dict, fields.List: _list, fields.Nested: _nested}


def _check(validator):
    """A predicate for one validator: the common ones read as plain comparisons, any other is called."""
    kind = type(validator)
    if kind is validate.Length:
        low, high, equal = validator.min, validator.max, validator.equal
        if equal is not None:
            return lambda v: len(v) == equal
        return lambda v: (low is None or len(v) >= low) and (high is None or len(v) <= high)
    if kind is validate.Range:
        low, high = validator.min, validator.max
        low_in, high_in = validator.min_inclusive, validator.max_inclusive
        return lambda v: ((low is None or (v >= low if low_in else v > low))
                          and (high is None or (v <= high if high_in else v < high)))
    if kind is validate.OneOf:
        choices = frozenset(validator.choices)
        return lambda v: v in choices
    if kind is validate.Regexp:
        match = validator.regex.match
        return lambda v: match(v) is not None

    def call(v):
        try:
            return validator(v) is not False  # marshmallow's rule: False is a failure too
        except ValidationError:
            return False
    return call


def _field(field):
    """A function of one value that returns it loaded, or _BAD."""
    allow_none = field.allow_none
    none = None if allow_none else _BAD
    choices = _only_choices(field)
    if choices is not None:  # a word of a vocabulary: one set lookup checks it all
        return lambda v: v if type(v) is str and v in choices else (none if v is None else _BAD)
    try:
        convert = _CONVERTERS[type(field)](field, none)
    except KeyError:
        raise TypeError(f"fastload: no fast load of a {type(field).__name__} field") from None
    checks = tuple(_check(v) for v in field.validators)
    if not checks:
        return convert
    # None skips the validators, as in marshmallow; a converter gives None only for None.
    if len(checks) == 1:
        ok = checks[0]
        return lambda v: v if (v := convert(v)) is None or v is _BAD or ok(v) else _BAD

    def load(v):
        v = convert(v)
        if v is None or v is _BAD:
            return v
        for ok in checks:
            if not ok(v):
                return _BAD
        return v
    return load


def _only_choices(field) -> frozenset | None:
    """The choices of a text field whose one validator is OneOf, when each is a text the field itself accepts."""
    if type(field) not in (Text, fields.String) or len(field.validators) != 1:
        return None
    validator = field.validators[0]
    if type(validator) is not validate.OneOf:
        return None
    choices = frozenset(validator.choices)
    if all(type(c) is str and (type(field) is fields.String or field.forbidden.search(c) is None) for c in choices):
        return choices
    return None


def compile_schema(schema):
    """A function equal to `schema.load(raw)` for what it accepts (ids as canonical strings), None otherwise."""
    hooks = schema._hooks
    if hooks[PRE_LOAD] or hooks[POST_LOAD]:
        raise TypeError(f"fastload: {type(schema).__name__} has pre_load or post_load hooks")
    unknown = schema.unknown
    if unknown not in (EXCLUDE, RAISE):
        raise TypeError(f"fastload: {type(schema).__name__} includes unknown fields")
    plan = []  # (key in the payload, key in the result, load, required, load_default)
    for name, field in schema.load_fields.items():
        plan.append((field.data_key or name, field.attribute or name, _field(field), field.required,
                     field.load_default))
    keys = frozenset(key for key, *_ in plan)
    field_hooks = []
    for attr, _, kwargs in hooks[VALIDATES]:
        for name in kwargs["field_names"]:
            field = schema.fields[name]
            field_hooks.append((field.attribute or name, getattr(schema, attr), field.data_key or name))
    schema_hooks = []
    for attr, many, kwargs in hooks[VALIDATES_SCHEMA]:
        if many or kwargs.get("pass_original"):
            raise TypeError(f"fastload: {type(schema).__name__}.{attr} takes the collection or the original data")
        schema_hooks.append(getattr(schema, attr))

    def load(raw) -> dict | None:
        if type(raw) is not dict or (unknown == RAISE and not keys.issuperset(raw)):
            return None
        out = {}
        for key, name, load_field, required, default in plan:
            value = raw.get(key, missing)
            if value is missing:
                if required:
                    return None
                if default is not missing:
                    out[name] = default() if callable(default) else default
                continue
            value = load_field(value)
            if value is _BAD:
                return None
            out[name] = value
        try:
            for name, hook, data_key in field_hooks:
                if name in out:
                    hook(out[name], data_key=data_key)
            for hook in schema_hooks:
                hook(out, partial=None, many=False, unknown=unknown)
        except ValidationError:
            return None
        return out
    return load


fast_change = compile_schema(ChangeSchema())
"""ChangeSchema().load(raw) (its id a canonical string), or None when the schema must decide."""
fast_visit = compile_schema(VisitData())
"""VisitData().load(data) (its ids canonical strings), or None when the schema must decide."""
