"""The provider register kept by commissioners: each provider's CQC location id and the
dates of its current status, CQC rating and QAF level (an exited provider's exit date,
which ends what it owes), and provider_changes, the dated history of every change to the
register, written by each change as it is made.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 19:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

FACTS = (
    "registered",
    "status",
    "cqc_rating",
    "qaf_level",
    "strategic_tier",
    "trusted_assessor",
    "care_categories",
    "name",
    "supplier_reference",
    "cqc_location_id",
    "contract",
)


def upgrade():
    op.create_table(
        "provider_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column(
            "fact",
            sa.Enum(
                *FACTS,
                name="register_fact",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("value_before", sa.String(length=200), nullable=True),
        sa.Column("value_after", sa.String(length=200), nullable=True),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by_name", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["providers.id"],
            name=op.f("fk_provider_changes_provider_id_providers"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_provider_changes_recorded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provider_changes")),
    )
    op.create_index(
        "ix_provider_changes_provider_fact",
        "provider_changes",
        ["provider_id", "fact", "effective_on"],
        unique=False,
    )
    with op.batch_alter_table("providers") as batch_op:
        batch_op.add_column(sa.Column("cqc_location_id", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("status_since", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("exited_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("cqc_rated_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("qaf_assessed_on", sa.Date(), nullable=True))
        batch_op.create_unique_constraint(op.f("uq_providers_cqc_location_id"), ["cqc_location_id"])
    # A provider already marked exited left on a day no one recorded: today is the nearest
    # safe guess (it owes nothing from now), and the commissioner can see it on its page.
    op.execute("UPDATE providers SET exited_on = CURRENT_DATE WHERE status = 'exited'")
    with op.batch_alter_table("providers") as batch_op:
        batch_op.create_check_constraint(
            op.f("ck_providers_exited_has_date"), "(status = 'exited') = (exited_on IS NOT NULL)"
        )


def downgrade():
    with op.batch_alter_table("providers") as batch_op:
        batch_op.drop_constraint(op.f("ck_providers_exited_has_date"), type_="check")
        batch_op.drop_constraint(op.f("uq_providers_cqc_location_id"), type_="unique")
        batch_op.drop_column("qaf_assessed_on")
        batch_op.drop_column("cqc_rated_on")
        batch_op.drop_column("exited_on")
        batch_op.drop_column("status_since")
        batch_op.drop_column("cqc_location_id")
    op.drop_index("ix_provider_changes_provider_fact", table_name="provider_changes")
    op.drop_table("provider_changes")
