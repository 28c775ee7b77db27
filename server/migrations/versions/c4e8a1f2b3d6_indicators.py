"""indicators (issue 11): outcomes already_had and not_applicable, topics' minimum ages, status facts

Revision ID: c4e8a1f2b3d6
Revises: c3d4e5f6a7b8
Create Date: 2026-12-01 22:20:00.000000

assists.outcome widens to 20 characters ("not_applicable"); topic_rules holds the minimum ages (the defaults of
shared.vocab.MIN_AGE); facts_basis the year and ages the facts were computed with; household_facts counts residents
old enough per topic, those with no birth year and its first visit; status_facts replaces done_facts (the latest outcome, not the
first done); visit_facts counts not-home visits and households met. The facts are emptied and every household is
marked stale: the next reader of the figures computes them again (server/stats/facts.py).
"""
from alembic import op
import sqlalchemy as sa

import server.models  # noqa: F401  (the column types live there)
from shared.vocab import MIN_AGE, TOPICS


# revision identifiers, used by Alembic.
revision = 'c4e8a1f2b3d6'
down_revision = 'c3d4e5f6a7b8'
branch_labels = None
depends_on = None

FACTS = ('household_facts', 'follow_up_facts', 'visit_facts')


def _recompute_later():
    """Empty the facts and mark every live household stale, so that the next catch-up computes them again."""
    for table in FACTS:
        op.execute(f"DELETE FROM {table}")
    op.execute("DELETE FROM stale_households")
    op.execute("INSERT INTO stale_households (household_id) SELECT id FROM households WHERE deleted = false")


def upgrade():
    with op.batch_alter_table('assists', schema=None) as batch_op:
        batch_op.alter_column('outcome', existing_type=sa.String(length=10), type_=sa.String(length=20),
                              existing_nullable=False)

    rules = op.create_table('topic_rules',
    sa.Column('topic', sa.String(length=20), nullable=False),
    sa.Column('min_age', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('topic', name=op.f('pk_topic_rules'))
    )
    op.bulk_insert(rules, [{"topic": topic, "min_age": MIN_AGE[topic]} for topic in TOPICS])

    op.create_table('facts_basis',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('rules', sa.String(length=400), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_facts_basis'))
    )

    op.create_table('status_facts',
    sa.Column('household_id', sa.Uuid(as_uuid=False), nullable=False),
    sa.Column('resident_id', sa.Uuid(as_uuid=False), nullable=False),
    sa.Column('topic', sa.String(length=20), nullable=False),
    sa.Column('from_day', sa.Date(), nullable=False),
    sa.Column('until_day', sa.Date(), nullable=True),
    sa.Column('has', sa.Boolean(), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('household_id', 'resident_id', 'topic', 'from_day', name=op.f('pk_status_facts'))
    )
    with op.batch_alter_table('status_facts', schema=None) as batch_op:
        batch_op.create_index('ix_status_facts_commune_village', ['commune_id', 'village_id'], unique=False)

    _recompute_later()
    with op.batch_alter_table('household_facts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_visited_on', sa.Date(), nullable=True))
        for name in ('unknown_age', *[f'aged_{topic}' for topic in TOPICS]):
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('visit_facts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('not_home', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('met_households', sa.Integer(), nullable=False, server_default='0'))

    with op.batch_alter_table('done_facts', schema=None) as batch_op:
        batch_op.drop_index('ix_done_facts_commune_village')
    op.drop_table('done_facts')


def downgrade():
    op.create_table('done_facts',
    sa.Column('household_id', sa.Uuid(as_uuid=False), nullable=False),
    sa.Column('topic', sa.String(length=20), nullable=False),
    sa.Column('resident_key', sa.String(length=36), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('first_done_on', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('household_id', 'topic', 'resident_key', name=op.f('pk_done_facts'))
    )
    with op.batch_alter_table('done_facts', schema=None) as batch_op:
        batch_op.create_index('ix_done_facts_commune_village', ['commune_id', 'village_id'], unique=False)

    _recompute_later()
    with op.batch_alter_table('visit_facts', schema=None) as batch_op:
        batch_op.drop_column('met_households')
        batch_op.drop_column('not_home')
    with op.batch_alter_table('household_facts', schema=None) as batch_op:
        for name in ('first_visited_on', 'unknown_age', *[f'aged_{topic}' for topic in TOPICS]):
            batch_op.drop_column(name)

    with op.batch_alter_table('status_facts', schema=None) as batch_op:
        batch_op.drop_index('ix_status_facts_commune_village')
    op.drop_table('status_facts')
    op.drop_table('facts_basis')
    op.drop_table('topic_rules')
    # The older code knows four outcomes: a resident who had it counted as done, not applicable as declined.
    op.execute("UPDATE assists SET outcome = 'done' WHERE outcome = 'already_had'")
    op.execute("UPDATE assists SET outcome = 'declined' WHERE outcome = 'not_applicable'")
    with op.batch_alter_table('assists', schema=None) as batch_op:
        batch_op.alter_column('outcome', existing_type=sa.String(length=20), type_=sa.String(length=10),
                              existing_nullable=False)
