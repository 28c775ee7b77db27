"""The identity row (see the package's terms)."""
from datetime import datetime

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..models import UTCDateTime, utcnow


class DatabaseIdentity(db.Model):
    """One row (id 1): the identity of this database, and the counter value when it was renewed."""
    __tablename__ = "database_identity"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    identity: Mapped[str] = mapped_column(String(36))
    restored_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    renewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    table_oid: Mapped[int | None] = mapped_column(BigInteger)
    """PostgreSQL: the OID of this table when the identity was made or renewed; pg_restore makes a new one."""
