"""receipts per device: sync_batches keyed by (device_id, batch_id), and by age for the purge

Revision ID: b7c1d2e3f4a5
Revises: a2de2d52eaad
Create Date: 2026-11-30 16:50:00.000000

"""
from alembic import op

import server.models  # noqa: F401  (the column types UTCDateTime and Uuid live there)


# revision identifiers, used by Alembic.
revision = 'b7c1d2e3f4a5'
down_revision = 'a2de2d52eaad'
branch_labels = None
depends_on = None


def upgrade():
    # recreate="always": SQLite changes a primary key only by copying the table, which batch mode does.
    with op.batch_alter_table('sync_batches', schema=None, recreate='always') as batch_op:
        batch_op.drop_index(batch_op.f('ix_sync_batches_device_id'))
        batch_op.drop_constraint('pk_sync_batches', type_='primary')
        batch_op.create_primary_key('pk_sync_batches', ['device_id', 'batch_id'])
        batch_op.create_index(batch_op.f('ix_sync_batches_received_at'), ['received_at'], unique=False)


def downgrade():
    # Receipts that two devices gave the same batch_id cannot share the old key: keep the earliest of each.
    op.execute("DELETE FROM sync_batches WHERE EXISTS (SELECT 1 FROM sync_batches AS other "
               "WHERE other.batch_id = sync_batches.batch_id AND other.received_at < sync_batches.received_at)")
    with op.batch_alter_table('sync_batches', schema=None, recreate='always') as batch_op:
        batch_op.drop_index(batch_op.f('ix_sync_batches_received_at'))
        batch_op.drop_constraint('pk_sync_batches', type_='primary')
        batch_op.create_primary_key('pk_sync_batches', ['batch_id'])
        batch_op.create_index(batch_op.f('ix_sync_batches_device_id'), ['device_id'], unique=False)
