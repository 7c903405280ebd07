"""The council's rate card (hourly rates by pricing zone and care category, each from a
date), and package lines from the case system: a line's care category and the case system's
line id (shared by a line and its successors), a person's sex and ethnic category for
equalities monitoring, and a record of each extract imported.

Existing lines are standard adult care, the only category the portal bought until now.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 19:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

CATEGORIES = ("standard_adult", "children_and_young_people", "discharge_to_assess", "palliative")
ZONES = ("urban", "fringe", "rural", "isolated")
SEXES = ("1", "2", "9", "X")
ETHNICITIES = (*"ABCDEFGHJKLMNPRSZ", "99")


def _enum(values, name):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=40)


def _timestamps():
    return (
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
    )


def upgrade():
    op.create_table(
        "card_rates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pricing_zone", _enum(ZONES, "pricing_zone"), nullable=False),
        sa.Column("care_category", _enum(CATEGORIES, "care_category"), nullable=False),
        sa.Column("hourly_rate_pence", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        *_timestamps(),
        sa.CheckConstraint(
            "hourly_rate_pence > 0", name=op.f("ck_card_rates_hourly_rate_positive")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_card_rates_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_rates")),
        sa.UniqueConstraint(
            "pricing_zone",
            "care_category",
            "effective_from",
            name=op.f("uq_card_rates_pricing_zone"),
        ),
    )
    op.create_table(
        "caseload_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("extract_date", sa.Date(), nullable=False),
        sa.Column("full_extract", sa.Boolean(), nullable=False),
        sa.Column(
            "status",
            _enum(("previewed", "applied", "abandoned"), "caseload_import_status"),
            nullable=False,
        ),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("warning_count", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("plan_digest", sa.String(64), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_caseload_imports_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_caseload_imports_decided_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_caseload_imports")),
    )
    with op.batch_alter_table("package_lines") as batch:
        batch.add_column(
            sa.Column(
                "care_category",
                _enum(CATEGORIES, "care_category"),
                server_default="standard_adult",
                nullable=False,
            )
        )
        batch.add_column(sa.Column("case_system_line_id", sa.String(40), nullable=True))
        batch.create_index(
            batch.f("ix_package_lines_case_system_line_id"), ["case_system_line_id"], unique=False
        )
    with op.batch_alter_table("service_users") as batch:
        batch.add_column(sa.Column("sex", _enum(SEXES, "sex"), nullable=True))
        batch.add_column(sa.Column("ethnicity", _enum(ETHNICITIES, "ethnicity"), nullable=True))


def downgrade():
    with op.batch_alter_table("service_users") as batch:
        batch.drop_constraint(batch.f("ck_service_users_ethnicity"), type_="check")
        batch.drop_constraint(batch.f("ck_service_users_sex"), type_="check")
        batch.drop_column("ethnicity")
        batch.drop_column("sex")
    with op.batch_alter_table("package_lines") as batch:
        batch.drop_index(batch.f("ix_package_lines_case_system_line_id"))
        batch.drop_column("case_system_line_id")
        batch.drop_constraint(batch.f("ck_package_lines_care_category"), type_="check")
        batch.drop_column("care_category")
    op.drop_table("caseload_imports")
    op.drop_table("card_rates")
