"""Who owes each outcome return: outcome_owed, worked out from the package lines for every
quarter already open.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-24 09:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# The rule portal.outcomes.owed keeps: for each quarter, everyone who had a line with a
# strategic-tier provider in it, owed by the provider of their latest such line.
BACKFILL = (
    "INSERT INTO outcome_owed (period_id, service_user_id, provider_id) "
    "SELECT period_id, service_user_id, provider_id FROM ("
    "SELECT p.id AS period_id, l.service_user_id, l.provider_id, ROW_NUMBER() OVER ("
    "PARTITION BY p.id, l.service_user_id ORDER BY l.start_date DESC, l.id DESC) AS newest "
    "FROM reporting_periods p JOIN package_lines l ON l.start_date <= p.end_date "
    "AND (l.end_date IS NULL OR l.end_date >= p.start_date) "
    "JOIN providers v ON v.id = l.provider_id "
    "WHERE p.kind = 'outcomes' AND v.strategic_tier = :strategic"
    ") ranked WHERE newest = 1"
)


def upgrade():
    op.create_table(
        "outcome_owed",
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("service_user_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["period_id"],
            ["reporting_periods.id"],
            name=op.f("fk_outcome_owed_period_id_reporting_periods"),
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["providers.id"], name=op.f("fk_outcome_owed_provider_id_providers")
        ),
        sa.ForeignKeyConstraint(
            ["service_user_id"],
            ["service_users.id"],
            name=op.f("fk_outcome_owed_service_user_id_service_users"),
        ),
        sa.PrimaryKeyConstraint("period_id", "service_user_id", name=op.f("pk_outcome_owed")),
    )
    op.create_index(
        "ix_outcome_owed_period_provider",
        "outcome_owed",
        ["period_id", "provider_id", "service_user_id"],
        unique=False,
    )
    op.get_bind().execute(sa.text(BACKFILL), {"strategic": True})


def downgrade():
    op.drop_table("outcome_owed")
