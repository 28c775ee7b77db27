import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.merge import merge_fields

SERVER = {"address": "Số 9", "phone": "0905 333 444", "note": "Nhà có người già"}


def test_fields_unchanged_on_the_server_apply():
    result = merge_fields(SERVER, {"address": 1, "phone": 1, "note": 1}, 1, {"phone": "0905 000 000"}, 1)
    assert result.status == "applied" and result.updates == {"phone": "0905 000 000"} and result.conflicts == []


def test_a_field_changed_on_both_sides_takes_the_incoming_value_and_keeps_the_other():
    result = merge_fields(SERVER, {"address": 1, "phone": 2, "note": 2}, 2, {"phone": "0905 555 666"}, 1)
    assert result.status == "merged" and result.updates == {"phone": "0905 555 666"}
    assert [(c.field, c.kept_value, c.lost_value) for c in result.conflicts] == [
        ("phone", "0905 555 666", "0905 333 444")]


def test_a_field_the_server_changed_but_the_device_did_not_is_kept():
    result = merge_fields(SERVER, {"address": 1, "phone": 1, "note": 2}, 2, {"address": "Số 11"}, 1)
    assert result.status == "merged" and result.updates == {"address": "Số 11"} and result.conflicts == []


def test_same_value_is_a_duplicate():
    assert merge_fields(SERVER, {}, 1, dict(SERVER), 1).status == "duplicate"


def test_base_version_from_the_future_is_an_error():
    with pytest.raises(ValueError):
        merge_fields(SERVER, {}, 1, {"phone": "1"}, 2)


def test_several_changed_fields_all_apply_around_an_unchanged_one():
    incoming = {"address": "Số 11", "phone": SERVER["phone"], "note": "Có con nhỏ"}  # the middle one is unchanged
    result = merge_fields(SERVER, {"address": 1, "phone": 1, "note": 1}, 1, incoming, 1)
    assert result.status == "applied" and result.updates == {"address": "Số 11", "note": "Có con nhỏ"}


def test_an_identical_record_is_a_duplicate_whatever_its_base_version():
    for base_version in (0, 1, 2, 3):
        result = merge_fields(SERVER, {"address": 3, "phone": 2, "note": 1}, 3, dict(SERVER), base_version)
        assert (result.status, result.updates, result.conflicts) == ("duplicate", {}, [])


def test_a_field_missing_from_field_versions_was_not_changed_since_any_base():
    result = merge_fields(SERVER, {"address": 2}, 2, {"phone": "0905 000 000"}, 0)
    assert result.status == "merged" and result.conflicts == []


# Properties of the merge rule over generated rows and changes. Values come from a small set, so that a sent field
# is often equal to the server's; field versions are sometimes missing.
NAMES = ("village_id", "address", "head_name", "phone", "note")
values = st.sampled_from([None, "", "a", "b", 1, 2])


@st.composite
def merges(draw):
    version = draw(st.integers(1, 6))
    server = draw(st.fixed_dictionaries({}, optional={n: values for n in NAMES}))
    field_versions = draw(st.fixed_dictionaries({}, optional={n: st.integers(1, version) for n in NAMES}))
    incoming = draw(st.fixed_dictionaries({}, optional={n: values for n in NAMES}))
    return server, field_versions, version, incoming, draw(st.integers(0, version))


@settings(max_examples=500, deadline=None)
@given(merges())
def test_merge_rule_properties(case):
    server, field_versions, version, incoming, base_version = case
    before = (dict(server), dict(field_versions), dict(incoming))
    result = merge_fields(server, field_versions, version, incoming, base_version)
    assert (server, field_versions, incoming) == before  # the inputs are not touched
    changed = {name: value for name, value in incoming.items() if value != server.get(name)}
    # Every changed field is applied, however many there are, and only those.
    assert result.updates == changed
    # A conflict exactly for each field changed on both sides: sent with another value, and changed on the server
    # after the base version. The sent value is kept; the server's is the one kept for review.
    both = [name for name in changed if field_versions.get(name, 0) > base_version]
    assert [(c.field, c.kept_value, c.lost_value) for c in result.conflicts] == [
        (name, incoming[name], server.get(name)) for name in both]
    if not changed:
        assert result.status == "duplicate"
    else:
        assert result.status == ("merged" if base_version < version else "applied")


@settings(max_examples=200, deadline=None)
@given(merges(), st.integers(1, 3))
def test_a_base_version_newer_than_the_servers_is_refused(case, ahead):
    server, field_versions, version, incoming, _ = case
    with pytest.raises(ValueError):
        merge_fields(server, field_versions, version, incoming, version + ahead)


def test_a_field_missing_from_field_versions_was_never_changed_on_the_server():
    # A row written before the field existed, or a field no write has touched: version 0, never a conflict.
    result = merge_fields(SERVER, {"address": 1}, 1, {"phone": "0905 000 000"}, 0)
    assert result.status == "merged" and result.updates == {"phone": "0905 000 000"} and result.conflicts == []
    result = merge_fields(SERVER, {}, 0, {"note": "Cổng xanh"}, 0)
    assert result.status == "applied" and result.conflicts == []


def test_the_future_base_version_error_names_both_versions():
    with pytest.raises(ValueError, match="base_version 3 is newer than the server's version 2"):
        merge_fields(SERVER, {}, 2, {"phone": "1"}, 3)
