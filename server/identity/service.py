"""Read and renew the identity; answer a tablet's digest (docs/protocol.md, "Restore").

Reads and renewals go through a connection of their own, so that they never commit or roll back the request's
session (a push's batch is committed before the reply, and the identity is read after it); `state()`, read at each
sync request, is one statement in the request's own transaction.

On PostgreSQL the row also keeps `table_oid`, the OID of the `database_identity` table itself. pg_restore creates
every table anew, so after a restore the stored OID is not the table's: the first sync request that sees it renews
the identity (a restore that forgot renew-identity, noticed at once, before any tablet pushes).
"""
import logging

from sqlalchemy import literal_column, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from shared.ids import new_id

from ..extensions import db
from ..models import Household, Resident, SyncCounter, Visit, utcnow
from .model import DatabaseIdentity

log = logging.getLogger("doorstep.identity")
IDENTITY = DatabaseIdentity.__table__
COUNTER = SyncCounter.__table__


def current() -> str:
    """This database's identity, made at the first call on a database that has none yet."""
    with db.engine.begin() as conn:
        found = conn.execute(select(IDENTITY.c.identity).where(IDENTITY.c.id == 1)).scalar()
        if found is not None:
            return found
        insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        # Two workers may make it at once: the first insert wins, and both read it back.
        conn.execute(insert(IDENTITY).values(id=1, identity=new_id(), restored_seq=_counter(conn),
                                             renewed_at=utcnow(), table_oid=_table_oid(conn))
                     .on_conflict_do_nothing(index_elements=["id"]))
        return conn.execute(select(IDENTITY.c.identity).where(IDENTITY.c.id == 1)).scalar_one()


_COLUMNS = (IDENTITY.c.identity, select(COUNTER.c.v).where(COUNTER.c.id == 1).scalar_subquery(), IDENTITY.c.table_oid)
_STATE = select(*_COLUMNS).where(IDENTITY.c.id == 1)
_STATE_PG = select(*_COLUMNS, literal_column("'database_identity'::regclass::oid")).where(IDENTITY.c.id == 1)
_OID = text("SELECT 'database_identity'::regclass::oid")


def state() -> tuple[str, int]:
    """(identity, counter) in one statement of the request's own transaction (already opened by the token check):
    no connection or round trip of its own, which on PostgreSQL cost 1.7 ms per sync request. A table OID that is
    not the stored one renews the identity first (see the module's docstring)."""
    postgres = db.session.get_bind().dialect.name == "postgresql"
    row = db.session.execute(_STATE_PG if postgres else _STATE).first()
    if row is None:  # a database without its row yet: made once, on a connection of its own
        return current(), counter()
    if postgres and row[2] != row[3]:
        return renew("the database's tables were made anew: a pg_restore", moved=True), row[1] or 0
    return row[0], row[1] or 0


def renew(reason: str, moved: bool = False) -> str:
    """Give the database a new identity (after a restore) and remember the counter value; returns the identity.

    `moved`: for a new table OID, renewed once, by whichever request comes first; the others read its identity."""
    current()  # the row exists from here on
    identity = new_id()
    with db.engine.begin() as conn:
        oid = _table_oid(conn)
        change = update(IDENTITY).where(IDENTITY.c.id == 1)
        if moved:
            change = change.where(IDENTITY.c.table_oid.is_distinct_from(oid))
        done = conn.execute(change.values(identity=identity, restored_seq=_counter(conn), renewed_at=utcnow(),
                                          table_oid=oid)).rowcount
        if not done:
            return conn.execute(select(IDENTITY.c.identity).where(IDENTITY.c.id == 1)).scalar_one()
    log.warning("database identity renewed (%s)", reason)
    return identity


def _table_oid(conn) -> int | None:
    return conn.execute(_OID).scalar() if conn.dialect.name == "postgresql" else None


def restored_seq() -> int:
    """The counter value at the last renewal: rows with a seq at most this are as the restore left them."""
    current()
    with db.engine.connect() as conn:
        return conn.execute(select(IDENTITY.c.restored_seq).where(IDENTITY.c.id == 1)).scalar_one()


def counter() -> int:
    with db.engine.connect() as conn:
        return _counter(conn)


def _counter(conn) -> int:
    return conn.execute(select(COUNTER.c.v).where(COUNTER.c.id == 1)).scalar() or 0


MODELS = {"households": Household, "residents": Resident, "visits": Visit}


def digest(tables: dict) -> list[dict]:
    """What the server lacks or holds older of the records a tablet lists (see docs/protocol.md, "Restore").

    Each answer is {table, id, base_version}: the tablet sends its record again against `base_version`. It is 0
    when the server lacks the record; the server's version when it holds an older one untouched since the last
    renewal; 0 again when it holds an older one that was changed since the renewal (its base on the lost timeline
    is unknown: the merge then keeps every value it overwrites in `conflicts`, so nothing is lost). A visit is
    answered when the server lacks it, or when the tablet's copy is voided and the server's is not (base_version
    is then the server's version: the tablet sends the void). Nothing else: a record the server holds at the same
    version or newer is the tablet's to pull.
    """
    since_restore = restored_seq()
    answers = []
    for table, listed in tables.items():
        model = MODELS[table]
        if not listed:
            continue
        ids = [str(item["id"]) for item in listed]
        if table == "visits":
            stored = {r.id: r for r in db.session.execute(
                select(model.id, model.version, model.voided).where(model.id.in_(ids)))}
        else:
            stored = {r.id: r for r in db.session.execute(
                select(model.id, model.version, model.seq).where(model.id.in_(ids)))}
        for item in listed:
            row_id, row = str(item["id"]), stored.get(str(item["id"]))
            if row is None:
                # A household or resident made and deleted while the server was away: nothing to bring back. A
                # voided visit still counts (it was logged, and a correction may name it): it comes, then its void.
                if table == "visits" or not item.get("deleted"):
                    answers.append({"table": table, "id": row_id, "base_version": 0})
            elif table == "visits":
                if item.get("deleted") and not row.voided:
                    answers.append({"table": table, "id": row_id, "base_version": row.version})
            elif row.version < item["version"]:
                base = row.version if row.seq <= since_restore else 0
                answers.append({"table": table, "id": row_id, "base_version": base})
    db.session.rollback()  # only reads: end the transaction
    return answers
