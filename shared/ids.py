"""Time-ordered UUID version 7 ids (RFC 9562): created offline, unique everywhere, and sorted by creation time."""
import os
import re
import threading
import time
import uuid


def uuid7(ms: int | None = None) -> uuid.UUID:
    """A new UUIDv7: 48 bits of Unix milliseconds, the version and variant bits, and 74 bits after them.

    Without `ms`, ids made by this process sort in the order they were made, also within one millisecond (RFC 9562,
    6.2 method 1): the 42 bits after the time are a counter, started at a random value below half its range at each
    new millisecond and stepped by one within it; the last 32 bits are random. Two visits logged in the same
    millisecond must still sort as logged, since the latest visit of a household decides its follow-up."""
    if ms is not None:
        counter = _fresh_counter()
    else:
        ms, counter = _next_tick()
    value = (ms & 0xFFFF_FFFF_FFFF) << 80
    value |= 0x7 << 76
    value |= (counter >> 30) << 64
    value |= 0b10 << 62
    value |= (counter & 0x3FFF_FFFF) << 32
    value |= int.from_bytes(os.urandom(4), "big")
    return uuid.UUID(int=value)


_COUNTER_MAX = (1 << 42) - 1
_last = [0, 0]  # the millisecond and counter of the last id made
_lock = threading.Lock()


def _next_tick() -> tuple[int, int]:
    with _lock:
        ms = time.time_ns() // 1_000_000
        if ms > _last[0]:
            _last[:] = ms, _fresh_counter()
        elif _last[1] < _COUNTER_MAX:
            _last[1] += 1  # the same millisecond, or the clock went back: keep counting from the last id
        else:
            _last[:] = _last[0] + 1, _fresh_counter()
        return _last[0], _last[1]


def _fresh_counter() -> int:
    """41 random bits: below half the counter's range, so that it can count on within a millisecond."""
    return int.from_bytes(os.urandom(6), "big") >> 7


_CANONICAL = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}").fullmatch


def is_canonical(value) -> bool:
    """Whether `value` is an id as the wire carries it: str(uuid.UUID(...)), lowercase hex with four dashes."""
    return type(value) is str and _CANONICAL(value) is not None


def new_id() -> str:
    """A new UUIDv7 as the canonical string that travels on the wire."""
    return str(uuid7())


def uuid7_time_ms(value: uuid.UUID | str) -> int:
    """The Unix milliseconds stored in a UUIDv7."""
    return uuid.UUID(str(value)).int >> 80
