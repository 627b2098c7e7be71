"""SQLAlchemy models, one module per aggregate; importing this package registers them all."""

from portal.models.accounts import ApiKey, AuditEvent, Invitation, Organisation, User
from portal.models.candidates import (
    Assessment,
    Candidate,
    CandidateShare,
    Deletion,
    ImportFailure,
    ImportFile,
    ImportJob,
)
from portal.models.framework import (
    Competency,
    CompetencyIndicator,
    CompetencyLevel,
    CompetencyQuestion,
    Responsibility,
    ScorecardTemplate,
    SkillArea,
    Step,
)
from portal.models.idempotency import IdempotencyKey
from portal.models.interviews import Evaluation, EvaluationRating, Interview
from portal.models.matching import InterviewLevels, MatchProfile
from portal.models.password_resets import PasswordReset
from portal.models.scorecards import Scorecard, ScorecardCompetency, ScorecardVersion
from portal.models.signup_requests import SignupRequest
from portal.models.webhooks import WebhookAttempt, WebhookDelivery, WebhookEndpoint

__all__ = [
    "Assessment",
    "Candidate",
    "CandidateShare",
    "Deletion",
    "ImportFile",
    "ImportFailure",
    "IdempotencyKey",
    "ImportJob",
    "InterviewLevels",
    "MatchProfile",
    "PasswordReset",
    "ApiKey",
    "AuditEvent",
    "Invitation",
    "Organisation",
    "User",
    "Competency",
    "CompetencyIndicator",
    "CompetencyLevel",
    "CompetencyQuestion",
    "Evaluation",
    "EvaluationRating",
    "Interview",
    "Responsibility",
    "Scorecard",
    "ScorecardCompetency",
    "ScorecardTemplate",
    "ScorecardVersion",
    "SignupRequest",
    "SkillArea",
    "Step",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
]
