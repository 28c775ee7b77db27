import pytest

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


def test_a_field_missing_from_field_versions_was_never_changed_on_the_server():
    # A row written before the field existed, or a field no write has touched: version 0, never a conflict.
    result = merge_fields(SERVER, {"address": 1}, 1, {"phone": "0905 000 000"}, 0)
    assert result.status == "merged" and result.updates == {"phone": "0905 000 000"} and result.conflicts == []
    result = merge_fields(SERVER, {}, 0, {"note": "Cổng xanh"}, 0)
    assert result.status == "applied" and result.conflicts == []


def test_the_future_base_version_error_names_both_versions():
    with pytest.raises(ValueError, match="base_version 3 is newer than the server's version 2"):
        merge_fields(SERVER, {}, 2, {"phone": "1"}, 3)
