"""Service users anonymised after the retention period: when it happened
(service_users.anonymised_at), and no date of birth kept once it has.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-05 01:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

# Going back, an anonymised person's date of birth is filled again (the column is required
# there) with 1 January 1900: the real one is gone, and this one is plainly no one's.
FILL_REMOVED_BIRTHS = (
    "UPDATE service_users SET date_of_birth = '1900-01-01' WHERE date_of_birth IS NULL"
)


def upgrade():
    with op.batch_alter_table("service_users") as batch:
        batch.add_column(sa.Column("anonymised_at", sa.DateTime(timezone=True), nullable=True))
        batch.alter_column("date_of_birth", existing_type=sa.Date(), nullable=True)


def downgrade():
    op.execute(FILL_REMOVED_BIRTHS)
    with op.batch_alter_table("service_users") as batch:
        batch.alter_column("date_of_birth", existing_type=sa.Date(), nullable=False)
        batch.drop_column("anonymised_at")
