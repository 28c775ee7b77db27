"""`doorstep config check`: the effective settings, without their secrets, and what would stop the start.

It reads the settings as the server would (server/config.py, from this process's environment) without building the
app, so it answers even when the app would refuse to start; the exit status is 1 when it would.
"""
import os

import click
from flask import Flask
from sqlalchemy.engine import make_url

from . import config as settings
from .console import Command, group, inline
from shared.i18n import N_


@group("config")
def config():
    """The server's configuration."""


@config.command("check", cls=Command)
def check():
    """Print the effective settings (secrets hidden) and refuse, with the reasons, a configuration that would not
    start."""
    values = {key: getattr(settings.Config, key) for key in dir(settings.Config) if key.isupper()}
    embedded = not values.get("SQLALCHEMY_DATABASE_URI")
    for variable, key, secret in settings.SETTINGS:
        value = _instance() if key is None else values.get(key)
        if variable == "DATABASE_URL" and embedded:
            shown = f"sqlite:///{os.path.join(_instance(), 'doorstep.db')}"
        elif variable == "SECRET_KEY":
            shown = _key(value, embedded)
        elif secret and value:
            shown = _hide_password(str(value))
        else:
            shown = "" if value is None else str(value)
        origin = ORIGINS[variable in os.environ]
        click.echo(f"{variable:32} {shown}  ({inline(origin)})")
    found = settings.problems(values, embedded)
    if found:
        click.echo(settings.ConfigError(found), err=True)
        raise SystemExit(1)
    click.echo(settings.bilingual(N_("The configuration is valid.")))


def _instance() -> str:
    # The folder create_app would use (Flask's default beside the package, or DOORSTEP_INSTANCE), without the app.
    return Flask("server", instance_path=os.environ.get("DOORSTEP_INSTANCE") or None).instance_path


def _key(value, embedded: bool) -> str:
    if isinstance(value, str) and value.strip():
        if value in settings.REPOSITORY_KEYS:
            return "(" + inline(N_("set, to a default written in the repository")) + ")"
        return "(" + inline(N_("set, {count} characters"), count=len(value)) + ")"
    return "(" + (inline(N_("kept in the instance folder")) if embedded else inline(N_("not set"))) + ")"


ORIGINS = {True: N_("environment"), False: N_("default")}


def _hide_password(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy reads (e.g. "immediate:"): show it only when it holds no "@"
        return url if "@" not in url else "(set, hidden)"
