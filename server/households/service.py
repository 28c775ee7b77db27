"""Paginated reads of households, residents and visits in the caller's scope."""
from sqlalchemy import func, select

from ..extensions import db
from ..ledger import Scope
from ..models import Household, Resident, Visit
from ..sync import records

TABLES = {"households": Household, "residents": Resident, "visits": Visit}


def page(table: str, scope: Scope, page_no: int, per_page: int, village_id: int | None = None) -> dict:
    """One page of a table's live rows in `scope`, oldest first, with the total."""
    model = TABLES[table]
    query = select(model).where(model.voided.is_(False) if model is Visit else model.deleted.is_(False))
    where = scope.filter(model)
    if where is not None:
        query = query.where(where)
    if village_id is not None:
        query = query.where(model.village_id == village_id)
    total = db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = db.session.execute(query.order_by(model.id).offset((page_no - 1) * per_page).limit(per_page)).scalars()
    items = [{"id": row.id, "version": row.version, **records.record_of(table, row)} for row in rows]
    return {"items": items, "page": page_no, "per_page": per_page, "total": total}
