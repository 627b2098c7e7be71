"""The portal's vocabulary and numeric bounds: one home for each, imported by everything else.

A leaf module (it imports nothing from the portal) so that the models, which the services
import, can build their check constraints from the same figures. The services re-export what
they own (`portal.services.scorecards.WEIGHT_RANGE`, `portal.services.candidates.YEARS_MAX`,
...); schemas, templates (the `bounds` Jinja global), pages and the CLI take them from there.
"""

# --- numeric bounds (inclusive) --------------------------------------------------------------

WEIGHT_RANGE = (1, 5)  # how much a competency counts on a scorecard
LEVEL_RANGE = (1, 5)  # a competency level: a scorecard's target, a framework descriptor
ASSESSED_LEVEL_RANGE = (0, 5)  # a candidate's level; 0 = no evidence yet
YEARS_RANGE = (0, 60)  # years in product or leadership, a candidate's or a scorecard's minimum
API_KEY_NAME_MAX = 100

# --- words -------------------------------------------------------------------------------------

ROLES = ("recruiter", "candidate", "admin", "interviewer")
STAFF_ROLES = ("recruiter", "admin", "interviewer")  # people of an organisation (not candidates)
INVITABLE_ROLES = ("recruiter", "interviewer")  # what a colleague can be invited as
SCOPES = (
    "scorecards:read",
    "scorecards:write",
    "candidates:read",
    "candidates:write",
    "matches:read",
    "evaluations:read",
    "evaluations:write",
    "webhooks:manage",
)
WEBHOOK_EVENTS = (
    "scorecard.published",
    "candidate.created",
    "candidate.updated",
    "evaluation.submitted",
    "import.finished",
)
STATUSES = ("draft", "published", "archived")
EDUCATION_LEVELS = ("none", "bachelor", "master", "doctorate")
BACKGROUNDS = (
    "product-management",
    "marketing",
    "engineering",
    "sales",
    "business-development",
    "consulting",
    "executive",
)
SOURCES = ("self", "interview")
RATING_RANGE = (1, 5)  # an interviewer's rating of one competency
RECOMMENDATIONS = ("strong_no", "no", "mixed", "yes", "strong_yes")
EVALUATION_STATUSES = ("draft", "submitted", "superseded")
SPREAD_FLAG = 2  # interviewers differing by this many levels or more are flagged
QUESTIONS_MIN = 3  # suggested interview questions per competency in the framework

# --- messages ------------------------------------------------------------------------------------

YEARS_MESSAGE = f"Years are between {YEARS_RANGE[0]} and {YEARS_RANGE[1]}."


def whole_number_message(what: str, bounds: tuple[int, int]) -> str:
    """'Weight is a whole number from 1 to 5.'"""
    return f"{what} is a whole number from {bounds[0]} to {bounds[1]}."


def between(column: str, bounds: tuple[int, int]) -> str:
    """The SQL of a range check constraint: 'weight BETWEEN 1 AND 5'."""
    return f"{column} BETWEEN {bounds[0]} AND {bounds[1]}"


def bounds() -> dict[str, tuple[int, int] | int]:
    """What templates see as `bounds`: `bounds.weight`, `bounds.years`, ..."""
    return {
        "weight": WEIGHT_RANGE,
        "level": LEVEL_RANGE,
        "assessed_level": ASSESSED_LEVEL_RANGE,
        "years": YEARS_RANGE,
        "api_key_name": API_KEY_NAME_MAX,
    }
