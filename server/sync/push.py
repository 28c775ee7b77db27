"""Push: a device's batch of changes, applied in one transaction (docs/protocol.md, "Push").

Terms:
- a *receipt* is the stored reply to a batch, keyed by (device, batch_id): the same device sending the same batch
  again gets it back unchanged; another device's batch with the same id is its own batch;
- a *result* is the answer for one change: applied, duplicate, merged, conflict or rejected, with a `code`
  (shared.vocab.REJECT_CODES) when it is conflict or rejected;
- the batch's writes go through a ledger (server/ledger). If a household or resident it changes was changed by
  another writer after it was read, the whole batch is merged again from fresh reads, holding the counter lock
  from the start so that nobody can get in between a second time.
"""
import hashlib
import time
from datetime import timezone

import orjson
from marshmallow import ValidationError
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from shared.ids import is_canonical
from shared.merge import merge_fields
from shared.schemas import RECORD_SCHEMAS, ChangeSchema

from ..extensions import db
from ..inputs import is_id
from ..ledger import Ledger, Scope, StaleRow, hold
from ..ledger.stale import mark_stale
from ..models import Area, Device, Household, Resident, SyncBatch, Visit, utcnow
from . import reader, records
from .fastload import fast_change, fast_visit

CHANGE = ChangeSchema()
RECORD = {table: schema() for table, schema in RECORD_SCHEMAS.items()}
RETRIES = 8

# Built once: building these statements cost more than running them.
_RECEIPT = select(SyncBatch.response).where(SyncBatch.device_id == bindparam("device_id"),
                                            SyncBatch.batch_id == bindparam("batch_id"))
_STORE_RECEIPT = insert(SyncBatch)
_SYNCED = update(Device).where(Device.id == bindparam("device_id")).values(last_sync_at=bindparam("now"))


def push(user, device, scope: Scope, batch: dict) -> bytes:
    """Apply one batch in one transaction and return its reply as JSON, the receipt's own text; a batch this device
    sent before returns the stored receipt."""
    batch_id = str(batch["batch_id"])
    locked = False
    for attempt in range(RETRIES):
        if locked:
            hold()  # before any read: what is read below is then the latest, and stays so until commit
        stored = db.session.connection().execute(_RECEIPT, {"device_id": device.id, "batch_id": batch_id}).scalar()
        if stored is not None:
            db.session.rollback()
            return stored.encode()
        try:
            receipt = _apply(user, device, scope, batch_id, batch["changes"])
            db.session.commit()
            return receipt
        except StaleRow:
            db.session.rollback()
            locked = True
        except (IntegrityError, DBAPIError) as exc:
            # A concurrent writer took an id or the lock first (or SQLite was busy): start over on fresh reads.
            db.session.rollback()
            if isinstance(exc, DBAPIError) and not _retryable(exc):
                raise
            locked = attempt >= 1
            time.sleep(0.01 * (attempt + 1))
    raise RuntimeError("push kept colliding with concurrent writers")


def _retryable(exc: DBAPIError) -> bool:
    text = str(exc.orig).lower()
    return isinstance(exc, IntegrityError) or any(
        word in text for word in ("locked", "busy", "deadlock", "could not serialize"))


class Batch:
    """The work of one push: results in the order of the changes, and the ledger of its writes."""

    def __init__(self, user, device, scope: Scope):
        self.user, self.device, self.scope = user, device, scope
        self.ledger = Ledger(user.id)
        self.received_at = utcnow()  # of every visit of the batch: one transaction, one moment
        self.results: list[dict] = []
        self.new_visits: list[tuple] = []  # (result, data, commune) of each visit given to the ledger
        # Rows the batch refers to, read by _prefetch: households and residents as ORM rows (they may change),
        # visits as plain rows (they never do), villages as village id -> commune id.
        self.households: dict[str, Household] = {}
        self.residents: dict[str, Resident] = {}
        self.visits: dict = {}
        self.villages: dict[int, int] = {}

    def result(self, change: dict, status: str, version=None, errors=None, current=None, code=None) -> dict:
        entry = {"table": change["table"], "id": change["id"], "status": status, "version": version,
                 "errors": errors, "current": current, "code": code}
        self.results.append(entry)
        return entry

    def rejected(self, change: dict, code: str, errors: dict) -> None:
        self.result(change, "rejected", errors=errors, code=code)


def _apply(user, device, scope: Scope, batch_id: str, raw_changes: list) -> bytes:
    work = Batch(user, device, scope)
    loaded = [_load_change(raw) for raw in raw_changes]
    _prefetch(work, [change for change, _ in loaded if change])
    with db.session.no_autoflush:
        for raw, (change, errors) in zip(raw_changes, loaded):
            if errors:
                work.rejected(_named(raw), "invalid", errors)
            else:
                HANDLERS[change["table"]](work, change)
        work.ledger.write(mark=False)
        _settle_visits(work)
    receipt = _receipt_json({"batch_id": batch_id, "results": work.results})
    _finish(work, batch_id, receipt.decode())
    return receipt


def _finish(work: Batch, batch_id: str, receipt: str) -> None:
    """The batch's last writes, which nothing waits on: the stale marks (under the counter lock, so that the next
    reader of the coverage facts refreshes them), the receipt and the device's last sync. On PostgreSQL the three
    go in one round trip (reader.pipeline)."""
    now = utcnow()
    if db.engine.dialect.name != "postgresql":
        mark_stale(work.ledger.touched())
        connection = db.session.connection()
        connection.execute(_STORE_RECEIPT, {"batch_id": batch_id, "device_id": work.device.id, "response": receipt,
                                            "received_at": now})
        # Not through the ORM object: its flush at commit cost more than the statement.
        connection.execute(_SYNCED, {"device_id": work.device.id, "now": now})
        return
    naive = now.astimezone(timezone.utc).replace(tzinfo=None)  # as models.UTCDateTime stores it
    with reader.pipeline():
        mark_stale(work.ledger.touched())
        cursor = db.session.connection().connection.driver_connection.cursor()
        cursor.execute("INSERT INTO sync_batches (device_id, batch_id, response, received_at) "
                       "VALUES (%s::uuid, %s::uuid, %s, %s)", [work.device.id, batch_id, receipt, naive])
        cursor.execute("UPDATE devices SET last_sync_at = %s WHERE id = %s::uuid", [naive, work.device.id])


def _named(raw) -> dict:
    """The table and id a refused change claims, as far as they can be told: never null, never "None"."""
    raw = raw if isinstance(raw, dict) else {}
    table, row_id = raw.get("table"), raw.get("id")
    return {"table": table if isinstance(table, str) else "", "id": row_id if isinstance(row_id, str) else ""}


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
    household_ids, resident_ids = ids(household_ids), ids(resident_ids)
    # Plain rows of what the batch only refers to (a visit's household and residents cost a tenth of an ORM row to
    # read), all asked at once; ORM rows of the households and residents it changes.
    work.households, work.residents, work.visits = reader.rows_by_ids([
        (Household, [i for i in household_ids if i not in changed], ("village_id", "commune_id", "deleted")),
        (Resident, [i for i in resident_ids if i not in changed], ("household_id",)),
        (Visit, ids(visit_ids), ("household_id", "official_id", "payload_hash", "voided", "version", "commune_id",
                                 "village_id"))])
    for model, wanted, rows in ((Household, household_ids, work.households), (Resident, resident_ids, work.residents)):
        orm = [i for i in wanted if i in changed]
        if orm:
            rows.update((row.id, row) for row in db.session.execute(select(model).where(model.id.in_(orm))).scalars())
    village_ids = [v for v in village_ids if is_id(v)]
    if village_ids:
        work.villages = {row.id: row.commune_id for row in db.session.execute(
            select(Area.id, Area.commune_id)
            .where(Area.id.in_(village_ids), Area.level == "village", Area.retired.is_(False)))}


OUTSIDE = ["Outside your villages."]


def _load_data(work: Batch, change: dict, partial: bool = False) -> dict | None:
    if change["table"] == "visits":
        data = fast_visit(change["data"])
        if data is not None:
            return data
    try:
        return RECORD[change["table"]].load(change["data"], partial=partial)
    except ValidationError as err:
        work.rejected(change, "invalid", err.messages)
        return None


def _household(work: Batch, change: dict) -> None:
    row = work.households.get(change["id"])
    if row is None:
        if change["op"] == "delete" or change["base_version"] > 0:
            return work.rejected(change, "not_found", {"id": ["No such household."]})
        data = _load_data(work, change)
        if data is None:
            return None
        commune_id = work.villages.get(data["village_id"])
        if commune_id is None:
            return work.rejected(change, "not_found", {"village_id": ["No such village."]})
        if not work.scope.holds(data["village_id"], commune_id):
            return work.rejected(change, "outside_scope", {"village_id": OUTSIDE})
        work.households[change["id"]] = work.ledger.create(Household, change["id"], data, data["village_id"],
                                                           commune_id)
        return work.result(change, "applied", version=1)
    if not work.scope.holds(row.village_id, row.commune_id):
        return work.rejected(change, "outside_scope", {"id": OUTSIDE})
    return _update(work, change, row, records.HOUSEHOLD_FIELDS)


def _resident(work: Batch, change: dict) -> None:
    row = work.residents.get(change["id"])
    if row is None:
        if change["op"] == "delete" or change["base_version"] > 0:
            return work.rejected(change, "not_found", {"id": ["No such resident."]})
        data = _load_data(work, change)
        if data is None:
            return None
        data["household_id"] = str(data["household_id"])
        household = work.households.get(data["household_id"])
        if household is None or household.deleted:
            return work.rejected(change, "not_found", {"household_id": ["No such household."]})
        if not work.scope.holds(household.village_id, household.commune_id):
            return work.rejected(change, "outside_scope", {"household_id": OUTSIDE})
        work.residents[change["id"]] = work.ledger.create(Resident, change["id"], data, household.village_id,
                                                          household.commune_id)
        return work.result(change, "applied", version=1)
    if not work.scope.holds(row.village_id, row.commune_id):
        return work.rejected(change, "outside_scope", {"id": OUTSIDE})
    return _update(work, change, row, records.RESIDENT_FIELDS)


def _update(work: Batch, change: dict, row, fields: tuple) -> None:
    """Merge a change into a stored household or resident, field by field (shared.merge)."""
    if change["base_version"] > row.version:
        return work.rejected(change, "version_ahead",
                             {"base_version": [f"Newer than the server's version {row.version}."]})
    if change["op"] == "delete":
        if row.deleted:
            return work.result(change, "duplicate", version=row.version)
        work.ledger.delete(row)
        return work.result(change, "applied", version=row.version)
    if row.deleted:
        return work.rejected(change, "deleted", {"id": ["This record was deleted."]})
    data = _load_data(work, change, partial=True)
    if data is None:
        return None
    if "household_id" in data:
        data["household_id"] = str(data["household_id"])
        if data["household_id"] != row.household_id:
            return work.rejected(change, "invalid",
                                 {"household_id": ["A resident cannot move to another household."]})
    commune_id = None
    if "village_id" in data and data["village_id"] != row.village_id:
        commune_id = work.villages.get(data["village_id"])
        if commune_id is None or not work.scope.holds(data["village_id"], commune_id):
            return work.rejected(change, "outside_scope", {"village_id": OUTSIDE})
    server = {f: getattr(row, f) for f in fields}
    merged = merge_fields(server, row.field_versions or {}, row.version, data, change["base_version"])
    work.ledger.change(row, merged.updates, [(c.field, c.lost_value) for c in merged.conflicts], commune_id)
    current = records.record_of(change["table"], row) if merged.status == "merged" else None
    return work.result(change, merged.status, version=row.version, current=current)


def _visit(work: Batch, change: dict) -> None:
    existing = work.visits.get(change["id"])
    if change["op"] == "delete":
        return _void(work, change, existing)
    data = _load_data(work, change)
    if data is None:
        return None
    started = data["started_at"]  # aware (the schema refuses a naive time); in UTC, so that orjson writes the digest's
    data["started_at"] = started.astimezone(timezone.utc)  # canonical text itself, without a Python call per time
    digest = _digest(data)
    household = work.households.get(str(data["household_id"]))
    if existing is not None:
        if existing.payload_hash == digest:
            return work.result(change, "duplicate", version=existing.version)
        return _visit_conflict(work, change, data, existing.commune_id, existing.version)
    if household is None or household.deleted:
        return work.rejected(change, "not_found", {"household_id": ["No such household."]})
    if not work.scope.holds(household.village_id, household.commune_id):
        return work.rejected(change, "outside_scope", {"household_id": OUTSIDE})
    for i, assist in enumerate(data["assists"]):
        resident_id = assist["resident_id"] and str(assist["resident_id"])
        resident = work.residents.get(resident_id) if resident_id else None
        if resident_id and (resident is None or resident.household_id != household.id):
            return work.rejected(change, "not_found",
                                 {"assists": {i: {"resident_id": ["Not a resident of this household."]}}})
    replaced = str(data["replaces_id"]) if data["replaces_id"] else None
    if replaced:
        old = work.visits.get(replaced)
        if old is None or old.household_id != household.id:
            return work.rejected(change, "not_found", {"replaces_id": ["No such visit at this household."]})
    work.ledger.add_visit({**data, "id": change["id"], "household_id": household.id,
                           "village_id": household.village_id, "commune_id": household.commune_id,
                           "official_id": work.user.id, "device_id": work.device.id, "replaces_id": replaced,
                           "payload_hash": digest, "voided": False, "version": 1, "received_at": work.received_at})
    result = work.result(change, "applied", version=1)
    # Remembered at once, so the same id twice in one batch is a duplicate, not a second insert.
    work.visits[change["id"]] = _Pending(household.id, work.user.id, digest, False, 1, household.commune_id)
    work.new_visits.append((result, data, household.commune_id))
    if replaced:
        _void(work, {"table": "visits", "id": replaced}, work.visits[replaced], report=False)
    return None


def _visit_conflict(work: Batch, change: dict, data: dict, commune_id: int, version: int) -> dict:
    """Another visit is stored under this id: nothing is overwritten, and the pushed one is kept for review."""
    return work.result(change, "conflict", version=version, **_kept(work, change["id"], data, commune_id))


def _kept(work: Batch, visit_id: str, data: dict, commune_id: int) -> dict:
    work.ledger.keep_visit(visit_id, _jsonable(data), commune_id)
    return {"code": "id_taken", "errors": {"id": ["Another visit with this id is already stored."]}}


def _settle_visits(work: Batch) -> None:
    """A visit that a concurrent push of the same id stored first is a duplicate or a conflict, as that one says."""
    for result, data, commune_id in work.new_visits:
        if result["id"] in work.ledger.inserted:
            continue
        stored = db.session.execute(select(Visit.payload_hash, Visit.version)
                                    .where(Visit.id == result["id"])).one()
        result["version"] = stored.version
        if stored.payload_hash == _digest(data):
            result["status"] = "duplicate"
        else:
            result.update(status="conflict", **_kept(work, result["id"], data, commune_id))


class _Pending:
    """A visit of this batch, looked up like a stored one."""

    def __init__(self, household_id, official_id, payload_hash, voided, version, commune_id):
        self.household_id, self.official_id, self.payload_hash = household_id, official_id, payload_hash
        self.voided, self.version, self.commune_id = voided, version, commune_id


def _void(work: Batch, change: dict, existing, report: bool = True) -> None:
    if existing is None:
        return work.rejected(change, "not_found", {"id": ["No such visit."]}) if report else None
    household = work.households.get(existing.household_id)
    village_id = household.village_id if household else getattr(existing, "village_id", None)
    commune_id = household.commune_id if household else getattr(existing, "commune_id", None)
    if not work.scope.holds(village_id, commune_id) or (
            work.scope.role == "official" and existing.official_id != work.user.id):
        return work.rejected(change, "not_owner",
                             {"id": ["Only its official or a leader may void this visit."]}) if report else None
    if existing.voided:
        return work.result(change, "duplicate", version=existing.version) if report else None
    if change["id"] in work.ledger.voids:
        return work.result(change, "duplicate", version=existing.version + 1) if report else None
    work.ledger.void(change["id"], existing.household_id)
    return work.result(change, "applied", version=existing.version + 1) if report else None


def _receipt_json(reply: dict) -> bytes:
    # Errors may be keyed by an item's position (an int), as marshmallow gives them; JSON keys are strings.
    return orjson.dumps(reply, option=orjson.OPT_NON_STR_KEYS)


DIGEST_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME  # times through _canonical


def _digest(data: dict) -> str:
    """The sha256 of a visit's data as canonical JSON: keys sorted, times in UTC as isoformat() writes them.

    Its one time, `started_at`, is given in UTC (see _visit), which orjson writes as isoformat() does ("+00:00",
    microseconds only when there are some): the same text as _canonical's, tests/server/test_digest.py checks it."""
    return hashlib.sha256(orjson.dumps(data, default=_canonical, option=orjson.OPT_SORT_KEYS)).hexdigest()


def digest_by_isoformat(data: dict) -> str:
    """The digest as it was first written, every time through _canonical: what _digest must keep giving."""
    return hashlib.sha256(orjson.dumps(data, default=_canonical, option=DIGEST_OPTIONS)).hexdigest()


def _jsonable(data: dict) -> dict:
    return orjson.loads(orjson.dumps(data, default=_canonical, option=DIGEST_OPTIONS))


def _canonical(value):
    if hasattr(value, "utcoffset") and value.utcoffset() is not None:
        return value.astimezone(timezone.utc).isoformat()
    return str(value)


HANDLERS = {"households": _household, "residents": _resident, "visits": _visit}
