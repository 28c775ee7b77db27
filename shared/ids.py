"""Time-ordered UUID version 7 ids (RFC 9562): created offline, unique everywhere, and sorted by creation time."""
import os
import re
import time
import uuid


def uuid7(ms: int | None = None) -> uuid.UUID:
    """A new UUIDv7: 48 bits of Unix milliseconds, the version and variant bits, and 74 random bits."""
    if ms is None:
        ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & 0xFFFF_FFFF_FFFF) << 80
    value |= 0x7 << 76
    value |= ((rand >> 62) & 0xFFF) << 64
    value |= 0b10 << 62
    value |= rand & 0x3FFF_FFFF_FFFF_FFFF
    return uuid.UUID(int=value)


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
