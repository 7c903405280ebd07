"""Payments keep what their approval told them: the recommendation's reference (TA000123)
and the care manager's approval, who and when, so the payment list, the remittance advice
and the second approval no longer read the recommendation. Existing payments, reversals
included, take them from the recommendation they refer to.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 17:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


# The reference is Recommendation.reference_for's: TA and the id, at least six digits, in SQL
# both databases run (1000000 + id, as text, less its leading 1, pads an id below a million).
BACKFILL = (
    "UPDATE payments SET "
    "recommendation_reference = (SELECT 'TA' || CASE WHEN r.id < 1000000 "
    "THEN substr(CAST(1000000 + r.id AS VARCHAR(20)), 2) ELSE CAST(r.id AS VARCHAR(20)) END "
    "FROM recommendations r WHERE r.id = payments.recommendation_id), "
    "first_approved_at = (SELECT r.decided_at FROM recommendations r "
    "WHERE r.id = payments.recommendation_id), "
    "first_approved_by_id = (SELECT r.decided_by_id FROM recommendations r "
    "WHERE r.id = payments.recommendation_id)"
)


def upgrade():
    op.add_column("payments", sa.Column("recommendation_reference", sa.String(20), nullable=True))
    op.add_column(
        "payments", sa.Column("first_approved_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("payments", sa.Column("first_approved_by_id", sa.Integer(), nullable=True))
    op.execute(BACKFILL)
    # Filled, the reference is required and the approver is a user: one batch, so SQLite
    # copies the table once for both.
    with op.batch_alter_table("payments") as batch:
        batch.alter_column("recommendation_reference", existing_type=sa.String(20), nullable=False)
        batch.create_foreign_key(
            batch.f("fk_payments_first_approved_by_id_users"),
            "users",
            ["first_approved_by_id"],
            ["id"],
        )


def downgrade():
    # The recommendation still holds all three: nothing is lost going back.
    with op.batch_alter_table("payments") as batch:
        batch.drop_constraint("fk_payments_first_approved_by_id_users", type_="foreignkey")
        batch.drop_column("first_approved_by_id")
        batch.drop_column("first_approved_at")
        batch.drop_column("recommendation_reference")
