"""Fast loads of a pushed change and of a visit's data: msgspec types compiled from the marshmallow schemas.

The push of a batch spent most of its validation time in Python, so the common, well-formed record is checked by
msgspec (C) against a Struct built at import from the schema's own fields and validators: types, required fields,
the unknown-field policy, lengths, ranges and choices become msgspec's. What msgspec cannot say, or says slower
than Python, is checked after it by the schema's own code: the characters a `Text` refuses, ids (canonical, by
shared.ids's pattern), dates and times parsed with the field's own function (msgspec's parser reads "t" and rounds
7 fraction digits), other validators, and the @validates / @validates_schema hooks. A loader returns what the
schema's load returns, except that ids stay the canonical strings they came as (str of the schema's UUID). For
anything it is not sure of (an error, or an unusual but valid spelling such as 5.0 for 5, or an uppercase id) it
returns None, and the caller loads with the schema, which gives the same result or the error messages. A schema
feature it cannot follow (a field type or a hook it does not know) fails at import, so that a schema change can
never make it accept what the schema refuses.
"""
import keyword
import math
import re
from typing import Annotated, Any, Literal

import msgspec
from marshmallow import EXCLUDE, RAISE, ValidationError, fields, validate
from marshmallow.decorators import POST_LOAD, PRE_LOAD, VALIDATES, VALIDATES_SCHEMA
from marshmallow.utils import missing

from shared.ids import _CANONICAL
from shared.schemas import ChangeSchema, Text, VisitData

_BAD = object()
"""A value the loader is not sure of: the schema decides."""
_UNSET = msgspec.UNSET


class _Field:
    """What one marshmallow field compiles to: the msgspec annotation (its constraints in Meta) and `post`, a
    function of the value msgspec gives (never None) that returns the value as the schema loads it, or _BAD; None
    when msgspec gives it already. `test`, when the post only checks: (a Python expression of `v` and `{x}`, x),
    true when the value is good, which the generated loader inlines."""

    def __init__(self, annotation, post=None, test=None, takes_none=False):
        self.annotation, self.post, self.test = annotation, post, test
        self.takes_none = takes_none  # None passes msgspec even where the field refuses it (an Any)


def _printable_never_forbidden(forbidden: re.Pattern) -> bool:
    """Whether `forbidden` is one character class of non-printable characters only: then a text for which
    str.isprintable() (C, a table lookup per character) is true has none of them, and needs no search."""
    try:
        (op, items), = re._parser.parse(forbidden.pattern, forbidden.flags)
    except Exception:  # any other shape, or a parser that moved: the search alone
        return False
    if op is not re._constants.IN or forbidden.flags & ~re.UNICODE:
        return False
    for kind, arg in items:
        if kind is re._constants.LITERAL:
            codes = (arg,)
        elif kind is re._constants.RANGE:
            codes = range(arg[0], arg[1] + 1)
        else:
            return False
        if any(chr(c).isprintable() for c in codes):
            return False
    return True


def _text_check(field) -> tuple:
    """A Text's own check, that it holds none of the characters it refuses: as a test to inline, and as a post.
    msgspec's pattern would call the same `re` from C, at twice the cost; most texts are printable, which
    str.isprintable() says at half of it."""
    search = field.forbidden.search
    if _printable_never_forbidden(field.forbidden):
        return ("v.isprintable() or {x}(v) is None", search), \
            lambda v: v if v.isprintable() or search(v) is None else _BAD
    return ("{x}(v) is None", search), lambda v: v if search(v) is None else _BAD


def _annotated(kind, meta: dict):
    return Annotated[kind, msgspec.Meta(**meta)] if meta else kind


def _length(validator, meta: dict) -> None:
    if validator.equal is not None:
        meta["min_length"] = meta["max_length"] = validator.equal
    else:
        if validator.min is not None:
            meta["min_length"] = validator.min
        if validator.max is not None:
            meta["max_length"] = validator.max


def _range(validator, meta: dict, kind) -> bool:
    bounds = {}
    if validator.min is not None:
        bounds["ge" if validator.min_inclusive else "gt"] = validator.min
    if validator.max is not None:
        bounds["le" if validator.max_inclusive else "lt"] = validator.max
    if kind is int and not all(type(b) is int for b in bounds.values()):
        return False  # msgspec takes int bounds only for an int: compare in Python
    if kind is float and not all(type(b) in (int, float) and math.isfinite(b) for b in bounds.values()):
        return False
    if set(bounds) & set(meta):
        return False
    meta.update(bounds)
    return True


def _check(validator):
    """A predicate for one validator msgspec does not take: the common ones as plain comparisons, any other is
    called."""
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


def _choices(field, validator):
    """Literal[...] for a OneOf of a text field, when each choice is a text the field itself accepts."""
    if type(field) not in (Text, fields.String) or type(validator) is not validate.OneOf:
        return None
    choices = tuple(validator.choices)
    if choices and all(type(c) is str and (type(field) is fields.String or field.forbidden.search(c) is None)
                       for c in choices):
        return Literal[choices]
    return None


def _parsed(field):
    """A date or a time parsed from its text by the field's own function; an AwareDateTime's offset required."""
    if field.format not in (None, "iso", "iso8601"):
        raise TypeError(f"fastload: a {type(field).__name__} of format {field.format!r}")
    parse = field.DESERIALIZATION_FUNCS[field.format or field.DEFAULT_FORMAT]
    aware = type(field) is fields.AwareDateTime
    if aware and field.default_timezone is not None:
        raise TypeError("fastload: an AwareDateTime with a default_timezone")

    def load(v):
        try:
            value = parse(v)
        except ValueError:
            return _BAD
        if aware and (value.tzinfo is None or value.tzinfo.utcoffset(value) is None):
            return _BAD
        return value
    return load


def _compile_field(field) -> _Field:
    kind, meta, checks, first, literal, test = type(field), {}, [], None, None, None
    validators = list(field.validators)
    if validators and (literal := _choices(field, validators[0])) is not None:
        validators.pop(0)  # the Literal checks it, and the characters with it
        base = literal
    elif kind in (Text, fields.String):
        base = str
        if kind is Text:
            test, first = _text_check(field)
    elif kind is fields.UUID:
        if validators:
            raise TypeError(f"fastload: a UUID field with validators: {field}")  # they would take a UUID
        # A pattern in msgspec's Meta would call `re` from C, at twice the cost.
        base, first, test = str, _canonical, ("{x}(v) is not None", _CANONICAL)
    elif kind is fields.Integer:
        base = int
    elif kind is fields.Float:
        base = float
    elif kind is fields.Boolean:
        if not ({True} <= field.truthy and {False} <= field.falsy):
            raise TypeError(f"fastload: a Boolean with other truthy/falsy values: {field}")
        base = bool
    elif kind in (fields.AwareDateTime, fields.Date):
        base, first = str, _parsed(field)
    elif kind is fields.Dict:
        if field.key_field is not None or field.value_field is not None:
            raise TypeError("fastload: a Dict with key or value fields")
        # Any: msgspec would copy a dict's values one by one, which the schema does not check.
        base, first = Any, _shallow_dict
    elif kind is fields.List:
        inner = _compile_field(field.inner)
        base = list[inner.annotation]
        if inner.post is not None:
            first = _each(inner.post)
    elif kind is fields.Nested:
        if field.many or field.only or field.exclude or field.unknown is not None:
            raise TypeError(f"fastload: a Nested field with many, only, exclude or unknown: {field}")
        base, first = _compile(field.schema)
    else:
        raise TypeError(f"fastload: no fast load of a {kind.__name__} field")
    for validator in validators:  # into msgspec's constraints where they fit, else checked after it
        if (type(validator) is validate.Length and (base is str or kind is fields.List) and literal is None
                and not {"min_length", "max_length"} & set(meta)):  # a second Length: checked in Python
            _length(validator, meta)
        elif not (type(validator) is validate.Range and base in (int, float) and _range(validator, meta, base)):
            checks.append(_check(validator))
    if base is float and not field.allow_nan and not ({"ge", "gt"} & set(meta) and {"le", "lt"} & set(meta)):
        checks.insert(0, math.isfinite)  # finite bounds refuse NaN and the infinities; without both, say it
    annotation = _annotated(base, meta)
    if field.allow_none:
        annotation = annotation | None  # None skips the validators, as in marshmallow
    return _Field(annotation, _post(first, checks), test if not checks else None, base is Any)


def _canonical(v, canonical=_CANONICAL):
    return v if canonical(v) is not None else _BAD


def _shallow_dict(v):
    return dict(v) if type(v) is dict else _BAD  # as the schema's Dict gives: a copy


def _each(post):
    def load(items):
        items = [post(x) for x in items]
        return _BAD if _BAD in items else items
    return load


def _post(first, checks):
    """One function of the value: `first` (a parse), then every check; the common shapes without a loop."""
    checks = tuple(checks)
    if not checks:
        return first
    if first is None and len(checks) == 1:
        ok, = checks
        return lambda v: v if ok(v) else _BAD
    if first is None:
        return lambda v: v if all(ok(v) for ok in checks) else _BAD

    def load(v):
        v = first(v)
        if v is _BAD:
            return v
        for ok in checks:
            if not ok(v):
                return _BAD
        return v
    return load


def _compile(schema):
    """The msgspec Struct of `schema`, and a function of an instance that returns the dict schema.load gives, or
    _BAD."""
    name = type(schema).__name__
    hooks = schema._hooks
    if hooks[PRE_LOAD] or hooks[POST_LOAD]:
        raise TypeError(f"fastload: {name} has pre_load or post_load hooks")
    unknown = schema.unknown
    if unknown not in (EXCLUDE, RAISE):
        raise TypeError(f"fastload: {name} includes unknown fields")
    members, steps = [], []  # steps: (attribute, _Field, field) of each field the loader must look at again
    for key, field in schema.load_fields.items():
        attribute, data_key = field.attribute or key, field.data_key or key
        if not attribute.isidentifier() or keyword.iskeyword(attribute) or attribute.startswith("_"):
            raise TypeError(f"fastload: {name}.{key} loads to {attribute!r}, not a Struct field's name")
        compiled = _compile_field(field)
        default = field.load_default
        annotation = compiled.annotation
        if field.required:
            spec = msgspec.field(name=data_key)
        elif compiled.post is not None or default is missing:
            # Unset when missing: the post is not run on a default, and a field without one stays out.
            annotation = annotation | msgspec.UnsetType
            spec = msgspec.field(default=_UNSET, name=data_key)
        elif callable(default):
            spec = msgspec.field(default_factory=default, name=data_key)
        else:
            spec = msgspec.field(default=default, name=data_key)
        members.append((attribute, annotation, spec))
        if compiled.post is not None or (default is missing and not field.required):
            steps.append((attribute, compiled, field))
    struct = msgspec.defstruct(name + "Struct", members, kw_only=True, gc=False,
                               forbid_unknown_fields=unknown == RAISE)
    field_hooks = []
    for attr, _, kwargs in hooks[VALIDATES]:
        for key in kwargs["field_names"]:
            field = schema.fields[key]
            field_hooks.append((field.attribute or key, getattr(schema, attr), field.data_key or key))
    schema_hooks = []
    for attr, many, kwargs in hooks[VALIDATES_SCHEMA]:
        if many or kwargs.get("pass_original"):
            raise TypeError(f"fastload: {name}.{attr} takes the collection or the original data")
        schema_hooks.append(getattr(schema, attr))
    return struct, _finish(name, steps, field_hooks, schema_hooks, unknown)


def _finish(name: str, steps: list, field_hooks: list, schema_hooks: list, unknown: str):
    """The function of a Struct instance that returns the dict the schema's load gives, or _BAD: its source
    generated, one plain statement per check, as dataclasses does, since a loop over the fields' functions cost
    as much as the checks themselves."""
    env = {"asdict": msgspec.structs.asdict, "BAD": _BAD, "UNSET": _UNSET, "ValidationError": ValidationError,
           "unknown": unknown}
    lines = ["def finish(value):", "    out = asdict(value)"]
    for i, (attribute, compiled, field) in enumerate(steps):
        key, default = repr(attribute), field.load_default
        lines.append(f"    v = out[{key}]")
        branches = []
        if not field.required:  # missing: its load_default, or no key at all
            env[f"default{i}"] = default
            branches.append(("v is UNSET", [f"del out[{key}]"] if default is missing else
                             [f"out[{key}] = default{i}()" if callable(default) else f"out[{key}] = default{i}"]))
        if compiled.post is not None:
            # None skips the post (a null where the field allows it); an Any (a Dict) takes None where it does not.
            if field.allow_none or compiled.takes_none:
                branches.insert(0, ("v is None", ["pass" if field.allow_none else "return BAD"]))
            if compiled.test is not None:
                expression, env[f"x{i}"] = compiled.test
                branches.append((f"not ({expression.format(x=f'x{i}')})", ["return BAD"]))
            else:
                env[f"post{i}"] = compiled.post
                branches.append((None, [f"v = post{i}(v)", "if v is BAD:", "    return BAD", f"out[{key}] = v"]))
        for j, (condition, body) in enumerate(branches):
            if condition is None and j == 0:  # nothing to tell apart first
                lines.extend("    " + line for line in body)
                continue
            lines.append("    " + ("else:" if condition is None else ("if " if j == 0 else "elif ") + condition + ":"))
            lines.extend("        " + line for line in body)
    if field_hooks or schema_hooks:
        lines.append("    try:")
        for i, (attribute, hook, data_key) in enumerate(field_hooks):
            env[f"field_hook{i}"] = hook
            lines += [f"        if {attribute!r} in out:",
                      f"            field_hook{i}(out[{attribute!r}], data_key={data_key!r})"]
        for i, hook in enumerate(schema_hooks):
            env[f"schema_hook{i}"] = hook
            lines.append(f"        schema_hook{i}(out, partial=None, many=False, unknown=unknown)")
        lines += ["    except ValidationError:", "        return BAD"]
    lines.append("    return out")
    exec(compile("\n".join(lines) + "\n", f"<fastload {name}>", "exec"), env)
    finish = env["finish"]
    finish.source = "\n".join(lines)
    return finish


def compile_schema(schema):
    """A function equal to `schema.load(raw)` for what it accepts (ids as canonical strings), None otherwise."""
    struct, finish = _compile(schema)
    # A key with a lone surrogate is no UTF-8 name of a field: msgspec says so with UnicodeEncodeError.
    convert, invalid = msgspec.convert, (msgspec.ValidationError, UnicodeEncodeError)

    def load(raw) -> dict | None:
        if type(raw) is not dict:
            return None
        try:
            out = finish(convert(raw, struct))
        except invalid:
            return None
        return None if out is _BAD else out
    load.struct = struct
    return load


fast_change = compile_schema(ChangeSchema())
"""ChangeSchema().load(raw) (its id a canonical string), or None when the schema must decide."""
fast_visit = compile_schema(VisitData())
"""VisitData().load(data) (its ids canonical strings), or None when the schema must decide."""
