"""visits and assists without foreign keys to households, users and visits

Revision ID: f3c8d2a6b9e1
Revises: d7a3c5e9f1b2
Create Date: 2026-12-02 06:10:00.000000

A visit's household and official, and an assist's visit, are checked by the push in the transaction that writes them
(server/sync/push.py: the household is read, and re-read under the counter lock on a retry; an assist is written with
its own visit), and no row they name is ever deleted while they stand (server/ledger/purge.py purges only
households that no visit names). The database checked them a second time, row by row: on PostgreSQL a
`SELECT ... FOR KEY SHARE` of the household per visit, a fifth of the backend's time per pushed visit
(docs/performance.md). The indexes stay. The previous release never relied on them, so it runs on this schema too.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'f3c8d2a6b9e1'
down_revision = 'd7a3c5e9f1b2'
branch_labels = None
depends_on = None

# The assists first: SQLite's batch mode makes a table anew and drops the old one, which fails while another
# table's foreign key still refers to it (assists to visits). The downgrade goes in the reverse order.
DROPPED = (('assists', 'fk_assists_visit_id_visits', 'visits', 'visit_id'),
           ('visits', 'fk_visits_household_id_households', 'households', 'household_id'),
           ('visits', 'fk_visits_official_id_users', 'users', 'official_id'))


def upgrade():
    for table, name, _, _ in DROPPED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(name, type_='foreignkey')


def downgrade():
    for table, name, referred, column in reversed(DROPPED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_foreign_key(name, referred, [column], ['id'])
