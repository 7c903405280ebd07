"""Column types shared by the models."""

from __future__ import annotations

import enum

from sqlalchemy import Enum


def enum_type(enum_class: type[enum.StrEnum], name: str) -> Enum:
    """Store a StrEnum by value as a short string with a CHECK constraint on both databases."""
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=40,
        validate_strings=True,
        values_callable=lambda members: [m.value for m in members],
    )
