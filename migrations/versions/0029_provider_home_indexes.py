"""Indexes for a provider manager's What needs you, so it costs the same however long the
provider's history: ix_recommendations_provider_status gains the time each was made (the
oldest unsent draft is one index seek, where it read every recommendation the provider
ever made), and ix_recommendations_provider_decided finds those decided in the last 30
days (it too read the whole history).

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-05 07:30:00

"""

from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_recommendations_provider_status", table_name="recommendations")
    op.create_index(
        "ix_recommendations_provider_status",
        "recommendations",
        ["provider_id", "status", "created_at"],
    )
    op.create_index(
        "ix_recommendations_provider_decided",
        "recommendations",
        ["provider_id", "decided_at"],
    )


def downgrade():
    op.drop_index("ix_recommendations_provider_decided", table_name="recommendations")
    op.drop_index("ix_recommendations_provider_status", table_name="recommendations")
    op.create_index(
        "ix_recommendations_provider_status", "recommendations", ["provider_id", "status"]
    )
