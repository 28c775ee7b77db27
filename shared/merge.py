"""The per-field merge of households and residents (docs/protocol.md, "Households and residents").

Terms:
- the *server row* is the stored record, with its `version` and, per field, the version that last changed it;
- the *base version* is the version of the row the device had when it made its change;
- a field *changed on both sides* was changed on the server after the base version and is sent with another value.
Such a field takes the later-received value, the one being pushed now, and the value it overwrites is kept as a
conflict for review. Device clocks never decide anything.
"""
from dataclasses import dataclass, field


@dataclass
class Conflict:
    field: str
    kept_value: object
    lost_value: object


@dataclass
class MergeResult:
    status: str
    """applied, merged (applied, and the server had newer fields the device must take) or duplicate (nothing to
    change: the record is already stored as sent)."""
    updates: dict = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)


def merge_fields(server: dict, field_versions: dict, version: int, incoming: dict, base_version: int) -> MergeResult:
    """Merge `incoming` fields, made against `base_version`, into the `server` row now at `version`."""
    if base_version > version:
        raise ValueError(f"base_version {base_version} is newer than the server's version {version}")
    updates, conflicts = {}, []
    for name, value in incoming.items():
        current = server.get(name)
        if value == current:
            continue
        updates[name] = value
        if field_versions.get(name, 0) > base_version:
            conflicts.append(Conflict(name, kept_value=value, lost_value=current))
    if not updates:
        status = "duplicate"  # identical to the stored record, whatever base_version it was made against
    elif base_version < version:
        status = "merged"
    else:
        status = "applied"
    return MergeResult(status, updates, conflicts)
