"""Package lines and proposed lines say which days of the week their calls happen on,
rather than how many; a proposed line may be a new line, costed at its own rate.

Existing lines of n days a week are read as Monday onwards, n days: 7 days a week, the
usual case, becomes every day.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 10:05:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# n days a week -> the mask of Monday onwards, n days (Monday is bit 0).
_MASK_FROM_COUNT = (
    "CASE days_per_week WHEN 1 THEN 1 WHEN 2 THEN 3 WHEN 3 THEN 7 WHEN 4 THEN 15 "
    "WHEN 5 THEN 31 WHEN 6 THEN 63 ELSE 127 END"
)
_COUNT_FROM_MASK = " + ".join(f"((days_of_week >> {day}) & 1)" for day in range(7))


def upgrade():
    for table in ("package_lines", "proposed_lines"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("days_of_week", sa.Integer(), nullable=True))
        op.execute(f"UPDATE {table} SET days_of_week = {_MASK_FROM_COUNT}")  # noqa: S608 (constants)

    with op.batch_alter_table("proposed_lines") as batch_op:
        batch_op.add_column(sa.Column("hourly_rate_pence", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE proposed_lines SET hourly_rate_pence = (SELECT package_lines.hourly_rate_pence "
        "FROM package_lines WHERE package_lines.id = proposed_lines.replaces_line_id)"
    )

    with op.batch_alter_table("package_lines") as batch_op:
        batch_op.drop_constraint(op.f("ck_package_lines_days_per_week_range"), type_="check")
        batch_op.drop_column("days_per_week")
        batch_op.alter_column("days_of_week", existing_type=sa.Integer(), nullable=False)
        batch_op.create_check_constraint(
            op.f("ck_package_lines_days_of_week_range"), "days_of_week BETWEEN 1 AND 127"
        )

    with op.batch_alter_table("proposed_lines") as batch_op:
        batch_op.drop_constraint(op.f("ck_proposed_lines_days_per_week_range"), type_="check")
        batch_op.drop_column("days_per_week")
        batch_op.alter_column("days_of_week", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("hourly_rate_pence", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("replaces_line_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_check_constraint(
            op.f("ck_proposed_lines_days_of_week_range"), "days_of_week BETWEEN 1 AND 127"
        )
        batch_op.create_check_constraint(
            op.f("ck_proposed_lines_hourly_rate_positive"), "hourly_rate_pence > 0"
        )
        batch_op.create_check_constraint(
            op.f("ck_proposed_lines_new_line_has_calls"),
            "replaces_line_id IS NOT NULL OR calls_per_day >= 1",
        )


def downgrade():
    new_lines = op.get_bind().scalar(
        sa.text("SELECT count(*) FROM proposed_lines WHERE replaces_line_id IS NULL")
    )
    if new_lines:
        raise RuntimeError(
            f"{new_lines} proposed new lines cannot be held before revision 0006: "
            "downgrading would lose them"
        )
    for table in ("package_lines", "proposed_lines"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("days_per_week", sa.Integer(), nullable=True))
        op.execute(f"UPDATE {table} SET days_per_week = {_COUNT_FROM_MASK}")  # noqa: S608 (constants)

    with op.batch_alter_table("proposed_lines") as batch_op:
        batch_op.drop_constraint(op.f("ck_proposed_lines_new_line_has_calls"), type_="check")
        batch_op.drop_constraint(op.f("ck_proposed_lines_hourly_rate_positive"), type_="check")
        batch_op.drop_constraint(op.f("ck_proposed_lines_days_of_week_range"), type_="check")
        batch_op.alter_column("replaces_line_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("hourly_rate_pence")
        batch_op.drop_column("days_of_week")
        batch_op.alter_column("days_per_week", existing_type=sa.Integer(), nullable=False)
        batch_op.create_check_constraint(
            op.f("ck_proposed_lines_days_per_week_range"), "days_per_week BETWEEN 1 AND 7"
        )

    with op.batch_alter_table("package_lines") as batch_op:
        batch_op.drop_constraint(op.f("ck_package_lines_days_of_week_range"), type_="check")
        batch_op.drop_column("days_of_week")
        batch_op.alter_column("days_per_week", existing_type=sa.Integer(), nullable=False)
        batch_op.create_check_constraint(
            op.f("ck_package_lines_days_per_week_range"), "days_per_week BETWEEN 1 AND 7"
        )
