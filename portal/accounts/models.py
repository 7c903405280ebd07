from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.hashing import hash_password, verify_password
from portal.common.models import TimestampMixin, utcnow
from portal.common.roles import Role
from portal.common.types import enum_type
from portal.extensions import db

if TYPE_CHECKING:
    from portal.providers.models import Provider


class User(UserMixin, TimestampMixin, db.Model):  # type: ignore[name-defined]
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # None until the person sets a password through their invitation's link.
    password_hash: Mapped[str | None] = mapped_column(String(256))
    # Set for provider managers only: the one provider whose records they may see.
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_signed_in_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # Multi-factor sign-in (accounts/mfa): the authenticator app's key, encrypted with a key
    # derived from SECRET_KEY; None until the person enrols, and again after a reset.
    mfa_secret: Mapped[str | None] = mapped_column(String(255))
    mfa_enrolled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # The last 30-second time step whose code was accepted: no code is accepted twice.
    mfa_last_step: Mapped[int | None] = mapped_column(Integer)

    provider: Mapped[Provider | None] = relationship()
    role_rows: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(row.role for row in self.role_rows)

    def has_role(self, role: Role) -> bool:
        return role in self.roles

    def has_any_role(self, roles: frozenset[Role] | set[Role] | tuple[Role, ...]) -> bool:
        return bool(self.roles & frozenset(roles))

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    def set_password(self, password: str) -> None:
        self.password_hash = hash_password(password)

    def check_password(self, password: str) -> bool:
        if self.password_hash is None:
            return False
        return verify_password(self.password_hash, password)

    @property
    def status(self) -> AccountStatus:
        if not self.active:
            return AccountStatus.DISABLED
        if self.password_hash is None:
            return AccountStatus.INVITED
        return AccountStatus.ACTIVE


class AccountStatus(enum.StrEnum):
    INVITED = "invited"  # no password set yet
    ACTIVE = "active"
    DISABLED = "disabled"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class UserRole(db.Model):  # type: ignore[name-defined]
    __tablename__ = "user_roles"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[Role] = mapped_column(enum_type(Role, "role"))


class SessionEnd(enum.StrEnum):
    SIGNED_OUT = "signed_out"
    IDLE = "idle"  # no request for longer than the idle timeout
    EXPIRED = "expired"  # older than the absolute timeout
    ACCOUNT_INACTIVE = "account_inactive"
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 - the person changed or reset their password
    SECOND_FACTOR = "second_factor"  # the password-only session, replaced once a code is typed
    MFA_RESET = "mfa_reset"  # an administrator reset the person's multi-factor sign-in
    ENDED_BY_USER = "ended_by_user"  # signed out from another of the person's sessions


DEVICE_LENGTH = 80


class UserSession(db.Model):  # type: ignore[name-defined]
    """A signed-in session, held on the server: the browser's cookie carries only a random
    token, whose hash is kept here. Signing out, or a timeout, ends the row, and the token
    is then worth nothing wherever it was copied to. Rows are ended, never deleted."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # SHA-256 of the cookie's token, in hex: a copy of this table signs no one in.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Updated at most once a minute (accounts/sessions.py), so reading a page rarely writes.
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    end_reason: Mapped[SessionEnd | None] = mapped_column(enum_type(SessionEnd, "session_end"))
    # The password was right but the second factor is still to come: the session reaches
    # the multi-factor pages and nothing else, and is ended (not upgraded) when it is passed.
    password_only: Mapped[bool] = mapped_column(Boolean, default=False)
    # What the person is shown on "Your sessions" to tell their sessions apart: the browser
    # and system the User-Agent named at sign-in ("Chrome on Windows"), and the address the
    # sign-in came from (as ProxyFix gives it; 45 characters hold any IPv6 address). None for
    # sessions begun before they were kept.
    device: Mapped[str | None] = mapped_column(String(DEVICE_LENGTH))
    address: Mapped[str | None] = mapped_column(String(45))

    user: Mapped[User] = relationship()


class LinkPurpose(enum.StrEnum):
    INVITATION = "invitation"  # a new account's first password
    FIRST_ADMINISTRATOR = "first_administrator"  # made on the command line
    RESET = "reset"  # asked for by the person: "Forgotten your password?"


class PasswordLink(db.Model):  # type: ignore[name-defined]
    """A one-time, expiring link to set an account's password: an invitation, or the first
    administrator's link from the command line. Only the token's SHA-256 is kept, so the
    link is shown or sent once and this table cannot rebuild it. A new link for the same
    account withdraws the earlier ones; setting the password uses the link up."""

    __tablename__ = "password_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[LinkPurpose] = mapped_column(enum_type(LinkPurpose, "link_purpose"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])


class FailedSignIns(db.Model):  # type: ignore[name-defined]
    """Refused sign-ins for one email address as typed (normalised), whether or not an
    account has it, so a locked account and an unknown one are answered alike. Kept in the
    database, so every worker and instance sees the same count and the same lockout."""

    __tablename__ = "failed_sign_ins"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    # Refusals since the first one in the current window (accounts/lockout.py).
    failures: Mapped[int] = mapped_column(Integer, default=0)
    first_failed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    last_failed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    # Set when the failures reach the limit; an administrator's lifting clears it.
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class RecoveryCode(db.Model):  # type: ignore[name-defined]
    """A single-use code for signing in without the authenticator app, ten made at a time
    and shown once. Only a hash is kept (accounts/hashing.py). Used codes are marked used;
    making new codes, or a reset, withdraws the ones left. Never deleted."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
