"""areas: a name unique among its siblings (compared folded), retired areas, merges

Revision ID: d5a1e2c3b4f6
Revises: c4e8a1f0d2b6
Create Date: 2026-12-02 01:20:00.000000

Areas with the same folded name under one parent that exist already are reported (logged as a warning, each with
the command that resolves it) and kept: the first keeps the name's key, the others get none until an admin renames
or merges them (`doorstep areas list --duplicates`).
"""
import logging

from alembic import op
import sqlalchemy as sa

from shared.text import fold

# revision identifiers, used by Alembic.
revision = 'd5a1e2c3b4f6'
down_revision = 'c4e8a1f0d2b6'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")


def upgrade():
    # Plain ALTER TABLE ADD COLUMN: SQLite's batch mode would copy the table, which other tables' keys refer to.
    op.add_column('areas', sa.Column('name_key', sa.String(length=100), nullable=True))
    op.add_column('areas', sa.Column('retired', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column('areas', sa.Column('merged_into_id', sa.Integer(), nullable=True))
    connection = op.get_bind()
    areas = sa.table('areas', sa.column('id'), sa.column('parent_id'), sa.column('name'), sa.column('name_key'))
    first: dict = {}
    keys = []
    for area_id, parent_id, name in connection.execute(
            sa.select(areas.c.id, areas.c.parent_id, areas.c.name).order_by(areas.c.id)):
        key = fold(name)[:100]
        if (parent_id, key) in first:
            log.warning("area %s has the name of area %s under the same parent: merge it "
                        "(doorstep areas merge %s %s) or rename it (doorstep areas rename %s NAME)",
                        area_id, first[parent_id, key], area_id, first[parent_id, key], area_id)
            continue
        first[parent_id, key] = area_id
        keys.append({"area_id": area_id, "key": key})
    if keys:
        connection.execute(areas.update().where(areas.c.id == sa.bindparam("area_id"))
                           .values(name_key=sa.bindparam("key")), keys)
    op.create_index('uq_areas_parent_name', 'areas', ['parent_id', 'name_key'], unique=True,
                    sqlite_where=sa.text('retired = 0'), postgresql_where=sa.text('NOT retired'))


def downgrade():
    op.drop_index('uq_areas_parent_name', table_name='areas')
    for column in ('merged_into_id', 'retired', 'name_key'):
        # SQLite (3.35 and later) drops a column in place; Alembic's way would copy the table (see upgrade).
        op.execute(f'ALTER TABLE areas DROP COLUMN {column}')
