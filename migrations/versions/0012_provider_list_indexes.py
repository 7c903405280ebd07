"""A provider's recommendations and payments, newest first, read through an index on the
provider and the time each was made, and a provider's latest remittances found through an
index on a payment's batch and provider, so these lists cost the same however long the
history.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-24 02:50:00

"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_recommendations_provider_created",
        "recommendations",
        ["provider_id", "created_at", "id"],
        unique=False,
    )
    op.create_index(
        "ix_payments_provider_created",
        "payments",
        ["provider_id", "created_at", "id"],
        unique=False,
    )
    op.create_index(
        "ix_payments_batch_provider", "payments", ["batch_id", "provider_id"], unique=False
    )
    # Each new index leads with the column of the one it replaces, and serves all it did.
    op.drop_index("ix_payments_provider", table_name="payments")
    op.drop_index("ix_payments_batch", table_name="payments")


def downgrade():
    op.create_index("ix_payments_batch", "payments", ["batch_id"], unique=False)
    op.drop_index("ix_payments_batch_provider", table_name="payments")
    op.create_index("ix_payments_provider", "payments", ["provider_id"], unique=False)
    op.drop_index("ix_payments_provider_created", table_name="payments")
    op.drop_index("ix_recommendations_provider_created", table_name="recommendations")
