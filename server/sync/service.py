"""Push and pull (DESIGN.md, "Sync contract").

Terms:
- a *receipt* is the stored reply to a batch: a batch_id seen before gets it back unchanged;
- a *writer* is one push transaction. It validates and reads first, then takes its block of `seq` numbers from the
  single `sync_counter` row, writes, and commits. Taking the counter row locks it until commit, so `seq` follows
  commit order and a reader paging by `seq` never skips a row that commits late.
"""
import hashlib
import json
import time
from datetime import timezone

import orjson
from marshmallow import ValidationError
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from shared.ids import is_canonical
from shared.merge import merge_fields
from shared.schemas import MAX_ID, RECORD_SCHEMAS, ChangeSchema, fast_change, fast_visit

from ..extensions import db
from ..models import Area, Conflict, Device, Household, Resident, SyncBatch, SyncCounter, Visit, utcnow
from ..stats import facts
from . import moves, reader, records, writer
from .counter import take_seq

CHANGE = ChangeSchema()
RECORD = {table: schema() for table, schema in RECORD_SCHEMAS.items()}
RETRIES = 5


class ResetRequired(Exception):
    """The caller must pull its scope from zero (410)."""


# Built once: building these statements cost more than running them.
_RECEIPT = select(SyncBatch.response).where(SyncBatch.batch_id == bindparam("batch_id"))
_STORE_RECEIPT = insert(SyncBatch)
_SYNCED = update(Device).where(Device.id == bindparam("device_id")).values(last_sync_at=bindparam("now"))


def push(user, device, scope: dict, batch: dict) -> dict:
    """Apply one batch in one transaction and return its reply; a batch seen before returns the stored reply."""
    batch_id = str(batch["batch_id"])
    for attempt in range(RETRIES):
        stored = db.session.connection().execute(_RECEIPT, {"batch_id": batch_id}).scalar()
        if stored is not None:
            db.session.rollback()
            return orjson.loads(stored)
        try:
            reply = _apply(user, device, scope, batch_id, batch["changes"])
            db.session.commit()
            return reply
        except (IntegrityError, DBAPIError) as exc:
            # A concurrent writer took an id or the lock first (or SQLite was busy): start over on fresh reads.
            db.session.rollback()
            if isinstance(exc, DBAPIError) and not _retryable(exc):
                raise
            time.sleep(0.01 * (attempt + 1))
    raise RuntimeError("push kept colliding with concurrent writers")


def _retryable(exc: DBAPIError) -> bool:
    text = str(exc.orig).lower()
    return isinstance(exc, IntegrityError) or any(
        word in text for word in ("locked", "busy", "deadlock", "could not serialize"))


class Batch:
    """The work of one push: results in the order of the changes, and the rows to write once seq is taken."""

    def __init__(self, user, device, scope):
        self.user, self.device, self.scope = user, device, scope
        self.results: list[dict] = []
        self.touched: list = []          # ORM households and residents that need a new seq
        self.new_visits: list[tuple] = []  # (row, result, data) of each validated visit to insert
        self.voids: list[str] = []  # ids of the visits to void
        self.moved: dict[str, tuple] = {}  # households whose village changed -> (village, commune) they left
        # Rows the batch refers to, read by _prefetch: households and residents as ORM rows (they may change),
        # visits as plain rows (they never do), villages as village id -> commune id.
        self.households: dict[str, Household] = {}
        self.residents: dict[str, Resident] = {}
        self.visits: dict = {}
        self.villages: dict[int, int] = {}

    def result(self, change: dict, status: str, version=None, errors=None, current=None) -> dict:
        entry = {"table": change.get("table"), "id": str(change.get("id")), "status": status, "version": version,
                 "errors": errors, "current": current}
        self.results.append(entry)
        return entry

    def rejected(self, change: dict, errors: dict) -> None:
        self.result(change, "rejected", errors=errors)


def _apply(user, device, scope, batch_id: str, raw_changes: list) -> dict:
    work = Batch(user, device, scope)
    loaded = [_load_change(raw) for raw in raw_changes]
    _prefetch(work, [change for change, _ in loaded if change])
    with db.session.no_autoflush:
        for raw, (change, errors) in zip(raw_changes, loaded):
            if errors:
                ident = raw if isinstance(raw, dict) else {}
                work.rejected({"table": ident.get("table"), "id": ident.get("id")}, errors)
            else:
                HANDLERS[change["table"]](work, change)
        _write(work)
    reply = {"batch_id": batch_id, "results": work.results}
    connection = db.session.connection()
    connection.execute(_STORE_RECEIPT, {"batch_id": batch_id, "device_id": device.id,
                                        "response": _receipt_json(reply)})
    # Not through the ORM object: its flush at commit cost more than the statement.
    connection.execute(_SYNCED, {"device_id": device.id, "now": utcnow()})
    return reply


def _load_change(raw) -> tuple[dict | None, dict | None]:
    """The change's envelope, checked; its data is checked by its table's handler."""
    if not isinstance(raw, dict):
        return None, {"_schema": ["Each change must be an object."]}
    change = fast_change(raw)
    if change is not None:
        return change, None
    try:
        change = CHANGE.load(raw)
    except ValidationError as err:
        return None, err.messages
    change["id"] = str(change["id"])
    return change, None


def _prefetch(work: Batch, changes: list[dict]) -> None:
    """Read, in a few queries, every row the batch refers to."""
    household_ids, resident_ids, visit_ids, village_ids = set(), set(), set(), set()
    for change in changes:
        data, table = change["data"], change["table"]
        if table == "households":
            household_ids.add(change["id"])
            village_ids.add(data.get("village_id"))
        elif table == "residents":
            resident_ids.add(change["id"])
            household_ids.add(str(data.get("household_id")))
        else:
            visit_ids.add(change["id"])
            household_ids.add(str(data.get("household_id")))
            visit_ids.add(str(data.get("replaces_id")))
            for assist in data.get("assists") or ():
                if isinstance(assist, dict):
                    resident_ids.add(str(assist.get("resident_id")))
    ids = lambda values: [v for v in values if is_canonical(v)]  # noqa: E731
    changed = {change["id"] for change in changes if change["table"] != "visits"}
    work.households = _read(Household, ids(household_ids), changed, ("village_id", "commune_id", "deleted"))
    work.residents = _read(Resident, ids(resident_ids), changed, ("household_id",))
    work.visits = reader.rows_by_id(Visit, ids(visit_ids), ("household_id", "official_id", "payload_hash", "voided",
                                                           "version", "commune_id", "village_id"))
    village_ids = [v for v in village_ids if isinstance(v, int) and 0 < v <= MAX_ID]  # larger overflow PostgreSQL
    if village_ids:
        work.villages = {row.id: row.commune_id for row in db.session.execute(
            select(Area.id, Area.commune_id).where(Area.id.in_(village_ids), Area.level == "village"))}


def _read(model, wanted: list, changed: set, names: tuple) -> dict:
    """Rows by id: ORM rows for those the batch changes, plain rows of `names` for those it only refers to (a visit's
    household and residents), which cost a tenth of an ORM row to read."""
    rows = reader.rows_by_id(model, [i for i in wanted if i not in changed], names)
    orm = [i for i in wanted if i in changed]
    if orm:
        rows.update((row.id, row) for row in db.session.execute(select(model).where(model.id.in_(orm))).scalars())
    return rows


def _in_scope(work: Batch, village_id: int, commune_id: int) -> bool:
    scope = work.scope
    if scope["role"] == "admin":
        return True
    if scope["role"] == "official":
        return village_id in scope["village_ids"]
    return commune_id == scope["commune_id"]


OUTSIDE = ["Outside your villages."]


def _load_data(work: Batch, change: dict, partial: bool = False) -> dict | None:
    if change["table"] == "visits":
        data = fast_visit(change["data"])
        if data is not None:
            return data
    try:
        return RECORD[change["table"]].load(change["data"], partial=partial)
    except ValidationError as err:
        work.rejected(change, err.messages)
        return None


def _household(work: Batch, change: dict) -> None:
    row = work.households.get(change["id"])
    if row is None:
        if change["op"] == "delete" or change["base_version"] > 0:
            return work.rejected(change, {"id": ["No such household."]})
        data = _load_data(work, change)
        if data is None:
            return None
        commune_id = work.villages.get(data["village_id"])
        if commune_id is None:
            return work.rejected(change, {"village_id": ["No such village."]})
        if not _in_scope(work, data["village_id"], commune_id):
            return work.rejected(change, {"village_id": OUTSIDE})
        row = Household(id=change["id"], commune_id=commune_id, version=1, updated_by=work.user.id,
                        field_versions={f: 1 for f in data}, deleted=False, **data)
        db.session.add(row)
        work.households[row.id] = row
        work.touched.append(row)
        return work.result(change, "applied", version=1)
    if not _in_scope(work, row.village_id, row.commune_id):
        return work.rejected(change, {"id": OUTSIDE})
    return _update(work, change, row, records.HOUSEHOLD_FIELDS)


def _resident(work: Batch, change: dict) -> None:
    row = work.residents.get(change["id"])
    if row is None:
        if change["op"] == "delete" or change["base_version"] > 0:
            return work.rejected(change, {"id": ["No such resident."]})
        data = _load_data(work, change)
        if data is None:
            return None
        data["household_id"] = str(data["household_id"])
        household = work.households.get(data["household_id"])
        if household is None or household.deleted:
            return work.rejected(change, {"household_id": ["No such household."]})
        if not _in_scope(work, household.village_id, household.commune_id):
            return work.rejected(change, {"household_id": OUTSIDE})
        row = Resident(id=change["id"], village_id=household.village_id, commune_id=household.commune_id,
                       version=1, updated_by=work.user.id, field_versions={f: 1 for f in data}, deleted=False, **data)
        db.session.add(row)
        work.residents[row.id] = row
        work.touched.append(row)
        return work.result(change, "applied", version=1)
    if not _in_scope(work, row.village_id, row.commune_id):
        return work.rejected(change, {"id": OUTSIDE})
    return _update(work, change, row, records.RESIDENT_FIELDS)


def _update(work: Batch, change: dict, row, fields: tuple) -> None:
    """Merge a change into an existing household or resident, field by field (shared.merge)."""
    table = change["table"]
    if change["base_version"] > row.version:
        return work.rejected(change, {"base_version": [f"Newer than the server's version {row.version}."]})
    if change["op"] == "delete":
        if row.deleted:
            return work.result(change, "duplicate", version=row.version)
        row.deleted, row.version = True, row.version + 1
        row.updated_by, row.updated_at = work.user.id, utcnow()
        work.touched.append(row)
        return work.result(change, "applied", version=row.version)
    if row.deleted:
        return work.rejected(change, {"id": ["This record was deleted."]})
    data = _load_data(work, change, partial=True)
    if data is None:
        return None
    if "household_id" in data:
        data["household_id"] = str(data["household_id"])
        if data["household_id"] != row.household_id:
            return work.rejected(change, {"household_id": ["A resident cannot move to another household."]})
    if "village_id" in data and data["village_id"] != row.village_id:
        commune_id = work.villages.get(data["village_id"])
        if commune_id is None or not _in_scope(work, data["village_id"], commune_id):
            return work.rejected(change, {"village_id": OUTSIDE})
    server = {f: getattr(row, f) for f in fields}
    merged = merge_fields(server, row.field_versions or {}, row.version, data, change["base_version"])
    if merged.updates:
        new_version = row.version + 1
        for conflict in merged.conflicts:
            db.session.add(Conflict(table_name=table, row_id=row.id, field=conflict.field,
                                    kept_value=conflict.kept_value, lost_value=conflict.lost_value,
                                    kept_by=work.user.id, lost_by=row.updated_by, commune_id=row.commune_id))
        if table == "households" and "village_id" in merged.updates:
            work.moved.setdefault(row.id, (row.village_id, row.commune_id))
            row.commune_id = work.villages[merged.updates["village_id"]]
        for name, value in merged.updates.items():
            setattr(row, name, value)
        row.field_versions = {**(row.field_versions or {}), **{f: new_version for f in merged.updates}}
        row.version, row.updated_by, row.updated_at = new_version, work.user.id, utcnow()
        work.touched.append(row)
    current = records.record_of(table, row) if merged.status == "merged" else None
    return work.result(change, merged.status, version=row.version, current=current)


def _visit(work: Batch, change: dict) -> None:
    existing = work.visits.get(change["id"])
    if change["op"] == "delete":
        return _void(work, change, existing)
    data = _load_data(work, change)
    if data is None:
        return None
    digest = _digest(data)
    if existing is not None:
        status = "duplicate" if _same_payload(existing.payload_hash, digest, data) else "conflict"
        errors = None if status == "duplicate" else {"id": ["Another visit with this id is already stored."]}
        return work.result(change, status, version=existing.version, errors=errors)
    household = work.households.get(str(data["household_id"]))
    if household is None or household.deleted:
        return work.rejected(change, {"household_id": ["No such household."]})
    if not _in_scope(work, household.village_id, household.commune_id):
        return work.rejected(change, {"household_id": OUTSIDE})
    for i, assist in enumerate(data["assists"]):
        resident_id = assist["resident_id"] and str(assist["resident_id"])
        resident = work.residents.get(resident_id) if resident_id else None
        if resident_id and (resident is None or resident.household_id != household.id):
            return work.rejected(change, {"assists": {i: {"resident_id": ["Not a resident of this household."]}}})
    replaced = str(data["replaces_id"]) if data["replaces_id"] else None
    if replaced:
        old = work.visits.get(replaced)
        if old is None or old.household_id != household.id:
            return work.rejected(change, {"replaces_id": ["No such visit at this household."]})
    row = {**data, "id": change["id"], "household_id": household.id, "village_id": household.village_id,
           "commune_id": household.commune_id, "official_id": work.user.id, "device_id": work.device.id,
           "replaces_id": replaced, "payload_hash": digest, "voided": False, "version": 1,
           "received_at": utcnow()}
    result = work.result(change, "applied", version=1)
    # Remembered at once, so the same id twice in one batch is a duplicate, not a second insert.
    work.visits[change["id"]] = _Pending(household.id, work.user.id, digest, False, 1)
    work.new_visits.append((row, result, data))
    if replaced:
        _void(work, {"table": "visits", "id": replaced}, work.visits[replaced], report=False)
    return None


class _Pending:
    """A visit of this batch, looked up like a stored one."""

    def __init__(self, household_id, official_id, payload_hash, voided, version):
        self.household_id, self.official_id, self.payload_hash = household_id, official_id, payload_hash
        self.voided, self.version = voided, version


def _void(work: Batch, change: dict, existing, report: bool = True) -> None:
    if existing is None:
        return work.rejected(change, {"id": ["No such visit."]}) if report else None
    household = work.households.get(existing.household_id)
    village_id = household.village_id if household else getattr(existing, "village_id", None)
    commune_id = household.commune_id if household else getattr(existing, "commune_id", None)
    if not _in_scope(work, village_id, commune_id) or (
            work.scope["role"] == "official" and existing.official_id != work.user.id):
        return work.rejected(change, {"id": ["Only its official or a leader may void this visit."]}) if report else None
    if existing.voided:
        return work.result(change, "duplicate", version=existing.version) if report else None
    result = work.result(change, "applied", version=existing.version + 1) if report else None
    work.voids.append(change["id"])
    return result


def _receipt_json(reply: dict) -> str:
    # Errors may be keyed by an item's position (an int), as marshmallow gives them; JSON keys are strings.
    return orjson.dumps(reply, option=orjson.OPT_NON_STR_KEYS).decode()


DIGEST_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME  # times through _canonical


def _digest(data: dict) -> str:
    """The sha256 of a visit's data as canonical JSON: keys sorted, times in UTC."""
    return hashlib.sha256(orjson.dumps(data, default=_canonical, option=DIGEST_OPTIONS)).hexdigest()


def _same_payload(stored: str, digest: str, data: dict) -> bool:
    """Whether a stored visit's hash is that of `data`. Servers up to commit a41774c hashed the standard
    library's JSON, four times slower to write; the replays of the visits they stored must still be duplicates."""
    return stored == digest or stored == hashlib.sha256(
        json.dumps(data, sort_keys=True, default=_canonical).encode()).hexdigest()


def _canonical(value):
    if hasattr(value, "utcoffset") and value.utcoffset() is not None:
        return value.astimezone(timezone.utc).isoformat()
    return str(value)


def _write(work: Batch) -> None:
    """Take the batch's seq numbers, late, and write every row."""
    count = len(work.touched) + len(work.new_visits) + len(work.voids)
    if not count:
        return
    seq = take_seq(count)
    for row in work.touched:
        row.seq, seq = seq, seq + 1
    if work.touched:
        db.session.flush()
    if work.new_visits:
        seq = _insert_visits(work, seq)
    for visit_id in work.voids:
        db.session.execute(update(Visit).where(Visit.id == visit_id)
                           .values(voided=True, version=Visit.version + 1, seq=seq))
        seq += 1
    if work.moved:
        db.session.flush()  # the batch's new residents of a moved household move with it
        moves.move_members(work.moved)
    # Under the counter lock, so that the next reader of the coverage facts refreshes them (stats/facts.py).
    facts.mark_stale(_households_of(work))


def _households_of(work: Batch) -> set:
    """The households whose own row, residents or visits the batch wrote."""
    ids = {row["household_id"] for row, _, _ in work.new_visits}
    ids.update(work.visits[visit_id].household_id for visit_id in work.voids)
    ids.update(row.id if isinstance(row, Household) else row.household_id for row in work.touched)
    return ids


def _insert_visits(work: Batch, seq: int) -> int:
    rows = []
    for row, _, _ in work.new_visits:
        row["seq"], seq = seq, seq + 1
        rows.append(row)
    inserted = writer.insert_visits(rows)
    assists = []
    for row, result, data in work.new_visits:
        if row["id"] not in inserted:
            # A concurrent push of the same id committed first: report what it stored.
            stored = db.session.execute(select(Visit.payload_hash).where(Visit.id == row["id"])).scalar_one()
            result["status"] = "duplicate" if _same_payload(stored, row["payload_hash"], data) else "conflict"
            continue
        for assist in row["assists"]:
            assists.append({"visit_id": row["id"], "resident_id": assist["resident_id"] and str(assist["resident_id"]),
                            "topic": assist["topic"], "outcome": assist["outcome"], "note": assist["note"],
                            "household_id": row["household_id"], "commune_id": row["commune_id"]})
    writer.insert_assists(assists)
    return seq


HANDLERS = {"households": _household, "residents": _resident, "visits": _visit}


def pull(device, scope: dict, since: int, limit: int) -> dict:
    """One page of the caller's scope after `since`, in seq order (see the module's terms)."""
    counter = db.session.get(SyncCounter, 1)
    current = records.scope_hash(scope)
    if since > 0 and (device.scope_hash != current or since < counter.purged_through):
        raise ResetRequired()
    if since == 0 and device.scope_hash != current:
        device.scope_hash = current
    # Only rows up to the committed counter: every one of them has committed, so none can appear later below it.
    horizon = counter.v
    # First the seq numbers of up to `limit` rows of each table, then whole rows only up to the page's last seq:
    # reading `limit` whole rows of every table to keep `limit` of them in all cost three times the work. Once
    # `limit` seq numbers are known, the next table is read only below the highest that can still be on the page.
    seqs, ordered, bound = {}, [], horizon
    for table in records.MODELS:
        seqs[table] = reader.page_seqs(table, scope, since, limit, bound)
        ordered = sorted(ordered + seqs[table])[:limit]
        if len(ordered) >= limit:
            bound = ordered[limit - 1]
    # A full page may have more after it: tables read below `bound` or up to `limit` say nothing of what follows.
    has_more = len(ordered) >= limit
    last = ordered[-1] if ordered else since
    rows = []
    for table, found in seqs.items():
        if found and found[0] <= last:
            rows.extend(reader.page_rows(table, scope, since, last))
    rows.sort(key=lambda r: r["seq"])
    page = rows[:limit]
    # A row changed between the two reads has a seq above the horizon now: it comes in a later page.
    cursor = (page[-1]["seq"] if page else last) if has_more else horizon
    if not has_more:
        device.last_sync_at = utcnow()  # a pull is a sync once it has reached the end: a page less to write
    db.session.commit()
    for r in page:
        del r["seq"]
    return {"changes": page, "cursor": cursor, "has_more": has_more}
