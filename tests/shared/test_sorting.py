"""The shared sort key: Vietnamese letters and tones, numbers as numbers, names by the given name."""
from hypothesis import given, strategies as st

from shared.sorting import address_key, name_key, vi_key, walk_key


def test_letters_of_their_own_sort_after_their_base():
    words = ["Đông", "Dương", "Ân", "Ăn", "An", "Bình", "Ơn", "Ông", "Ôn", "Ưng", "Uyên", "Ê", "E"]
    assert sorted(words, key=vi_key) == ["An", "Ăn", "Ân", "Bình", "Dương", "Đông", "E", "Ê",
                                         "Ôn", "Ông", "Ơn", "Uyên", "Ưng"]


def test_tones_decide_only_between_equal_letters():
    assert sorted(["Bạ", "Bá", "Bã", "Bả", "Bà", "Ba"], key=vi_key) == ["Ba", "Bà", "Bả", "Bã", "Bá", "Bạ"]
    # "Bà" has a tone but its letters come before "Bac"'s.
    assert sorted(["Bac", "Bà"], key=vi_key) == ["Bà", "Bac"]


def test_case_does_not_change_the_order():
    assert sorted(["đào", "Đinh", "Dung"], key=vi_key) == ["Dung", "đào", "Đinh"]


def test_addresses_in_street_order():
    addresses = ["Số 18, tổ 1", "Số 9, tổ 1", "Kiệt 11/14", "Kiệt 2/18", "Số 9, tổ 2", "Kiệt 2/3"]
    assert sorted(addresses, key=address_key) == ["Kiệt 2/3", "Kiệt 2/18", "Kiệt 11/14",
                                                  "Số 9, tổ 1", "Số 9, tổ 2", "Số 18, tổ 1"]


def test_villages_with_numbers():
    assert sorted(["Thôn 10", "Thôn 2", "Thôn Đông", "Thôn 1"], key=vi_key) == [
        "Thôn 1", "Thôn 2", "Thôn 10", "Thôn Đông"]


def test_names_by_given_name_then_family_name():
    names = ["Nguyễn Thị Bình", "Trần Văn An", "Lê An", "Nguyễn Văn Ánh", "Đỗ Thị Ánh"]
    assert sorted(names, key=name_key) == ["Lê An", "Trần Văn An", "Đỗ Thị Ánh", "Nguyễn Văn Ánh",
                                           "Nguyễn Thị Bình"]


def test_empty_and_missing_texts_sort_first():
    assert vi_key(None) == vi_key("") < vi_key("An")
    assert name_key(None) <= name_key("An")


@given(st.lists(st.text(), max_size=8))
def test_the_order_is_total_and_stable(texts):
    once = sorted(texts, key=vi_key)
    assert sorted(once, key=vi_key) == once
    for a, b in zip(once, once[1:]):
        assert vi_key(a) <= vi_key(b)
        assert vi_key(a) != vi_key(b) or a == b


@given(st.text())
def test_keys_of_any_text_compare(text):
    assert vi_key(text) == vi_key(text)
    assert (name_key(text) < name_key("zzz")) or (name_key(text) >= name_key("zzz"))


def test_walk_order_village_then_street():
    rows = [("Thôn Đông", "Số 18", "An"), ("Thôn 2", "Số 9", "Bình"), ("Thôn Đông", "Số 9", "Cúc"),
            ("Thôn 2", "Số 10", "Dung")]
    assert sorted(rows, key=lambda r: walk_key(*r)) == [
        ("Thôn 2", "Số 9", "Bình"), ("Thôn 2", "Số 10", "Dung"), ("Thôn Đông", "Số 9", "Cúc"),
        ("Thôn Đông", "Số 18", "An")]
