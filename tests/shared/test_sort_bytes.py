"""key_bytes: the shared sort key as bytes a database sorts by (the tablet's households.sort_key), in the same order."""
from hypothesis import given, strategies as st

from shared.sorting import address_key, key_bytes, name_key, vi_key, walk_key

WORDS = st.sampled_from(["Số", "Kiệt", "Thôn", "Đông", "Dương", "An", "Ăn", "Ân", "Bà", "Ba", "Bá", "Nguyễn", "Văn",
                         "Ánh", "tổ", "/", ",", " ", "0", "9", "10", "18", "2", "11", "007", "123456789012345678901"])
VIETNAMESE = st.lists(WORDS, max_size=8).map("".join)
TEXTS = st.one_of(VIETNAMESE, st.text(st.characters(exclude_characters="\0"), max_size=20))  # NUL: refused on input


def _same_order(values, key):
    assert sorted(values, key=key) == sorted(values, key=lambda v: key_bytes(key(v)))


@given(st.lists(TEXTS, max_size=12))
def test_texts_sort_the_same_as_bytes(texts):
    _same_order(texts, vi_key)
    _same_order(texts, address_key)
    _same_order(texts, name_key)


@given(st.lists(st.tuples(TEXTS, TEXTS, TEXTS), max_size=12))
def test_walks_sort_the_same_as_bytes(rows):
    _same_order(rows, lambda r: walk_key(*r))


@given(TEXTS, TEXTS)
def test_each_comparison_agrees(a, b):
    for key in (vi_key, address_key, name_key):
        assert (key(a) < key(b)) == (key_bytes(key(a)) < key_bytes(key(b)))
        assert (key(a) == key(b)) == (key_bytes(key(a)) == key_bytes(key(b)))


def test_street_order_in_bytes():
    addresses = ["Số 18", "Số 9", "Kiệt 11/14", "Kiệt 2/18"]
    assert sorted(addresses, key=lambda a: key_bytes(address_key(a))) == ["Kiệt 2/18", "Kiệt 11/14", "Số 9", "Số 18"]
