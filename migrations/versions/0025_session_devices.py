"""A person's own sessions: each session keeps the browser and system it was begun from
and the address it came from, shown on "Your sessions"; a session the person signs out
from another of theirs ends with the reason "ended_by_user".

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-05 02:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

_ENDS = (
    "'signed_out', 'idle', 'expired', 'account_inactive', 'password_changed', "
    "'second_factor', 'mfa_reset'"
)
_CHECK = "ck_user_sessions_session_end"


def upgrade():
    with op.batch_alter_table("user_sessions", recreate="auto") as batch:
        batch.add_column(sa.Column("device", sa.String(length=80), nullable=True))
        batch.add_column(sa.Column("address", sa.String(length=45), nullable=True))
        # Written by hand: autogenerate does not compare CHECK constraints.
        batch.drop_constraint(op.f(_CHECK), type_="check")
        batch.create_check_constraint(op.f(_CHECK), f"end_reason IN ({_ENDS}, 'ended_by_user')")


def downgrade():
    # A session the person ended from another of theirs reads as signed out.
    op.execute(
        "UPDATE user_sessions SET end_reason = 'signed_out' WHERE end_reason = 'ended_by_user'"
    )
    with op.batch_alter_table("user_sessions", recreate="auto") as batch:
        batch.drop_constraint(op.f(_CHECK), type_="check")
        batch.create_check_constraint(op.f(_CHECK), f"end_reason IN ({_ENDS})")
        batch.drop_column("address")
        batch.drop_column("device")
