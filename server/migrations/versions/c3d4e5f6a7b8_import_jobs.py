"""import jobs: uploads of household lists imported in the background, with their progress and report

Revision ID: c3d4e5f6a7b8
Revises: c3a8e1f0d2b4
Create Date: 2026-12-01 22:10:00.000000

"""
from alembic import op
import sqlalchemy as sa

import server.models  # noqa: F401  (the column types UTCDateTime and Uuid live there)


# revision identifiers, used by Alembic.
revision = 'c3d4e5f6a7b8'
down_revision = 'c3a8e1f0d2b4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('import_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', server.models.UTCDateTime(), nullable=False),
    sa.Column('started_at', server.models.UTCDateTime(), nullable=True),
    sa.Column('finished_at', server.models.UTCDateTime(), nullable=True),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('skip_bad', sa.Boolean(), nullable=False),
    sa.Column('upload', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('rows_done', sa.Integer(), nullable=False),
    sa.Column('rows_total', sa.Integer(), nullable=False),
    sa.Column('spooled', sa.Integer(), nullable=False),
    sa.Column('written', sa.Integer(), nullable=False),
    sa.Column('households', sa.Integer(), nullable=False),
    sa.Column('residents', sa.Integer(), nullable=False),
    sa.Column('skipped_existing', sa.Integer(), nullable=False),
    sa.Column('data_rows', sa.Integer(), nullable=False),
    sa.Column('error_count', sa.Integer(), nullable=False),
    sa.Column('errors', sa.JSON(), nullable=True),
    sa.Column('failure', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['commune_id'], ['areas.id'], name=op.f('fk_import_jobs_commune_id_areas')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_jobs'))
    )
    with op.batch_alter_table('import_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_jobs_created_at'), ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('import_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_jobs_created_at'))

    op.drop_table('import_jobs')
