"""Multi-factor sign-in: each account's authenticator key (encrypted) and the last time step
accepted, single-use recovery codes kept hashed, sessions that have passed the password but
not yet the second factor, and two new reasons a session ends (replaced once the code is
typed; an administrator's reset of the person's multi-factor sign-in).

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05 01:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

_ENDS = "'signed_out', 'idle', 'expired', 'account_inactive', 'password_changed'"


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("mfa_secret", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("mfa_enrolled_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("mfa_last_step", sa.Integer(), nullable=True))
    with op.batch_alter_table("user_sessions") as batch:
        batch.add_column(
            sa.Column("password_only", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "recovery_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=256), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_recovery_codes_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_codes")),
    )
    op.create_index(op.f("ix_recovery_codes_user_id"), "recovery_codes", ["user_id"])
    # Written by hand: autogenerate does not compare CHECK constraints.
    _check(_ENDS + ", 'second_factor', 'mfa_reset'")


def _check(values: str) -> None:
    constraint = "ck_user_sessions_session_end"
    with op.batch_alter_table("user_sessions", recreate="auto") as batch:
        batch.drop_constraint(op.f(constraint), type_="check")
        batch.create_check_constraint(op.f(constraint), f"end_reason IN ({values})")


def downgrade():
    # A session replaced after its second factor reads as signed out; one ended by a reset
    # as ended because the account changed.
    op.execute(
        "UPDATE user_sessions SET end_reason = 'signed_out' WHERE end_reason = 'second_factor'"
    )
    op.execute(
        "UPDATE user_sessions SET end_reason = 'account_inactive' WHERE end_reason = 'mfa_reset'"
    )
    _check(_ENDS)
    op.drop_index(op.f("ix_recovery_codes_user_id"), table_name="recovery_codes")
    op.drop_table("recovery_codes")
    with op.batch_alter_table("user_sessions") as batch:
        batch.drop_column("password_only")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("mfa_last_step")
        batch.drop_column("mfa_enrolled_at")
        batch.drop_column("mfa_secret")
