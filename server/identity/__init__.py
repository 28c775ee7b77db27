"""The database's identity: a random id that changes when the database is restored from a backup.

Terms:
- the *identity* is one row of `database_identity`: a UUID, and `restored_seq`, the `sync_counter` value when it
  was last renewed. It is sent with every sync reply (header X-Database-Id). A restore brings back the identity of
  the dump; `doorstep renew-identity`, which the restore runbook runs after pg_restore (docs/deploy.md), gives the
  database a new one, and the tablets that see it change send back what the restored server lacks (the digest,
  docs/protocol.md "Restore");
- a *regression* is a tablet's cursor ahead of the counter: the counter never goes down, so the database was
  restored without renew-identity. The pull that notices it renews the identity itself (auto-renewal).
"""
import logging

from flask import Flask

from . import model  # noqa: F401  (its table is part of the schema: create_all and Alembic see it)

log = logging.getLogger("doorstep.identity")


def init_app(app: Flask) -> None:
    """Register the identity's hooks on the sync API, its digest endpoint and the renew-identity command."""
    from . import hooks
    from .cli import renew_identity
    from .resources import blp
    from ..extensions import api

    app.before_request(hooks.check_identity)
    app.after_request(hooks.send_identity)
    api.register_blueprint(blp, url_prefix="/api/v1" + blp.url_prefix)
    app.cli.add_command(renew_identity)
