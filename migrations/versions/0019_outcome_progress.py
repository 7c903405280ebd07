"""The returns progress page's figures kept as returns and owed rows change:
outcome_progress, one row per quarter and provider owing returns in it, worked out for every
quarter already open.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 22:45:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

# The figures portal.outcomes.progress keeps: for each quarter and provider owing returns,
# how many it owes, and of those how many are handed in (submitted or accepted), accepted,
# and handed in after the due date.
BACKFILL = (
    "INSERT INTO outcome_progress (period_id, provider_id, owed, handed_in, accepted, late) "
    "SELECT o.period_id, o.provider_id, COUNT(*), COUNT(r.id), "
    "COUNT(CASE WHEN r.status = 'accepted' THEN 1 END), "
    "COUNT(CASE WHEN DATE(r.submitted_at) > p.due_date THEN 1 END) "
    "FROM outcome_owed o JOIN reporting_periods p ON p.id = o.period_id "
    "LEFT OUTER JOIN outcome_returns r ON r.period_id = o.period_id "
    "AND r.service_user_id = o.service_user_id AND r.status IN ('submitted', 'accepted') "
    "GROUP BY o.period_id, o.provider_id"
)


def upgrade():
    op.create_table(
        "outcome_progress",
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("owed", sa.Integer(), nullable=False),
        sa.Column("handed_in", sa.Integer(), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("late", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["period_id"],
            ["reporting_periods.id"],
            name=op.f("fk_outcome_progress_period_id_reporting_periods"),
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["providers.id"],
            name=op.f("fk_outcome_progress_provider_id_providers"),
        ),
        sa.PrimaryKeyConstraint("period_id", "provider_id", name=op.f("pk_outcome_progress")),
    )
    op.get_bind().execute(sa.text(BACKFILL))


def downgrade():
    op.drop_table("outcome_progress")
