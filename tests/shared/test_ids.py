import time
import uuid
from types import SimpleNamespace

from shared import ids
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


class FakeOs:
    """os.urandom that returns chosen bytes, so that every bit of an id is known."""

    def __init__(self, **by_size):
        self.by_size = by_size

    def urandom(self, size):
        return self.by_size[f"n{size}"]


def test_uuid7_places_time_counter_and_random_bits_exactly(monkeypatch):
    monkeypatch.setattr(ids, "os", FakeOs(n6=b"\xff" * 6, n4=b"\x11\x22\x33\x44"))
    assert ids._fresh_counter() == (1 << 41) - 1  # 41 bits: half the counter's range, so it can count on
    assert str(uuid7(0x0123456789AB)) == "01234567-89ab-77ff-bfff-ffff11223344"
    monkeypatch.setattr(ids, "os", FakeOs(n6=b"\x80" + b"\x00" * 5, n4=b"\x11\x22\x33\x44"))
    assert ids._fresh_counter() == 1 << 40
    monkeypatch.setattr(ids, "_fresh_counter", lambda: (5 << 30) | 9)  # 12 high bits, then 30 low bits
    assert str(uuid7(0x0123456789AB)) == "01234567-89ab-7005-8000-000911223344"


def test_uuid7_keeps_only_48_bits_of_time():
    assert uuid7_time_ms(uuid7(2 ** 48 + 5)) == 5
    assert uuid7_time_ms(uuid7(2 ** 48 - 1)) == 2 ** 48 - 1


T = 1_764_500_000_123  # a Unix millisecond of 2025; below 2 ** 41, as every date before 2039 is


def ticks(monkeypatch, last, now_ms=T):
    """_next_tick() with the clock at `now_ms` (plus 0.999999 ms) and the last id made at `last`."""
    monkeypatch.setattr(ids, "time", SimpleNamespace(time_ns=lambda: now_ms * 1_000_000 + 999_999))
    monkeypatch.setattr(ids, "_last", list(last))
    monkeypatch.setattr(ids, "_fresh_counter", lambda: 12345)
    return ids._next_tick()


def test_a_new_millisecond_starts_a_fresh_counter(monkeypatch):
    assert ticks(monkeypatch, [T - 1, (1 << 41) + 5]) == (T, 12345)  # even when the old counter exceeds the time


def test_within_a_millisecond_or_when_the_clock_goes_back_the_counter_steps_by_one(monkeypatch):
    assert ticks(monkeypatch, [T, 7]) == (T, 8)
    assert ticks(monkeypatch, [T + 3, 7]) == (T + 3, 8)  # ids still sort after the last one


def test_counter_overflow_moves_to_the_next_millisecond(monkeypatch):
    assert ticks(monkeypatch, [T, ids._COUNTER_MAX - 1]) == (T, ids._COUNTER_MAX)
    assert ticks(monkeypatch, [T, ids._COUNTER_MAX]) == (T + 1, 12345)
    after = uuid7()  # the clock still says T: the next id counts on from the overflow's millisecond
    assert uuid7_time_ms(after) == T + 1 and (after.int >> 64) & 0xFFF == 12346 >> 30
    assert (after.int >> 32) & 0x3FFF_FFFF == 12346
