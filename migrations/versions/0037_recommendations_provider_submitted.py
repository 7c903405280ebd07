"""An index on a recommendation's provider, when it was sent, its status and kind
(ix_recommendations_provider_submitted), for a provider's scorecard: the recommendations it
sent in a year and what became of them. Without it the scorecard read every recommendation
the provider ever made, so it grew with the years held.

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-05 13:40:00

"""

from alembic import op

revision = "0037"
down_revision = "0036"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_recommendations_provider_submitted",
        "recommendations",
        ["provider_id", "submitted_at", "status", "kind"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_recommendations_provider_submitted", table_name="recommendations")
