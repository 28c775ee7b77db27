"""audit log: from where (client address, device) and the target; indexes to filter by date, user and action

Revision ID: c3a8e1f0d2b4
Revises: b7c1d2e3f4a5
Create Date: 2026-12-01 22:15:00

"""
from alembic import op
import sqlalchemy as sa

import server.models  # noqa: F401  (the column types UTCDateTime and Uuid live there)


# revision identifiers, used by Alembic.
revision = 'c3a8e1f0d2b4'
down_revision = 'b7c1d2e3f4a5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('address', sa.String(length=45), nullable=True))
        batch_op.add_column(sa.Column('device_id', sa.Uuid(as_uuid=False), nullable=True))
        batch_op.add_column(sa.Column('target', sa.String(length=80), nullable=True))
        batch_op.create_index(batch_op.f('ix_audit_log_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_action'), ['action'], unique=False)


def downgrade():
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_action'))
        batch_op.drop_index(batch_op.f('ix_audit_log_user_id'))
        batch_op.drop_index(batch_op.f('ix_audit_log_at'))
        batch_op.drop_column('target')
        batch_op.drop_column('device_id')
        batch_op.drop_column('address')
