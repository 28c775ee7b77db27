import time
import uuid

from shared.ids import is_canonical, new_id, uuid7, uuid7_time_ms


def test_uuid7_has_version_variant_and_time():
    ms = int(time.time() * 1000)
    value = uuid7(ms)
    assert value.version == 7 and value.variant == uuid.RFC_4122
    assert uuid7_time_ms(value) == ms


def test_ids_sort_by_creation_time_and_are_unique():
    early, late = uuid7(1_700_000_000_000), uuid7(1_700_000_000_001)
    assert str(early) < str(late)
    ids = [new_id() for _ in range(10_000)]  # many in each millisecond
    assert ids == sorted(ids) and len(set(ids)) == 10_000
    assert all(uuid.UUID(i).version == 7 and uuid.UUID(i).variant == uuid.RFC_4122 for i in ids)
    assert uuid7_time_ms(ids[0]) <= uuid7_time_ms(ids[-1]) <= time.time() * 1000 + 1


def test_is_canonical_accepts_only_the_wire_form():
    ident = new_id()
    assert is_canonical(ident) and is_canonical(str(uuid.UUID(ident)))
    for other in (ident.upper(), ident.replace("-", ""), ident + "\n", " " + ident, "{" + ident + "}",
                  ident[:-1] + "g", uuid.UUID(ident), None, 7):
        assert not is_canonical(other), other
