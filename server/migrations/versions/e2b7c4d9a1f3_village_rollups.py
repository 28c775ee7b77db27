"""roll-ups: the coverage facts added up per village (village_totals, village_days, village_officials)

Revision ID: e2b7c4d9a1f3
Revises: d5a1e2c3b4f6
Create Date: 2026-12-02 01:55:00.000000

The tables start empty: the facts' basis is cleared, so the first reader rebuilds every fact and roll-up
(facts.catch_up), as after a change of minimum ages.
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'e2b7c4d9a1f3'
down_revision = 'd5a1e2c3b4f6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('village_days',
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.Column('reached', sa.Integer(), nullable=False),
    sa.Column('visits', sa.Integer(), nullable=False),
    sa.Column('not_home', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('village_id', 'day', name=op.f('pk_village_days'))
    )
    op.create_index(op.f('ix_village_days_commune_id'), 'village_days', ['commune_id'], unique=False)
    op.create_table('village_officials',
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('official_id', sa.Integer(), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.Column('visits', sa.Integer(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('households', sa.Integer(), nullable=False),
    sa.Column('not_home', sa.Integer(), nullable=False),
    sa.Column('met_households', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('village_id', 'official_id', name=op.f('pk_village_officials'))
    )
    op.create_index(op.f('ix_village_officials_commune_id'), 'village_officials', ['commune_id'], unique=False)
    op.create_table('village_totals',
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.Column('households', sa.Integer(), nullable=False),
    sa.Column('reached', sa.Integer(), nullable=False),
    sa.Column('not_home', sa.Integer(), nullable=False),
    sa.Column('residents', sa.Integer(), nullable=False),
    sa.Column('unknown_age', sa.Integer(), nullable=False),
    sa.Column('aged_vneid_account', sa.Integer(), nullable=False),
    sa.Column('aged_vneid_level2', sa.Integer(), nullable=False),
    sa.Column('aged_cashless_payment', sa.Integer(), nullable=False),
    sa.Column('aged_public_services', sa.Integer(), nullable=False),
    sa.Column('aged_digital_skills', sa.Integer(), nullable=False),
    sa.Column('aged_scam_awareness', sa.Integer(), nullable=False),
    sa.Column('has_vneid_account', sa.Integer(), nullable=False),
    sa.Column('has_vneid_level2', sa.Integer(), nullable=False),
    sa.Column('has_cashless_payment', sa.Integer(), nullable=False),
    sa.Column('has_public_services', sa.Integer(), nullable=False),
    sa.Column('has_digital_skills', sa.Integer(), nullable=False),
    sa.Column('has_scam_awareness', sa.Integer(), nullable=False),
    sa.Column('na_vneid_account', sa.Integer(), nullable=False),
    sa.Column('na_vneid_level2', sa.Integer(), nullable=False),
    sa.Column('na_cashless_payment', sa.Integer(), nullable=False),
    sa.Column('na_public_services', sa.Integer(), nullable=False),
    sa.Column('na_digital_skills', sa.Integer(), nullable=False),
    sa.Column('na_scam_awareness', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('village_id', name=op.f('pk_village_totals'))
    )
    op.create_index(op.f('ix_village_totals_commune_id'), 'village_totals', ['commune_id'], unique=False)
    op.execute("UPDATE facts_basis SET rules = 'rebuild: roll-ups added'")


def downgrade():
    op.drop_index(op.f('ix_village_totals_commune_id'), table_name='village_totals')
    op.drop_table('village_totals')
    op.drop_index(op.f('ix_village_officials_commune_id'), table_name='village_officials')
    op.drop_table('village_officials')
    op.drop_index(op.f('ix_village_days_commune_id'), table_name='village_days')
    op.drop_table('village_days')
