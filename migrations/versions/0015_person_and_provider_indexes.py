"""A person's outcome returns and recommendations, as one provider sees them, found through
an index on the person and the provider (for recommendations, newest first as well):
PostgreSQL no longer ANDs the person's few rows with a bitmap of everything the provider
ever had, which grew with the history, so the person's page costs the same however long it
is.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 18:30:00

"""

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_outcome_returns_service_user_provider",
        "outcome_returns",
        ["service_user_id", "provider_id"],
        unique=False,
    )
    op.create_index(
        "ix_recommendations_service_user_provider_created",
        "recommendations",
        ["service_user_id", "provider_id", "created_at", "id"],
        unique=False,
    )
    # Each new index leads with the column of the one it replaces, and serves all it did.
    op.drop_index("ix_outcome_returns_service_user", table_name="outcome_returns")
    op.drop_index("ix_recommendations_service_user", table_name="recommendations")


def downgrade():
    op.create_index(
        "ix_recommendations_service_user", "recommendations", ["service_user_id"], unique=False
    )
    op.create_index(
        "ix_outcome_returns_service_user", "outcome_returns", ["service_user_id"], unique=False
    )
    op.drop_index("ix_recommendations_service_user_provider_created", table_name="recommendations")
    op.drop_index("ix_outcome_returns_service_user_provider", table_name="outcome_returns")
