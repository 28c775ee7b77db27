"""`doorstep renew-identity`: run by the restore runbook right after pg_restore (docs/deploy.md)."""
import click
from flask.cli import with_appcontext

from . import service


@click.command("renew-identity")
@with_appcontext
def renew_identity():
    """Give the database a new identity after a restore: every tablet then sends back what the backup lacks."""
    identity = service.renew("doorstep renew-identity")
    click.echo(f"Database identity renewed: {identity}")
