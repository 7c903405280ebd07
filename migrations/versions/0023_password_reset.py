"""Passwords: a person may reset a forgotten password through an emailed link (a
password link of purpose "reset"), and changing or resetting a password ends their
sessions (a session's end reason "password_changed"). Hashes move to Argon2id at each
person's next sign-in; the password_hash column (256 characters) already holds them.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05 01:00:00

"""

from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

_PURPOSES = "'invitation', 'first_administrator'"
_ENDS = "'signed_out', 'idle', 'expired', 'account_inactive'"


def upgrade():
    # Written by hand: autogenerate does not compare CHECK constraints.
    _check("password_links", "link_purpose", "purpose", _PURPOSES + ", 'reset'")
    _check("user_sessions", "session_end", "end_reason", _ENDS + ", 'password_changed'")


def _check(table: str, name: str, column: str, values: str) -> None:
    constraint = f"ck_{table}_{name}"
    with op.batch_alter_table(table, recreate="auto") as batch:
        batch.drop_constraint(op.f(constraint), type_="check")
        batch.create_check_constraint(op.f(constraint), f"{column} IN ({values})")


def downgrade():
    # A reset link reads as an invitation; a session ended by a password change as ended
    # because the account changed.
    op.execute("UPDATE password_links SET purpose = 'invitation' WHERE purpose = 'reset'")
    op.execute(
        "UPDATE user_sessions SET end_reason = 'account_inactive' "
        "WHERE end_reason = 'password_changed'"
    )
    _check("password_links", "link_purpose", "purpose", _PURPOSES)
    _check("user_sessions", "session_end", "end_reason", _ENDS)
