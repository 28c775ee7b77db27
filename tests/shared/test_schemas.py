from datetime import datetime, timedelta, timezone

import pytest
from marshmallow import ValidationError

from shared.ids import new_id
from shared.schemas import (AssistData, ChangeSchema, HouseholdData, LoginSchema, PushSchema, ResidentData,
                            VisitData)
from shared.vocab import OUTCOMES, TOPICS, label


def visit(**data):
    return {"household_id": new_id(), "started_at": datetime.now(timezone.utc).isoformat(), **data}


def household(**data):
    return {"village_id": 1, "address": "Số 7, kiệt 12", "head_name": "Nguyễn Văn Ánh", **data}


def resident(**data):
    return {"household_id": new_id(), "full_name": "Trần Thị Bình", **data}


def errors_of(schema, data) -> dict:
    with pytest.raises(ValidationError) as err:
        schema.load(data)
    return err.value.messages


def test_a_visit_loads_with_defaults():
    loaded = VisitData().load(visit(assists=[{"topic": "vneid_level2", "outcome": "done"}]))
    assert loaded["status"] == "met" and loaded["notes"] == "" and loaded["assists"][0]["resident_id"] is None
    assert loaded["follow_up_on"] is None and loaded["lat"] is None and loaded["replaces_id"] is None


@pytest.mark.parametrize("data, field", [
    (visit(started_at="2026-11-20T09:00:00"), "started_at"),  # no offset: the time is not known
    (visit(started_at="0001-01-01T01:00:00+07:00"), "started_at"),  # no UTC time
    (visit(started_at="9999-12-31T23:00:00-05:00"), "started_at"),
    (visit(status="not_home", assists=[{"topic": "vneid_account", "outcome": "done"}]), "assists"),
    (visit(assists=[{"topic": "bitcoin", "outcome": "done"}]), "assists"),
    (visit(assists=[{"topic": "vneid_account", "outcome": "done"}] * 101), "assists"),
    (visit(lat=91), "lat"),
    (visit(lon=-180.5), "lon"),
    (visit(accuracy_m=float("nan")), "accuracy_m"),
    (visit(replaces_id="not-an-id"), "replaces_id"),
    (visit(duration_min=601), "duration_min"),
])
def test_bad_visits_name_the_field(data, field):
    assert field in errors_of(VisitData(), data)


@pytest.mark.parametrize("started_at", [
    datetime.now(timezone.utc) + timedelta(days=1),  # a tablet clock a day ahead
    datetime.now(timezone(timedelta(hours=7))) - timedelta(days=366),  # a year behind
    datetime(1999, 1, 1, tzinfo=timezone.utc), datetime(2100, 1, 1, tzinfo=timezone(timedelta(hours=-5))),
])
def test_a_visit_is_never_refused_for_its_date(started_at):
    old_follow_up = (datetime.now(timezone.utc) - timedelta(days=800)).date().isoformat()
    loaded = VisitData().load(visit(started_at=started_at.isoformat(), follow_up_on=old_follow_up))
    assert loaded["started_at"] == started_at and loaded["started_at"].utcoffset() == started_at.utcoffset()
    assert loaded["follow_up_on"].isoformat() == old_follow_up


@pytest.mark.parametrize("schema, data", [
    (HouseholdData(), household(owner=3, seq=9)),
    (ResidentData(), resident(national_id="0123", version=4)),
    (VisitData(), visit(official_id=1, commune_id=2, voided=True)),
    (AssistData(), {"topic": "vneid_account", "outcome": "done", "minutes": 5}),
    (ChangeSchema(), {"table": "households", "id": new_id(), "data": {}, "priority": "high"}),
    (PushSchema(), {"batch_id": new_id(), "schema_version": 1, "changes": [], "owner": 7}),
    (LoginSchema(), {"username": "u", "password": "p", "device_id": new_id(), "push_token": "x"}),
])
def test_a_newer_apps_unknown_fields_are_ignored(schema, data):
    loaded = schema.load(data)
    known = set(schema.load_fields)
    assert set(loaded) <= known and set(data) - known and not (set(data) - known) & set(loaded)


def test_an_older_apps_missing_fields_take_their_defaults():
    assert HouseholdData().load(household()) == {**household(), "phone": "", "note": ""}
    loaded = ResidentData().load(resident())
    assert (loaded["birth_year"], loaded["sex"], loaded["phone"], loaded["has_smartphone"]) == (None, None, "", None)
    assert ChangeSchema().load({"table": "visits", "id": new_id()})["op"] == "upsert"


CONTROL = ["\x00", "\x01", "\x07", "\x1b", "\x7f", "\x85", "\x9f", "\r", "\x0b", "\ud800", "\udfff"]


@pytest.mark.parametrize("char", CONTROL)
@pytest.mark.parametrize("schema, data, field", [
    (HouseholdData(), household(), "address"), (HouseholdData(), household(), "head_name"),
    (HouseholdData(), household(), "phone"), (HouseholdData(), household(), "note"),
    (ResidentData(), resident(), "full_name"), (ResidentData(), resident(), "phone"),
    (ResidentData(), resident(sex="f"), "sex"),
    (VisitData(), visit(), "notes"), (VisitData(), visit(), "status"),
    (AssistData(), {"topic": "vneid_account", "outcome": "done"}, "note"),
    (AssistData(), {"topic": "vneid_account", "outcome": "done"}, "topic"),
    (ChangeSchema(), {"table": "households", "id": new_id()}, "table"),
    (LoginSchema(), {"username": "u", "password": "p", "device_id": new_id()}, "username"),
    (LoginSchema(), {"username": "u", "password": "p", "device_id": new_id()}, "password"),
    (LoginSchema(), {"username": "u", "password": "p", "device_id": new_id()}, "device_label"),
])
def test_control_characters_are_refused_naming_the_field(schema, data, field, char):
    value = data.get(field) or "0905"
    errors = errors_of(schema, {**data, field: value[:2] + char + value[2:]})
    assert list(errors) == [field]
    where = len(value[:2])
    assert errors[field] == [f"Must not contain control characters (found U+{ord(char):04X} at position {where})."]


def test_notes_keep_their_line_breaks_and_tabs():
    text = "Nhà có hai người già.\n\tHẹn quay lại thứ Bảy."
    assert VisitData().load(visit(notes=text))["notes"] == text
    assert HouseholdData().load(household(note=text))["note"] == text
    assert AssistData().load({"topic": "vneid_account", "outcome": "done", "note": text})["note"] == text
    for field in ("address", "head_name"):
        assert field in errors_of(HouseholdData(), household(**{field: "Số 7\nkiệt 12"}))


def test_a_time_without_its_offset_says_how_to_write_it():
    assert errors_of(VisitData(), visit(started_at="2026-11-20T09:00:00")) == {
        "started_at": ["Must carry a UTC offset, e.g. 2026-11-27T09:30:00+07:00."]}


def test_a_future_birth_year_is_refused():
    year = datetime.now(timezone.utc).year
    assert ResidentData().load(resident(birth_year=year - 1))["birth_year"] == year - 1
    assert ResidentData().load(resident(birth_year=1900))["birth_year"] == 1900
    assert "birth_year" in errors_of(ResidentData(), resident(birth_year=year + 1))
    assert "birth_year" in errors_of(ResidentData(), resident(birth_year=1899))


def test_household_phone():
    assert set(errors_of(HouseholdData(), household(phone="gọi tôi", owner=3))) == {"phone"}


def test_change_envelope():
    assert set(errors_of(ChangeSchema(), {"table": "users", "id": "1", "data": {}})) == {"table", "id"}


def test_every_topic_and_outcome_has_both_labels():
    for vocab in (TOPICS, OUTCOMES):
        for key, msgid in vocab.items():  # the English label is the msgid; its Vietnamese is in the catalogue
            assert label(vocab, key, "en") == msgid and label(vocab, key, "vi") not in ("", msgid, key)
    assert label(TOPICS, "vneid_level2") == "Định danh mức 2"


def test_raw_changes_loads_as_list_of_raw_does():
    from hypothesis import given, settings
    from hypothesis import strategies as st
    from marshmallow import Schema, ValidationError, fields

    from shared.schemas import RawChanges

    class AsList(Schema):
        changes = fields.List(fields.Raw(), required=True)

    class AsRaw(Schema):
        changes = RawChanges(required=True)

    def load(schema, value):
        try:
            return "ok", schema.load({"changes": value})
        except ValidationError as err:
            return "error", err.messages, err.valid_data

    json = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner,
                                                                                    max_size=3), max_leaves=12)

    @settings(max_examples=300, deadline=None)
    @given(json)
    def agree(value):
        assert load(AsRaw(), value) == load(AsList(), value)

    agree()
