"""The admin CLI: `doorstep COMMAND` or `flask --app server COMMAND`."""
import sys

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext

from .admin.areas_cli import areas
from .console import N_, Bilingual, command, inline, option, refusal, say, text
from .extensions import db
from .ledger import ensure_counter
from .models import Device, User
from shared import vocab
from shared.ids import is_canonical
from shared.schemas import MAX_ID

ID = click.IntRange(1, MAX_ID)  # an id no row can have would overflow the database's INTEGER

# One whole sentence per level and role: the catalogue never builds a sentence from pieces.
LEVEL_CREATED = {"province": N_("Created province {id}: {name}"), "commune": N_("Created commune {id}: {name}"),
                 "village": N_("Created village {id}: {name}")}
ROLE_CREATED = {"official": N_("Created official {id}: {username}"), "leader": N_("Created leader {id}: {username}"),
                "admin": N_("Created admin {id}: {username}")}
DEMO_TABLES = ("areas", "users", "households", "residents", "visits", "assists")


@command("init-db")
@with_appcontext
def init_db():
    """Create every table (a new, empty database) and stamp it with the newest migration."""
    from flask_migrate import stamp
    db.create_all()
    ensure_counter()
    stamp()
    say(N_("Database ready."))


@command("upgrade")
@with_appcontext
def upgrade():
    """Apply the Alembic migrations up to the newest."""
    from flask_migrate import upgrade as alembic_upgrade
    alembic_upgrade()
    ensure_counter()
    # Which database: an upgrade that went to another one than meant (a forgotten DATABASE_URL) shows here.
    say(N_("Database upgraded: {url}"), url=_safe_url(db.engine.url))


def _safe_url(url) -> str:
    return url.render_as_string(hide_password=True)


def _admin_call(action):
    """Run `action`, turning a refusal of the data into a clean CLI error; a refused password is told in
    Vietnamese, then in English."""
    from .admin.service import AdminError
    from .auth.passwords import PasswordRefused
    try:
        return action()
    except AdminError as err:
        db.session.rollback()
        raise refusal(err.message, **err.values) from None
    except PasswordRefused as refused:
        db.session.rollback()
        raise refusal(refused.message, **refused.values) from None


@command("create-area")
@option("--level", required=True, type=click.Choice(["province", "commune", "village"]))
@option("--name", required=True)
@option("--parent", "parent_id", type=ID, help="Id of the parent area.")
@option("--code", help="Administrative code, e.g. the GSO code.")
@with_appcontext
def create_area(level, name, parent_id, code):
    """Add a province, a commune or a village."""
    from .admin.service import create_area as create
    area = _admin_call(lambda: create(level, name, parent_id, code))
    say(LEVEL_CREATED[area.level], id=area.id, name=area.name)


def _read_password() -> str:
    """The password from stdin when it is piped, else from a hidden prompt typed twice; never from argv."""
    if not _interactive():
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt(text(N_("Password")), hide_input=True,
                        confirmation_prompt=text(N_("Repeat for confirmation")))


def _interactive() -> bool:
    return sys.stdin.isatty()


@command("create-user")
@click.argument("username")
@option("--full-name", required=True)
@option("--role", required=True, type=click.Choice(["official", "leader", "admin"]))
@option("--commune", "commune_id", type=ID, help="Id of the user's commune (not for an admin).")
@option("--village", "village_ids", type=ID, multiple=True, help="Id of an assigned village; repeatable.")
@with_appcontext
def create_user(username, full_name, role, commune_id, village_ids):
    """Add a user; the password is read from stdin or a hidden prompt, never from the command line."""
    from .admin.service import create_user as create
    password = _read_password()
    user = _admin_call(lambda: create(username, full_name, role, password, commune_id, list(village_ids)))
    say(ROLE_CREATED[user.role], id=user.id, username=user.username)


@command("reset-password")
@click.argument("username")
@with_appcontext
def reset_password(username):
    """Set a user's password (from stdin or a hidden prompt); every tablet token and dashboard session of the user
    ends."""
    from .auth.service import reset_password as reset
    user = db.session.execute(db.select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        raise refusal(N_("No user is called {username}."), username=username)
    password = _read_password()
    _admin_call(lambda: reset(user, password, None))
    say(N_("The password of {username} is set."), username=username)


@command("revoke-device")
@click.argument("device_id")
@with_appcontext
def revoke_device(device_id):
    """Revoke a tablet: its next request is told to erase its data (401 erase_required)."""
    from .auth.service import revoke_device as revoke
    device = db.session.get(Device, device_id) if is_canonical(device_id) else None
    if device is None:
        raise refusal(N_("No tablet has the id {device_id}."), device_id=device_id)
    revoke(device, None)
    say(N_("Tablet {device_id} revoked: it erases its data at its next connection."), device_id=device_id)


@command("disable-user")
@click.argument("username")
@with_appcontext
def disable_user(username):
    """Disable a user: every tablet of the user is told to erase its data, every dashboard session ends."""
    from .auth.service import set_active
    user = db.session.execute(db.select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        raise refusal(N_("No user is called {username}."), username=username)
    set_active(user, False, None)
    say(N_("{username} is disabled."), username=username)


@command("import-households")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@option("--commune", "commune_id", type=int, required=True, help="Id of the commune the villages are in.")
@option("--skip-bad", is_flag=True, help="Import the good rows even when some are bad.")
@with_appcontext
def import_households(file, commune_id, skip_bad):
    """Import households (and residents) from a CSV or XLSX sheet with columns Thôn, Địa chỉ, Chủ hộ, ..."""
    from .admin.importer import import_households as run_import
    report = run_import(file, commune_id, skip_bad=skip_bad)
    for line, column, message, values in report.errors:
        say(N_("line {line}: {column}: {message}"), err=True, line=line, column=column,
            message=inline(message, **values))
    say(N_("Imported {households} households and {residents} residents ({existing} already there, {errors} "
           "errors)."), households=report.households, residents=report.residents,
        existing=report.skipped_existing, errors=len(report.errors))
    if report.error_count and not report.households:
        sys.exit(1)


@command("worker")
@option("--workers", default=1, show_default=True, type=click.IntRange(1, 16),
              help="Jobs run at once (threads).")
@with_appcontext
def worker(workers):
    """Run the background jobs (household imports) from the queue JOB_QUEUE_URL names, until Ctrl-C or SIGTERM."""
    from flask import current_app

    from .jobs import run_worker
    try:
        run_worker(current_app._get_current_object(), workers)
    except ValueError as err:
        raise click.ClickException(str(err)) from None


@command("seed-demo")
@option("--reset", is_flag=True, help="Drop every table first.")
@option("--seed", default=1, show_default=True)
@option("--communes", default=0, show_default=True, help="Synthetic communes beyond the three real ones.")
@option("--households-per-village", default=25, show_default=True)
@option("--weeks", default=8, show_default=True, type=click.IntRange(1, 52))
@option("--visits-per-household", default=1.2, show_default=True)
@with_appcontext
def seed_demo(reset, seed, communes, households_per_village, weeks, visits_per_household):
    """Fill the database with demo communes of Huế, users, households and visits; print the demo logins."""
    from .admin import demo
    if reset:
        demo.reset()
    else:
        db.create_all()
        ensure_counter()
    summary = _admin_call(lambda: demo.seed(seed, communes, households_per_village, weeks, visits_per_household))
    say(N_("Made {areas} areas, {users} users, {households} households, {residents} residents, {visits} visits, "
           "{assists} assists."), **{table: summary.counts.get(table, 0) for table in DEMO_TABLES})
    click.echo()
    say(N_("Demo logins (username / password / role / commune):"))
    shown = [login for login in summary.logins if login[3] in ("", *demo.REAL_COMMUNES)]
    for username, password, role, commune in shown:
        click.echo(f"  {username:<24} {password:<14} {vocab.label(vocab.ROLES, role):<12} {role:<9} "
                   f"{commune or '(tất cả / all)'}")
    if len(shown) < len(summary.logins):
        say(N_("... and {count} more in the synthetic communes, same passwords."),
            count=len(summary.logins) - len(shown))


@command("rebuild-stats")
@with_appcontext
def rebuild_stats():
    """Compute the coverage facts of every household again, from the visits: after loading rows in bulk."""
    from .stats import facts
    facts.rebuild()
    db.session.commit()
    say(N_("Coverage facts rebuilt."))


@command("refresh-stats")
@with_appcontext
def refresh_stats():
    """Refresh the coverage facts of the households that pushes marked stale: run it every few minutes (cron, a
    systemd timer) so that the dashboard's first page after a busy hour does not do it."""
    from .stats import facts
    say(N_("Coverage facts refreshed for {count} households."), count=facts.catch_up())


@command("min-age")
@click.argument("topic", required=False)
@click.argument("age", required=False, type=click.IntRange(0, 120))
@option("--default", "to_default", is_flag=True, help="Put the topic back to its default age.")
@with_appcontext
def min_age(topic, age, to_default):
    """Show the minimum age of every topic's indicator, or set one (TOPIC AGE, or TOPIC --default). The figures are
    computed again at the next read."""
    from .stats import rules
    if topic is not None:
        if age is None and not to_default:
            raise click.UsageError(text(N_("Give an AGE, or --default.")))
        try:
            rules.set_min_age(topic, None if to_default else age)
        except rules.Invalid as error:
            raise click.BadParameter("; ".join(m for ms in error.fields.values() for m in ms), param_hint=topic)
    for name, years in rules.min_ages().items():
        click.echo(f"{name:<18} {years}")


@command("purge")
@option("--days", type=click.IntRange(min=1), help="The horizon; default TOMBSTONE_HORIZON_DAYS (365).")
@with_appcontext
def purge(days):
    """Delete tombstones (deleted households and residents nothing refers to) and batch receipts older than the
    horizon; tablets whose cursor is older pull again from zero. Safe while tablets sync; run it daily from cron."""
    from flask import current_app

    from .ledger.purge import purge as run_purge
    days = days or current_app.config["TOMBSTONE_HORIZON_DAYS"]
    done = run_purge(days)
    say(N_("Purged {households} households, {residents} residents and {receipts} receipts older than {days} days."),
        households=done.households, residents=done.residents, receipts=done.receipts, days=days)
    if done.purged_through:
        say(N_("Tablets with a cursor below {seq} pull again from zero."), seq=done.purged_through)


COMMANDS = [init_db, upgrade, create_area, create_user, reset_password, revoke_device, disable_user, import_households,
            seed_demo, rebuild_stats, refresh_stats, min_age, purge, worker]
COMMANDS.append(areas)


def register_cli(app: Flask) -> None:
    for command in COMMANDS:
        app.cli.add_command(command)


def _create_app():
    from . import create_app
    from .config import ConfigError
    try:
        return create_app()
    except ConfigError as refused:  # every problem, in both languages, without a traceback
        raise SystemExit(str(refused)) from None


class _Main(Bilingual, FlaskGroup):
    """`doorstep`: Flask's group (run, shell, routes, db) with Doorstep's commands."""


@click.group(cls=_Main, create_app=_create_app)
def main():
    """Doorstep server administration."""


# Not an app command: it must answer when the configuration is too wrong for the app to start.
from .config_check import config  # noqa: E402
main.add_command(config)
