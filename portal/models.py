"""Every model, imported in one place so the metadata Alembic compares is complete."""

from portal.accounts.models import (
    FailedSignIns,
    PasswordLink,
    RecoveryCode,
    User,
    UserRole,
    UserSession,
)
from portal.api.models import ApiKey, IdempotentRequest
from portal.audit.models import AuditEvent
from portal.capacity.models import CapacityByQuadrant, CapacityReturn
from portal.caseload.models import CaseloadImport
from portal.common.stored_figures import StoredFigure
from portal.council.models import CardRate, CouncilSettings
from portal.notifications.models import OutgoingEmail
from portal.outcomes.models import (
    OutcomeAnswer,
    OutcomePairTally,
    OutcomeReturn,
    OutcomeTally,
    OwedReturn,
    ReportingPeriod,
)
from portal.payments.models import BatchFile, Payment, PaymentBatch, PaymentRule
from portal.providers.models import (
    PackageLine,
    Provider,
    ProviderCategory,
    ProviderChange,
    ServiceUser,
)
from portal.recommendations.models import (
    ProposedLine,
    Recommendation,
    RecommendationMessage,
    ReductionCheckpoint,
)

__all__ = [
    "ApiKey",
    "AuditEvent",
    "BatchFile",
    "CapacityByQuadrant",
    "CapacityReturn",
    "CardRate",
    "CaseloadImport",
    "CouncilSettings",
    "FailedSignIns",
    "IdempotentRequest",
    "OutcomeAnswer",
    "OutcomePairTally",
    "OutcomeReturn",
    "OutcomeTally",
    "OutgoingEmail",
    "OwedReturn",
    "PackageLine",
    "PasswordLink",
    "Payment",
    "PaymentBatch",
    "PaymentRule",
    "ProposedLine",
    "Provider",
    "ProviderCategory",
    "ProviderChange",
    "Recommendation",
    "RecommendationMessage",
    "RecoveryCode",
    "ReductionCheckpoint",
    "ReportingPeriod",
    "ServiceUser",
    "StoredFigure",
    "User",
    "UserRole",
    "UserSession",
]
