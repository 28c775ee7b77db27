"""device keys and erase orders on devices; dashboard sessions kept on the server

Revision ID: c4e8a1f0d2b6
Revises: c4e8a1f2b3d6
Create Date: 2026-12-01 21:50:00.000000

"""
from alembic import op
import sqlalchemy as sa

import server.models  # noqa: F401  (the column types UTCDateTime and Uuid live there)


# revision identifiers, used by Alembic.
revision = 'c4e8a1f0d2b6'
down_revision = 'c4e8a1f2b3d6'
branch_labels = None
depends_on = None


def upgrade():
    # A device registered before this has no key yet: GET /auth/device-key or its next login makes one.
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('wrap_key', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('erase_requested_at', server.models.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('erase_reason', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('erased_at', server.models.UTCDateTime(), nullable=True))
    # Sessions signed in before this carried the user in the cookie: they are simply no longer accepted.
    op.create_table('dashboard_sessions',
    sa.Column('id_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=True),
    sa.Column('created_at', server.models.UTCDateTime(), nullable=False),
    sa.Column('last_seen_at', server.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_dashboard_sessions_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id_hash', name=op.f('pk_dashboard_sessions'))
    )
    with op.batch_alter_table('dashboard_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dashboard_sessions_last_seen_at'), ['last_seen_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_dashboard_sessions_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('dashboard_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dashboard_sessions_user_id'))
        batch_op.drop_index(batch_op.f('ix_dashboard_sessions_last_seen_at'))
    op.drop_table('dashboard_sessions')
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.drop_column('erased_at')
        batch_op.drop_column('erase_reason')
        batch_op.drop_column('erase_requested_at')
        batch_op.drop_column('wrap_key')
