"""Appendix A: the five outcomes, their nine measures and the evidence sources for each."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class MeasureResult(enum.StrEnum):
    MET = "met"
    PARTLY_MET = "partly_met"
    NOT_MET = "not_met"
    NOT_APPLICABLE = "not_applicable"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class EvidenceSource(enum.StrEnum):
    SERVICE_USER_FEEDBACK = "service_user_feedback"
    FAMILY_FEEDBACK = "family_feedback"
    PROVIDER_SURVEYS = "provider_surveys"
    CARE_REVIEWS = "care_reviews"
    COUNCIL_SURVEY_CALLS = "council_survey_calls"
    ASSISTIVE_TECHNOLOGY_REFERRED = "assistive_technology_referred"
    CARE_PLAN_RELATIONSHIPS = "care_plan_relationships"
    COMPLIMENTS_AND_COMPLAINTS = "compliments_and_complaints"
    INVOLVED_IN_SUPPORT_PLANNING = "involved_in_support_planning"
    RISK_ASSESSMENTS_UP_TO_DATE = "risk_assessments_up_to_date"
    CONCERNS_REPORTED_TO_GP = "concerns_reported_to_gp"
    NEXT_OF_KIN_NOTIFIED = "next_of_kin_notified"
    MONITORING_CHECKS = "monitoring_checks"

    @property
    def label(self) -> str:
        return EVIDENCE_SOURCE_LABELS[self]


EVIDENCE_SOURCE_LABELS = {
    EvidenceSource.SERVICE_USER_FEEDBACK: "Feedback from the service user",
    EvidenceSource.FAMILY_FEEDBACK: "Feedback from family and friends",
    EvidenceSource.PROVIDER_SURVEYS: "Provider surveys of service users",
    EvidenceSource.CARE_REVIEWS: "Care reviews that document it",
    EvidenceSource.COUNCIL_SURVEY_CALLS: "Random survey calls by council staff",
    EvidenceSource.ASSISTIVE_TECHNOLOGY_REFERRED: "Assistive technology referred to the care manager",
    EvidenceSource.CARE_PLAN_RELATIONSHIPS: "Care and support plan details relationships",
    EvidenceSource.COMPLIMENTS_AND_COMPLAINTS: "Compliments and complaints",
    EvidenceSource.INVOLVED_IN_SUPPORT_PLANNING: "Involvement in support planning",
    EvidenceSource.RISK_ASSESSMENTS_UP_TO_DATE: "Risk assessments up to date",
    EvidenceSource.CONCERNS_REPORTED_TO_GP: "Concerns reported to GP or 111 and recorded",
    EvidenceSource.NEXT_OF_KIN_NOTIFIED: "Next of kin notified of health concerns",
    EvidenceSource.MONITORING_CHECKS: "Monitoring checks",
}


@dataclass(frozen=True)
class Measure:
    code: str
    text: str
    sources: tuple[EvidenceSource, ...]

    @property
    def outcome_number(self) -> int:
        return int(self.code.split(".")[0])

    @property
    def field_name(self) -> str:
        """A name safe for form fields and HTML ids: '1.1' -> 'm1_1'."""
        return "m" + self.code.replace(".", "_")


@dataclass(frozen=True)
class Outcome:
    number: int
    text: str
    measures: tuple[Measure, ...]


_S = EvidenceSource
_PERSONAL_CARE_SOURCES = (
    _S.SERVICE_USER_FEEDBACK,
    _S.FAMILY_FEEDBACK,
    _S.PROVIDER_SURVEYS,
    _S.CARE_REVIEWS,
    _S.COUNCIL_SURVEY_CALLS,
)

OUTCOMES: tuple[Outcome, ...] = (
    Outcome(
        1,
        "The individual can maintain or increase their level of personal care",
        (
            Measure(
                "1.1", "The individual can manage and maintain nutrition", _PERSONAL_CARE_SOURCES
            ),
            Measure(
                "1.2", "The individual is able to maintain personal hygiene", _PERSONAL_CARE_SOURCES
            ),
            Measure("1.3", "The individual is able to manage toilet needs", _PERSONAL_CARE_SOURCES),
            Measure(
                "1.4", "The individual is able to be appropriately clothed", _PERSONAL_CARE_SOURCES
            ),
        ),
    ),
    Outcome(
        2,
        "The individual is able to maintain and use their home safely",
        (
            Measure(
                "2.1",
                "The individual is able to make use of their home safely",
                (_S.ASSISTIVE_TECHNOLOGY_REFERRED, _S.PROVIDER_SURVEYS, _S.COUNCIL_SURVEY_CALLS),
            ),
            Measure(
                "2.2",
                "The individual is able to maintain a habitable home environment where possible",
                _PERSONAL_CARE_SOURCES,
            ),
        ),
    ),
    Outcome(
        3,
        "The individual develops and maintains family or other personal relationships",
        (
            Measure(
                "3.1",
                "The individual has contact and socialises with friends and family",
                (
                    _S.CARE_PLAN_RELATIONSHIPS,
                    _S.SERVICE_USER_FEEDBACK,
                    _S.FAMILY_FEEDBACK,
                    _S.PROVIDER_SURVEYS,
                    _S.COMPLIMENTS_AND_COMPLAINTS,
                ),
            ),
        ),
    ),
    Outcome(
        4,
        "The individual is supported to access a range of support and participate in the community",
        (
            Measure(
                "4.1",
                "The individual makes use of necessary facilities or services in the local community",
                (
                    _S.INVOLVED_IN_SUPPORT_PLANNING,
                    _S.SERVICE_USER_FEEDBACK,
                    _S.FAMILY_FEEDBACK,
                    _S.PROVIDER_SURVEYS,
                ),
            ),
        ),
    ),
    Outcome(
        5,
        "The individual is supported to avoid crisis, for example hospital admission",
        (
            Measure(
                "5.1",
                "The individual maintains a healthy lifestyle",
                (
                    _S.RISK_ASSESSMENTS_UP_TO_DATE,
                    _S.CONCERNS_REPORTED_TO_GP,
                    _S.NEXT_OF_KIN_NOTIFIED,
                    _S.MONITORING_CHECKS,
                ),
            ),
        ),
    ),
)

MEASURES: tuple[Measure, ...] = tuple(m for outcome in OUTCOMES for m in outcome.measures)
MEASURES_BY_CODE = {m.code: m for m in MEASURES}
