"""`doorstep renew-identity`: run by the restore runbook right after pg_restore (docs/deploy.md)."""
from flask.cli import with_appcontext

from ..console import N_, command, say
from . import service


@command("renew-identity")
@with_appcontext
def renew_identity():
    """Give the database a new identity after a restore: every tablet then sends back what the backup lacks."""
    identity = service.renew("doorstep renew-identity")
    say(N_("Database identity renewed: {identity}"), identity=identity)
