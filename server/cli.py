"""The admin CLI: `doorstep COMMAND` or `flask --app server COMMAND`."""
import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext

from .extensions import db
from .models import SyncCounter


def ensure_counter() -> None:
    if db.session.get(SyncCounter, 1) is None:
        db.session.add(SyncCounter(id=1, v=0, purged_through=0))
        db.session.commit()


@click.command("init-db")
@with_appcontext
def init_db():
    """Create every table (a new, empty database) and stamp it with the newest migration."""
    from flask_migrate import stamp
    db.create_all()
    ensure_counter()
    stamp()
    click.echo("Database ready.")


@click.command("upgrade")
@with_appcontext
def upgrade():
    """Apply the Alembic migrations up to the newest."""
    from flask_migrate import upgrade as alembic_upgrade
    alembic_upgrade()
    ensure_counter()
    click.echo("Database upgraded.")


COMMANDS = [init_db, upgrade]


def register_cli(app: Flask) -> None:
    for command in COMMANDS:
        app.cli.add_command(command)


def _create_app():
    from . import create_app
    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False)
def main():
    """Doorstep server administration."""
