"""The database connections' pool: a connection is tried before use only when it sat idle a while.

SQLAlchemy's `pool_pre_ping` tries every connection at every checkout: one round trip per request (a push, a pull
page) to PostgreSQL, for the rare connection that the server dropped (a restart, an idle timeout). Here a
connection idle for less than POOL_PING_AFTER_SECONDS is used as it is; one that sat longer is tried first, and a
dead one is replaced before the request sees it. A connection dropped within those seconds fails its request once,
with the 503 of a database that does not answer (errors.database_unavailable): nothing of it was written, the
tablet sends it again, and SQLAlchemy's disconnect handling empties the pool of every connection as old.
"""
import time

from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError


def init_app(app, engine) -> None:
    after = app.config["POOL_PING_AFTER_SECONDS"]

    @event.listens_for(engine, "checkin")
    def _idle_from(dbapi_connection, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _try_if_idle(dbapi_connection, record, proxy):
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None or time.monotonic() - idle_since < after:
            return  # new, or used a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as dropped:  # the pool opens another connection and tries again
            raise DisconnectionError() from dropped
