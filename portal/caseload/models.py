from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.common.models import TimestampMixin
from portal.common.types import enum_type
from portal.extensions import db


class ImportStatus(enum.StrEnum):
    PREVIEWED = "previewed"
    APPLIED = "applied"
    ABANDONED = "abandoned"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class CaseloadImport(TimestampMixin, db.Model):  # type: ignore[name-defined]
    """One extract from the council's case system, checked and previewed, then applied or
    abandoned. It keeps the checked rows (``content``) so the confirmation applies exactly
    what was previewed, and the plan's digest so it can tell when the register changed in
    between. Made by a commissioner (``created_by_id``) or by ``flask import package-lines``
    (no one)."""

    __tablename__ = "caseload_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    file_name: Mapped[str] = mapped_column(String(255))
    extract_date: Mapped[dt.date] = mapped_column(Date)
    # A full extract lists every open line: one missing from it ends on the extract date.
    full_extract: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[ImportStatus] = mapped_column(enum_type(ImportStatus, "caseload_import_status"))
    row_count: Mapped[int] = mapped_column(Integer)
    # What the preview said would change: {"people_new": 3, "lines_started": 7, ...}.
    counts: Mapped[dict[str, Any]] = mapped_column(JSON)
    warning_count: Mapped[int] = mapped_column(Integer, default=0)
    # The checked rows, as compressed JSON (see caseload/content.py).
    content: Mapped[bytes] = mapped_column(LargeBinary)
    # SHA-256 of the changes the preview listed: applying works them out again and refuses
    # if they differ, as the register changed in between.
    plan_digest: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
