"""Equalities monitoring: a person's sex and ethnic category, when the case system holds
them, in the NHS Data Dictionary's terms (PERSON STATED GENDER CODE and ETHNIC CATEGORY,
the 2001 census groups the case systems still send), so counts match the council's other
returns."""

from __future__ import annotations

import enum


class Sex(enum.StrEnum):
    MALE = "1"
    FEMALE = "2"
    INDETERMINATE = "9"
    NOT_KNOWN = "X"

    @property
    def label(self) -> str:
        return _SEX_LABELS[self]


_SEX_LABELS = {
    Sex.MALE: "Male",
    Sex.FEMALE: "Female",
    Sex.INDETERMINATE: "Indeterminate (unable to be classified as either male or female)",
    Sex.NOT_KNOWN: "Not known",
}


class Ethnicity(enum.StrEnum):
    WHITE_BRITISH = "A"
    WHITE_IRISH = "B"
    WHITE_OTHER = "C"
    MIXED_WHITE_BLACK_CARIBBEAN = "D"
    MIXED_WHITE_BLACK_AFRICAN = "E"
    MIXED_WHITE_ASIAN = "F"
    MIXED_OTHER = "G"
    INDIAN = "H"
    PAKISTANI = "J"
    BANGLADESHI = "K"
    ASIAN_OTHER = "L"
    CARIBBEAN = "M"
    AFRICAN = "N"
    BLACK_OTHER = "P"
    CHINESE = "R"
    OTHER = "S"
    NOT_STATED = "Z"
    NOT_KNOWN = "99"

    @property
    def label(self) -> str:
        return _ETHNICITY_LABELS[self]


_ETHNICITY_LABELS = {
    Ethnicity.WHITE_BRITISH: "White – British",
    Ethnicity.WHITE_IRISH: "White – Irish",
    Ethnicity.WHITE_OTHER: "White – Any other White background",
    Ethnicity.MIXED_WHITE_BLACK_CARIBBEAN: "Mixed – White and Black Caribbean",
    Ethnicity.MIXED_WHITE_BLACK_AFRICAN: "Mixed – White and Black African",
    Ethnicity.MIXED_WHITE_ASIAN: "Mixed – White and Asian",
    Ethnicity.MIXED_OTHER: "Mixed – Any other mixed background",
    Ethnicity.INDIAN: "Asian or Asian British – Indian",
    Ethnicity.PAKISTANI: "Asian or Asian British – Pakistani",
    Ethnicity.BANGLADESHI: "Asian or Asian British – Bangladeshi",
    Ethnicity.ASIAN_OTHER: "Asian or Asian British – Any other Asian background",
    Ethnicity.CARIBBEAN: "Black or Black British – Caribbean",
    Ethnicity.AFRICAN: "Black or Black British – African",
    Ethnicity.BLACK_OTHER: "Black or Black British – Any other Black background",
    Ethnicity.CHINESE: "Other ethnic groups – Chinese",
    Ethnicity.OTHER: "Other ethnic groups – Any other ethnic group",
    Ethnicity.NOT_STATED: "Not stated",
    Ethnicity.NOT_KNOWN: "Not known",
}
