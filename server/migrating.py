"""Flask-Migrate, loaded only when a migration runs, and the migrations' revisions read without Alembic.

Importing Flask-Migrate imports most of Alembic and Mako: 11 MB of memory in every server worker, which never
migrates. `init_app` registers the same extension and `flask db` group that Flask-Migrate registers, and loads it
at its first use (a `flask db` command, `doorstep upgrade`, the demo's stamp).
"""
import ast
import os

import click

from .console import Bilingual

DIRECTORY = os.path.join(os.path.dirname(__file__), "migrations")


def init_app(app, db) -> None:
    app.extensions["migrate"] = _Deferred(app, db)
    app.cli.add_command(_DbGroup("db", help="Database migrations (Flask-Migrate)."))


class _Deferred:
    """Stands for Flask-Migrate's app.extensions["migrate"] until something reads it."""

    def __init__(self, app, db):
        self.app, self.db = app, db

    def __getattr__(self, name):
        from flask_migrate import Migrate

        Migrate(self.app, self.db, directory=DIRECTORY)  # puts its own config in app.extensions["migrate"]
        return getattr(self.app.extensions["migrate"], name)


class _DbGroup(Bilingual, click.Group):
    """Flask-Migrate's `db` command group, imported when a command of it runs or is listed."""

    @staticmethod
    def _real() -> click.Group:
        from flask_migrate.cli import db
        return db

    def make_context(self, info_name, args, parent=None, **extra):
        return self._real().make_context(info_name, args, parent=parent, **extra)  # its options, its commands

    def list_commands(self, ctx):
        return self._real().list_commands(ctx)

    def get_command(self, ctx, name):
        return self._real().get_command(ctx, name)


def revisions(directory: str = os.path.join(DIRECTORY, "versions")) -> tuple[frozenset, frozenset]:
    """(heads, every revision) of the migrations in `directory`, from each file's `revision` and `down_revision`
    (tests/server/test_health.py checks them against Alembic's own reading)."""
    down_of = {}
    for name in sorted(os.listdir(directory)):
        if name.endswith(".py"):
            with open(os.path.join(directory, name), encoding="utf-8") as source:
                values = _assignments(source.read(), ("revision", "down_revision"))
            down = values.get("down_revision")
            down_of[values["revision"]] = set(down if isinstance(down, (tuple, list)) else [down] if down else [])
    referred = set().union(*down_of.values()) if down_of else set()
    return frozenset(set(down_of) - referred), frozenset(down_of)


def _assignments(text: str, names: tuple) -> dict:
    return {target.id: ast.literal_eval(node.value) for node in ast.parse(text).body if isinstance(node, ast.Assign)
            for target in node.targets if isinstance(target, ast.Name) and target.id in names}
