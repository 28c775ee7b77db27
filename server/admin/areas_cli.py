"""`doorstep areas ...`: list, rename, merge and retire areas from the console (server/admin/areas.py)."""
import click
from flask.cli import with_appcontext

from shared.schemas import MAX_ID

from ..console import N_, Command, group, inline, option, say

ID = click.IntRange(1, MAX_ID)


@group("areas")
def areas():
    """List, rename, merge and retire areas."""


@areas.command("list", cls=Command)
@option("--commune", "commune_id", type=ID, help="Only the areas of this commune.")
@option("--duplicates", is_flag=True, help="Only the areas whose name a sibling has too.")
@with_appcontext
def list_command(commune_id, duplicates):
    """One line per live area: id, level, parent, name, households, officials."""
    from .areas import list_areas
    rows = list_areas(commune_id, duplicates)
    for row in rows:
        mark = "  " + inline(N_("(duplicate name: rename or merge it)")) if row["duplicate"] else ""
        counts = inline(N_("{households} households, {officials} officials"), households=row["households"],
                        officials=row["officials"])
        click.echo(f"{row['id']}\t{row['level']}\t{row['parent_id'] or '-'}\t{row['name']}\t{counts}{mark}")
    if not rows:
        say(N_("No areas."))


@areas.command("rename", cls=Command)
@click.argument("area_id", type=ID)
@click.argument("name")
@with_appcontext
def rename_command(area_id, name):
    """Give an area a new name (unique among its siblings); tablets receive it at their next sync."""
    from ..cli import _admin_call
    from .areas import rename
    area = _admin_call(lambda: rename(area_id, name))
    say(N_("Renamed area {id}: {name}"), id=area.id, name=area.name)


@areas.command("merge", cls=Command)
@click.argument("from_id", type=ID)
@click.argument("into_id", type=ID)
@with_appcontext
def merge_command(from_id, into_id):
    """Move every household of village FROM_ID into village INTO_ID of the same commune, assign its officials
    there, and retire FROM_ID."""
    from ..cli import _admin_call
    from .areas import merge
    moved = _admin_call(lambda: merge(from_id, into_id))
    say(N_("Merged village {source} into {target}: {count} households moved."), source=from_id, target=into_id,
        count=moved)


@areas.command("retire", cls=Command)
@click.argument("area_id", type=ID)
@with_appcontext
def retire_command(area_id):
    """Retire an area nothing lives in any more (a village without households)."""
    from ..cli import _admin_call
    from .areas import retire
    _admin_call(lambda: retire(area_id))
    say(N_("Retired area {id}."), id=area_id)
