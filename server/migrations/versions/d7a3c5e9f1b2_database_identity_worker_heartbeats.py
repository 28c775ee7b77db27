"""the database's identity (renewed after a restore) and the job worker's heartbeat

Revision ID: d7a3c5e9f1b2
Revises: e2b7c4d9a1f3
Create Date: 2026-12-02 01:40:00.000000

Expand only: two new tables that the previous release never reads, so it keeps working on this schema while the
upgrade rolls out (docs/deploy.md, "Upgrade").
"""
from alembic import op
import sqlalchemy as sa

import server.models  # noqa: F401  (the column type UTCDateTime lives there)


# revision identifiers, used by Alembic.
revision = 'd7a3c5e9f1b2'
down_revision = 'e2b7c4d9a1f3'
branch_labels = None
depends_on = None


def upgrade():
    # Its row is made at the first sync request (server/identity/service.py), with a new random identity.
    op.create_table('database_identity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('identity', sa.String(length=36), nullable=False),
    sa.Column('restored_seq', sa.BigInteger(), nullable=False),
    sa.Column('renewed_at', server.models.UTCDateTime(), nullable=False),
    sa.Column('table_oid', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_database_identity'))
    )
    op.create_table('worker_heartbeats',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('seen_at', server.models.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_worker_heartbeats'))
    )


def downgrade():
    op.drop_table('worker_heartbeats')
    op.drop_table('database_identity')
